// Strict validation of a doc example with the package's own validators. Most errors restate a
// structural change (an added field is "not described", a removed one "is required"); what is
// left (a changed date format, a broken pattern) is drift the shape comparison cannot see.
import { pointerKeys } from '../core/pointer.js';
import { providers, validate, type Provider } from '../index.js';
import { fieldPath, type ShapeDiff } from './compare.js';
import type { Violation } from './types.js';

/** Whether the package's generated catalog has this event (a custom schemas dir may have more). */
export function hasValidator(provider: string, event: string): boolean {
  return Object.hasOwn(providers, provider) && Object.hasOwn(providers[provider as Provider].events, event);
}

/**
 * A JSON Pointer into `payload` as a field path, twice: with the array indices (to find the
 * spot in the doc) and with `[]` (as structural changes name fields).
 */
function pointerPaths(pointer: string, payload: unknown): { concrete: string; normalized: string } {
  const concrete: string[] = [];
  const normalized: string[] = [];
  let node = payload;
  for (const key of pointerKeys(pointer)) {
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      concrete.push(`[${key}]`);
      normalized.push('[]');
      node = node[Number(key)];
    } else {
      concrete.push(key);
      normalized.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return { concrete: fieldPath(concrete), normalized: fieldPath(normalized) };
}

const within = (path: string, field: string) => field === '' || path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);

/**
 * The strict-validation errors of a doc example that no added, removed or retyped field explains.
 * Events the generated catalog does not have are not validated (there is no validator).
 *
 * @example
 * unexplainedViolations('kasko', 'policy.created', example, diff);
 * // [{ path: 'start_date', message: 'must match pattern "^[0-9]{4}-…"' }]
 */
export function unexplainedViolations(provider: string, event: string, payload: unknown, diff: ShapeDiff): Violation[] {
  if (!hasValidator(provider, event)) return [];
  const result = validate(provider as Provider, event as never, payload, { strict: true });
  if (result.ok) return [];
  const explained = [...diff.added, ...diff.removed, ...diff.retyped].map((change) => change.path);
  const violations: Violation[] = [];
  let unlisted: string | undefined;
  for (const issue of result.errors) {
    // The validator's last issue may be its count of the errors it did not list ("and 80 more"): not a field's error.
    if (issue.path === '' && /^and (?:at least )?\d+ more$/.test(issue.message)) {
      unlisted = issue.message.slice('and '.length);
      continue;
    }
    const { concrete, normalized } = pointerPaths(issue.path, payload);
    if (explained.some((field) => within(normalized, field))) continue;
    if (!violations.some((v) => v.path === concrete && v.message === issue.message)) violations.push({ path: concrete, message: issue.message });
  }
  // Errors beyond the validator's list matter only when some listed one was unexplained too; when every
  // listed error restates a structural change, the unlisted ones are taken to as well (same payload).
  if (unlisted && violations.length) violations.push({ path: '', message: `${unlisted} strict-validation errors not listed by the validator` });
  return violations;
}
