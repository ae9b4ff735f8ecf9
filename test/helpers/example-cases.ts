// Test cases derived from the documented examples, independently of the schemas: every field the
// docs show is required, and every value's JSON type is enforced (whole numbers stay whole for ids
// and counts), except where this project decided otherwise (docs/schema-policy.md). Those
// decisions are listed here, each naming the doc.
import { escapePointer, pointerKeys } from '../../src/core/pointer.js';
import { loadSchemaTree } from '../../scripts/lib/schema-files.js';

export const tree = loadSchemaTree(new URL('../../schemas', import.meta.url).pathname);

/** Objects whose keys belong to the integrator, not the provider: open, untyped, never required inside. */
export const OPEN_OBJECTS: Record<string, string[]> = {
  kasko: ['/metadata'], // kasko-webhooks.md: metadata { "some": "value" }
  axitech: ['/data/meta'], // axitech-webhooks.txt: "everything that was sent as a request when creating the session"
  insurup: [],
  coverkit: [],
};
/**
 * Numbers the docs show as whole that are amounts or rates, not ids or counts: a fraction is a valid
 * value (schema-policy.md, "Numbers"). kasko-webhooks.md gross_premium/premium_tax, insurup-webhooks.md
 * netPremium/grossPremium/commission/exchangeRate, coverkit-webhooks.txt premium.
 */
export const FRACTIONAL_NUMBERS = new Set(['gross_premium', 'premium_tax', 'netPremium', 'grossPremium', 'commission', 'exchangeRate', 'premium']);
/** Fields of constructed (not documented) examples that are assumptions, hence optional (CoverKit data.id, Axitech data.sessionId). */
export const OPTIONAL_IN_CONSTRUCTED = new Set(['/data/id', '/data/sessionId']);

export interface FieldCase {
  pointer: string;
  /** A value of another JSON type (or a fraction where the docs show an integer). */
  wrongValue: unknown;
}


function wrongValueFor(key: string, value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return Number.isInteger(value) && !FRACTIONAL_NUMBERS.has(key) ? value + 0.5 : String(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return { not: 'an array' };
  return 'not an object';
}

/** Every field of the example (depth first), skipping the inside of open objects. */
export function fieldCases(provider: string, example: unknown): FieldCase[] {
  const open = new Set(OPEN_OBJECTS[provider]);
  const cases: FieldCase[] = [];
  const walk = (value: unknown, pointer: string) => {
    if (open.has(pointer) || value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const childPointer = `${pointer}/${escapePointer(key)}`;
      if (!Array.isArray(value)) cases.push({ pointer: childPointer, wrongValue: wrongValueFor(key, child) });
      walk(child, childPointer);
    }
  };
  walk(example, '');
  return cases;
}

export const REMOVE = Symbol('remove');
/** A deep copy of `payload` with the value at `pointer` replaced, or removed for `REMOVE`. */
export function withValueAt(payload: unknown, pointer: string, value: unknown): unknown {
  const copy = structuredClone(payload) as Record<string, unknown>;
  const keys = [...pointerKeys(pointer)];
  const last = keys.pop()!;
  const parent = keys.reduce<any>((node, key) => node[key], copy);
  if (value === REMOVE) delete parent[last];
  else parent[last] = value;
  return copy;
}
