// Conformance assertions that work under any test runner: they depend on no runner, throw an
// error shaped like Node's AssertionError, and the matcher returns the `{ pass, message }` object
// that both vitest's and jest's `expect.extend` take.
import type { EventPayload, EventType, Provider } from '../core/event.js';
import type { ValidateOptions, ValidationIssue } from '../core/validation.js';
import { validate } from '../index.js';

/** Thrown by `assertConforms`. Named `AssertionError` with code `ERR_ASSERTION`, like `node:assert`'s. */
export class ConformanceError extends Error {
  override readonly name = 'AssertionError';
  readonly code = 'ERR_ASSERTION';
  readonly provider: string;
  readonly type: string;
  /** Every field that does not conform, as `{ path, message }` (path is a JSON Pointer). */
  readonly errors: ValidationIssue[];

  constructor(provider: string, type: string, errors: ValidationIssue[], strict: boolean) {
    super(`expected the payload to conform to ${describe(provider, type, strict)}, but:\n${formatIssues(errors)}`);
    this.provider = provider;
    this.type = type;
    this.errors = errors;
  }
}

const describe = (provider: string, type: string, strict: boolean) => `${provider} ${type}${strict ? ' (strict)' : ''}`;

/**
 * One line per issue, indented, the field first: `  /premiums/0/grossPremium: must be number`.
 *
 * @example
 * formatIssues([{ path: '/gross_premium', message: 'must be number' }]); // '  /gross_premium: must be number'
 */
export function formatIssues(errors: readonly ValidationIssue[], indent = '  '): string {
  return errors.map(({ path, message }) => `${indent}${path === '' ? '(root)' : path}: ${message}`).join('\n');
}

/**
 * The reasons `payload` does not match the event's schema; empty when it does. Never throws for a
 * bad payload (an unknown provider or event type is a TypeError).
 *
 * @example
 * expect(conformanceErrors('kasko', 'policy.created', payload, { strict: true })).toEqual([]);
 */
export function conformanceErrors<P extends Provider>(
  provider: P,
  type: EventType<P>,
  payload: unknown,
  options?: ValidateOptions,
): ValidationIssue[] {
  const result = validate(provider, type, payload, options);
  return result.ok ? [] : result.errors;
}

/**
 * Throws a `ConformanceError` listing every offending path unless `payload` matches the event's
 * schema; afterwards TypeScript knows the payload's type. `{ strict: true }` also reports
 * properties the schema does not describe, the check a contract test wants.
 *
 * @example
 * assertConforms('insurup', 'proposal_premium.received', JSON.parse(body), { strict: true });
 */
export function assertConforms<P extends Provider, T extends EventType<P>>(
  provider: P,
  type: T,
  payload: unknown,
  options?: ValidateOptions,
): asserts payload is EventPayload<P, T> {
  const errors = conformanceErrors(provider, type, payload, options);
  if (errors.length > 0) throw new ConformanceError(provider, type, errors, options?.strict === true);
}

/** What a matcher returns to `expect.extend` (vitest and jest share this shape). */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/**
 * Matchers for `expect.extend(webhookMatchers)`, in vitest or jest. `.not` works too.
 *
 * @example
 * expect.extend(webhookMatchers);
 * expect(JSON.parse(d.body)).toConformTo('kasko', 'policy.created', { strict: true });
 */
export const webhookMatchers = {
  toConformTo(received: unknown, provider: Provider, type: string, options?: ValidateOptions): MatcherResult {
    const errors = conformanceErrors(provider, type as EventType<Provider>, received, options);
    const what = describe(provider, type, options?.strict === true);
    return errors.length === 0
      ? { pass: true, message: () => `expected the payload not to conform to ${what}, but it does` }
      : { pass: false, message: () => `expected the payload to conform to ${what}, but:\n${formatIssues(errors)}` };
  },
};

/**
 * The matcher's signature, for declaration merging with your runner's types (see docs/testing.md).
 *
 * @example
 * declare module 'vitest' { interface Assertion<T = any> extends WebhookMatchers<void> {} }
 */
export interface WebhookMatchers<R = unknown> {
  toConformTo<P extends Provider>(provider: P, type: EventType<P>, options?: ValidateOptions): R;
}
