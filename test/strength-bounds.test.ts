// The answer to a refusal is bounded, and text from the request is printable (README, "Security
// notes"): at most 20 issues, then one "and N more" ("at least N" once a validator stopped
// recording, at 100, which keeps the cost linear); paths and messages cut at 200 characters;
// control characters escaped. Boundary pairs at each limit (src/core/validation.ts, receive.ts).
import { describe, expect, it } from 'vitest';
import { examples, receive, sign, WebhookError } from '../src/index.js';
import type { SchemaValidationError, SchemaValidator } from '../src/core/types.js';
import { boundedIssue, issuesOf, MAX_LISTED_ISSUES, MAX_SCHEMA_ERRORS, printable } from '../src/core/validation.js';

const SECRET = 'strength-bounds';
/** A validator that has just reported `errors`. */
const failedWith = (errors: SchemaValidationError[] | null | undefined): SchemaValidator => Object.assign(() => false, { errors });
const typeError = (i: number): SchemaValidationError => ({ instancePath: `/items/${i}`, schemaPath: '#/type', keyword: 'type', params: { type: 'string' }, message: 'must be string' });
const many = (count: number) => Array.from({ length: count }, (_, i) => typeError(i));

describe('issuesOf: at most 20 issues, then one that counts the rest', () => {
  it('the limits are 20 listed and 100 recorded', () => {
    expect([MAX_LISTED_ISSUES, MAX_SCHEMA_ERRORS]).toEqual([20, 100]);
  });

  it.each([
    [0, undefined],
    [1, undefined],
    [20, undefined],
    [21, 'and 1 more'],
    [99, 'and 79 more'],
    [100, 'and at least 80 more'],
    [101, 'and at least 81 more'],
  ])('%d errors: %s', (count, last) => {
    const issues = issuesOf(failedWith(many(count)));
    expect(issues.length).toBe(Math.min(count, 20) + (last ? 1 : 0));
    expect(issues.slice(0, 20)).toEqual(many(Math.min(count, 20)).map((_, i) => ({ path: `/items/${i}`, message: 'must be string' })));
    if (last) expect(issues.at(-1)).toEqual({ path: '', message: last });
  });

  it('no errors recorded (null or missing) is no issue', () => {
    expect(issuesOf(failedWith(null))).toEqual([]);
    expect(issuesOf(failedWith(undefined))).toEqual([]);
  });

  it('names the field for each keyword', () => {
    const error = (keyword: string, params: Record<string, unknown>, message?: string): SchemaValidationError => ({ instancePath: '/a', schemaPath: '#', keyword, params, ...(message === undefined ? {} : { message }) });
    expect(
      issuesOf(
        failedWith([
          error('required', { missingProperty: 'b/c~d' }),
          error('additionalProperties', { additionalProperty: 'x~y/z' }),
          error('const', { allowedValue: 'policy.created' }),
          error('minimum', { limit: 0 }, 'must be >= 0'),
          error('format', {}),
        ]),
      ),
    ).toEqual([
      { path: '/a/b~1c~0d', message: 'is required' },
      { path: '/a/x~0y~1z', message: 'is not described by the schema (strict mode)' },
      { path: '/a', message: 'must be "policy.created"' },
      { path: '/a', message: 'must be >= 0' },
      { path: '/a', message: 'fails "format"' },
    ]);
  });

  it('cuts a path at 200 characters (exactly 200 kept, 201 cut)', () => {
    const at = (length: number) => ({ instancePath: `/${'p'.repeat(length - 1)}`, schemaPath: '#', keyword: 'type', params: {}, message: 'm' });
    expect(issuesOf(failedWith([at(200)]))[0]!.path).toBe(`/${'p'.repeat(199)}`);
    expect(issuesOf(failedWith([at(201)]))[0]!.path).toBe(`/${'p'.repeat(199)}…`);
  });
});

describe('boundedIssue: path and message each cut at 200 characters', () => {
  it('exactly 200 kept, 201 cut to 200 and "…", for the message as for the path', () => {
    expect(boundedIssue('/a', 'm'.repeat(200))).toEqual({ path: '/a', message: 'm'.repeat(200) });
    expect(boundedIssue('/a', 'm'.repeat(201))).toEqual({ path: '/a', message: `${'m'.repeat(200)}…` });
    expect(boundedIssue('p'.repeat(201), 'm')).toEqual({ path: `${'p'.repeat(200)}…`, message: 'm' });
  });
});

describe('printable: control and line-separator characters escaped, at most max characters', () => {
  it('escapes exactly U+0000–U+001F, U+007F–U+009F, U+2028 and U+2029', () => {
    for (let code = 0; code < 0x3000; code++) {
      const char = String.fromCharCode(code);
      const escaped = code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
      expect(printable(`a${char}b`), `U+${code.toString(16)}`).toBe(escaped ? `a\\u${code.toString(16).padStart(4, '0')}b` : `a${char}b`);
    }
    expect(printable('policy\u0000created\n')).toBe('policy\\u0000created\\u000a');
  });

  it('cuts at max characters (default 200): exactly max kept, one more cut', () => {
    expect(printable('x'.repeat(200))).toBe('x'.repeat(200));
    expect(printable('x'.repeat(201))).toBe(`${'x'.repeat(200)}…`);
    expect(printable('abcdef', 5)).toBe('abcde…');
    expect(printable('abcde', 5)).toBe('abcde');
    expect(printable('\u0000'.repeat(3), 2)).toBe('\\u0000\\u0000…'); // cut first, then escaped
  });
});

describe('through receive(): what a refusal carries is bounded', () => {
  const received = async (provider: 'insurup' | 'kasko' | 'coverkit', type: string, body: string, headers: Record<string, string> = {}) => {
    const signed = await sign(provider, { type, body }, SECRET);
    return receive(provider, { body, headers: { ...signed, ...headers } }, { secret: SECRET, maxBodyBytes: 50_000_000 }).catch((error: unknown) => error as WebhookError);
  };

  it('a body failing the schema everywhere: 20 issues and "and at least N more"; the validator stopped at 100', async () => {
    const example = examples.insurup['proposal_premium.received'];
    const premiums = Array.from({ length: 2_000 }, () => ({ ...example.premiums[0]!, installmentNumber: 'one', netPremium: 'x' }));
    const body = JSON.stringify({ ...example, premiums });
    const error = (await received('insurup', 'proposal_premium.received', body)) as WebhookError;
    expect(error.code).toBe('payload_invalid');
    expect(error.errors).toHaveLength(21);
    expect(error.errors!.at(-1)).toEqual({ path: '', message: 'and at least 80 more' });
    expect(error.message.length).toBeLessThan(1000);
  });

  it('an event type of 200 characters is looked up; of 201, refused before it is echoed', async () => {
    const body = JSON.stringify(examples.kasko['policy.created']);
    const exactly = (await received('kasko', 'policy.created', body, { 'x-kasko-event': 'e'.repeat(200) })) as WebhookError;
    expect(exactly.code).toBe('event_unknown');
    const over = (await received('kasko', 'policy.created', body, { 'x-kasko-event': 'e'.repeat(201) })) as WebhookError;
    expect([over.code, over.message]).toEqual(['header_invalid', 'the x-kasko-event header is longer than 200 characters']);
    const inBody = JSON.stringify({ ...examples.coverkit['policy.created'], type: 't'.repeat(201) });
    const bodyType = (await received('coverkit', 'policy.created', inBody)) as WebhookError;
    expect([bodyType.code, bodyType.errors]).toEqual(['payload_invalid', [{ path: '/type', message: 'is longer than 200 characters' }]]);
    const fits = JSON.stringify({ ...examples.coverkit['policy.created'], type: 't'.repeat(200) });
    expect(((await received('coverkit', 'policy.created', fits)) as WebhookError).code).toBe('event_unknown');
  });

  it('an unknown event type is echoed escaped and cut at 100 characters', async () => {
    const body = JSON.stringify(examples.kasko['policy.created']);
    const error = (await received('kasko', 'policy.created', body, { 'x-kasko-event': `a\u0001${'b'.repeat(150)}` })) as WebhookError;
    expect(error.code).toBe('event_unknown');
    expect(error.message).toBe(`"a\\u0001${'b'.repeat(98)}…" is not a KASKO event this package knows`);
  });
});
