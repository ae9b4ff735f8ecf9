// What each refusal and each wrong use says, exactly, and what it carries (src/core/receive.ts,
// sign.ts, errors.ts, provider-api.ts). The message is how an integrator finds the cause, so a
// mutant that empties or swaps one must fail a test; so must one that drops a detail
// (type, deliveryId, payload) or the status an endpoint answers.
import { describe, expect, it } from 'vitest';
import { examples, receive, receiveSync, sign, UsageError, validate, WEBHOOK_ERROR_STATUS, WebhookError, type Provider, type ReceiveOptions, type WebhookErrorCode } from '../src/index.js';
import { checkLimits, checkReceiveOptions } from '../src/core/receive.js';
import { providerDefinition } from '../src/root-api.js';
import { serializeBody } from '../src/core/sign.js';

const SECRET = 'strength-messages';
const NOW = Date.UTC(2026, 0, 1);
const body = (provider: Provider, type: string) => JSON.stringify((examples[provider] as Record<string, unknown>)[type]);

async function refusal(promise: Promise<unknown>): Promise<WebhookError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}
/** The WebhookError's details that are set, as an object. */
const details = (error: WebhookError) => ({
  code: error.code,
  message: error.message,
  status: error.status,
  ...Object.fromEntries(['errors', 'type', 'deliveryId', 'payload'].filter((k) => (error as unknown as Record<string, unknown>)[k] !== undefined).map((k) => [k, (error as unknown as Record<string, unknown>)[k]])),
});

describe('WebhookError', () => {
  it('one status per code', () => {
    expect(WEBHOOK_ERROR_STATUS).toEqual({
      signature_missing: 401,
      signature_invalid: 401,
      timestamp_invalid: 401,
      header_missing: 400,
      header_invalid: 400,
      event_unknown: 202,
      payload_malformed: 400,
      payload_invalid: 400,
      body_too_large: 413,
    });
    for (const code of Object.keys(WEBHOOK_ERROR_STATUS) as WebhookErrorCode[]) expect(new WebhookError(code, 'm').status).toBe(WEBHOOK_ERROR_STATUS[code]);
  });

  it('has its name, and only the details given', () => {
    const bare = new WebhookError('payload_invalid', 'm');
    expect([bare.name, bare.message, bare.code, String(bare)]).toEqual(['WebhookError', 'm', 'payload_invalid', 'WebhookError: m']);
    expect(details(bare)).toEqual({ code: 'payload_invalid', message: 'm', status: 400 });
    const full = new WebhookError('payload_invalid', 'm', { errors: [], type: '', deliveryId: '', payload: null });
    expect([full.errors, full.type, full.deliveryId, full.payload]).toEqual([[], '', '', null]);
    expect(new UsageError('x').name).toBe('UsageError');
    expect(new UsageError('x')).toBeInstanceOf(TypeError);
  });

  it('keeps the payload, never enumerable or writable: an error logged as JSON does not carry it', () => {
    const error = new WebhookError('payload_invalid', 'm', { payload: { card: '4111' } });
    expect(error.payload).toEqual({ card: '4111' });
    expect(Object.keys(error)).not.toContain('payload');
    expect(JSON.stringify(error)).not.toContain('4111');
    expect(Object.getOwnPropertyDescriptor(error, 'payload')).toMatchObject({ enumerable: false, writable: false });
    expect(Object.hasOwn(new WebhookError('payload_invalid', 'm'), 'payload')).toBe(false);
  });

  it('a payload that code redacting errors removes (delete) is gone: configurable, though not writable', () => {
    const error = new WebhookError('payload_invalid', 'm', { payload: { card: '4111' } });
    expect(Object.getOwnPropertyDescriptor(error, 'payload')?.configurable).toBe(true);
    expect(delete (error as { payload?: unknown }).payload).toBe(true);
    expect([Object.hasOwn(error, 'payload'), error.payload]).toEqual([false, undefined]);
  });
});

describe('wrong use: a UsageError with the message that names the fix', () => {
  const d = { body: body('kasko', 'policy.created'), headers: {} };
  it.each([
    ['no options', () => receive('kasko', d, undefined as never), "insurance-webhooks: receive('kasko') needs options with a secret"],
    ['null options', () => receive('kasko', d, null as never), "insurance-webhooks: receive('kasko') needs options with a secret"],
    ['a string as options', () => receive('kasko', d, 'secret' as never), "insurance-webhooks: receive('kasko') needs options with a secret"],
    ['no secret', () => receive('kasko', d, {}), "insurance-webhooks: receive('kasko') needs options.secret"],
    ['an empty secret list', () => receive('kasko', d, { secret: [] }), 'insurance-webhooks: options.secret must be a non-empty string or a non-empty array of them'],
    ['a number as secret', () => receive('kasko', d, { secret: 42 as never }), 'insurance-webhooks: options.secret must be a non-empty string or a non-empty array of them'],
    ['an empty secret', () => receive('kasko', d, { secret: '' }), 'insurance-webhooks: options.secret must not contain an empty or non-string secret'],
    ['a non-string secret in the list', () => receive('kasko', d, { secret: ['ok', 42 as never] }), 'insurance-webhooks: options.secret must not contain an empty or non-string secret'],
    ['allowUnsigned for KASKO', () => receive('kasko', d, { secret: SECRET, allowUnsigned: true }), 'insurance-webhooks: KASKO always signs its deliveries; allowUnsigned is for a provider that sends no signature when no secret is set (provider.json signature.optional)'],
    ['a NaN window', () => receive('kasko', d, { secret: SECRET, toleranceSeconds: NaN }), 'insurance-webhooks: options.toleranceSeconds must be a finite number of seconds >= 0 (got NaN)'],
    ['a negative window', () => receive('kasko', d, { secret: SECRET, toleranceSeconds: -0.5 }), 'insurance-webhooks: options.toleranceSeconds must be a finite number of seconds >= 0 (got -0.5)'],
    ['a negative limit', () => receive('kasko', d, { secret: SECRET, maxBodyBytes: -1 }), 'insurance-webhooks: options.maxBodyBytes must be a whole number of bytes >= 0 (got -1)'],
    ['a fractional limit', () => receive('kasko', d, { secret: SECRET, maxBodyBytes: 0.5 }), 'insurance-webhooks: options.maxBodyBytes must be a whole number of bytes >= 0 (got 0.5)'],
    ['an invalid clock', () => receive('kasko', d, { secret: SECRET, now: new Date(NaN) }), 'insurance-webhooks: options.now must be a valid Date or a finite number of epoch milliseconds'],
    ['a string clock', () => receive('kasko', d, { secret: SECRET, now: '2026' as never }), 'insurance-webhooks: options.now must be a valid Date or a finite number of epoch milliseconds'],
    ['no incoming', () => receive('kasko', null as never, { secret: SECRET }), 'insurance-webhooks: receive() needs { body, headers }'],
    ['a string as incoming', () => receive('kasko', 'body' as never, { secret: SECRET }), 'insurance-webhooks: receive() needs { body, headers }'],
    ['a parsed body', () => receive('kasko', { body: {} as never, headers: {} }, { secret: SECRET }), 'insurance-webhooks: incoming.body must be the raw body: a string or a Uint8Array/Buffer'],
    ['no headers', () => receive('kasko', { body: '' } as never, { secret: SECRET }), 'insurance-webhooks: incoming.headers must be a Headers object or a plain object'],
    ['null headers', () => receive('kasko', { body: '', headers: null as never }, { secret: SECRET }), 'insurance-webhooks: incoming.headers must be a Headers object or a plain object'],
    ['a string as headers', () => receive('kasko', { body: '', headers: 'x' as never }, { secret: SECRET }), 'insurance-webhooks: incoming.headers must be a Headers object or a plain object'],
    ['a number as method', () => receive('kasko', { body: '', headers: {}, method: 1 as never }, { secret: SECRET }), 'insurance-webhooks: incoming.method must be a string (the request method)'],
    ['a number as url', () => receive('kasko', { body: '', headers: {}, url: 1 as never }, { secret: SECRET }), 'insurance-webhooks: incoming.url must be a string (the path and query)'],
    ['Axitech without url', () => receive('axitech', { body: '', headers: {} }, { secret: SECRET }), "insurance-webhooks: receive('axitech') needs incoming.url: the path and query as the server saw it"],
    ['sign() without secret', () => sign('kasko', { type: 'policy.created', body: '{}' }, ''), 'insurance-webhooks: sign() needs a non-empty secret'],
    ['sign() with an empty secret list', () => sign('kasko', { type: 'policy.created', body: '{}' }, []), 'insurance-webhooks: sign() needs a non-empty secret'],
    ['sign() with an undefined secret', () => sign('kasko', { type: 'policy.created', body: '{}' }, undefined as never), 'insurance-webhooks: sign() needs a non-empty secret'],
    ['sign() without input', () => sign('kasko', undefined as never, SECRET), 'insurance-webhooks: sign() needs { type, body }'],
    ['sign() without type', () => sign('kasko', { body: '{}' } as never, SECRET), 'insurance-webhooks: sign() needs { type, body }'],
    ['sign() with an empty type', () => sign('kasko', { type: '', body: '{}' }, SECRET), 'insurance-webhooks: sign() needs { type, body }'],
    ['sign() with a number as type', () => sign('kasko', { type: 1 as never, body: '{}' }, SECRET), 'insurance-webhooks: sign() needs { type, body }'],
  ] as Array<[string, () => unknown, string]>)('%s', (_, call, message) => {
    expect(call).toThrow(UsageError);
    expect(call).toThrow(new UsageError(message));
  });

  it('the limits themselves: 0 is a valid window and a valid limit; finite numbers and Dates are valid clocks', () => {
    for (const options of [{ toleranceSeconds: 0 }, { maxBodyBytes: 0 }, { now: 0 }, { now: new Date(0) }, {}]) expect(() => checkLimits(options)).not.toThrow();
    expect(checkReceiveOptions(providerDefinition('insurup'), { allowUnsigned: true })).toEqual([]);
    expect(checkReceiveOptions(providerDefinition('insurup'), { secret: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(checkReceiveOptions(providerDefinition('kasko'), { secret: 'a' })).toEqual(['a']);
  });

  it('sign(): the first secret of a list signs; a body that is not a string, bytes or an object is refused', async () => {
    const one = await sign('coverkit', { type: 'policy.created', body: '{}' }, 'first');
    const two = await sign('coverkit', { type: 'policy.created', body: '{}' }, ['first', 'second']);
    expect(two['coverkit-signature']).toBe(one['coverkit-signature']);
    expect(() => serializeBody(42 as never)).toThrow(new UsageError('insurance-webhooks: sign() body must be a string, bytes or an object'));
    expect(() => serializeBody(null as never)).toThrow(UsageError);
    expect(serializeBody({ a: 1 })).toBe('{"a":1}');
    expect(serializeBody([1])).toBe('[1]');
    const bytes = Uint8Array.of(1);
    expect(serializeBody(bytes)).toBe(bytes);
  });

  it('validate() with an unknown type lists the known ones', () => {
    expect(() => validate('coverkit', 'policy.unknown' as never, {})).toThrow(
      new UsageError(`insurance-webhooks: "policy.unknown" is not a CoverKit event; known: ${Object.keys(examples.coverkit).join(', ')}`),
    );
    expect(() => validate('coverkit', 'toString' as never, {})).toThrow(UsageError);
  });
});

describe('refusals: the code, the message and the details', () => {
  const options: ReceiveOptions = { secret: SECRET, now: NOW };
  const kasko = async (patch: { body?: string | Uint8Array; headers?: Record<string, string | undefined> } = {}) => {
    const b = patch.body ?? body('kasko', 'policy.created');
    const headers: Record<string, string | undefined> = { ...(await sign('kasko', { type: 'policy.created', body: b, deliveryId: 'd-1' }, SECRET)), ...patch.headers };
    for (const key of Object.keys(headers)) if (headers[key] === undefined) delete headers[key];
    return { body: b, headers: headers as Record<string, string> };
  };

  it('body_too_large', async () => {
    expect(details(await refusal(receive('kasko', await kasko(), { ...options, maxBodyBytes: 10 })))).toEqual({ code: 'body_too_large', status: 413, message: 'body is larger than 10 bytes' });
  });

  it('signature_missing, and present without a secret to check it', async () => {
    expect(details(await refusal(receive('kasko', await kasko({ headers: { 'x-kasko-signature': undefined } }), options)))).toEqual({ code: 'signature_missing', status: 401, message: 'the x-kasko-signature header is missing' });
    const insurup = { body: body('insurup', 'proposal_premium.received'), headers: await sign('insurup', { type: 'proposal_premium.received', body: body('insurup', 'proposal_premium.received') }, SECRET) };
    expect(details(await refusal(receive('insurup', insurup, { allowUnsigned: true })))).toEqual({
      code: 'signature_invalid',
      status: 401,
      message: 'the x-webhook-signature header is present, but no secret is configured to check it (options.secret)',
    });
  });

  it('signature_invalid: not the scheme, or no match (one secret or several)', async () => {
    expect((await refusal(receive('kasko', await kasko({ headers: { 'x-kasko-signature': 'sha1=zz' } }), options))).message).toBe('the x-kasko-signature header is not a kasko-hmac-sha1 signature');
    const causes =
      'Check: the raw bytes were passed, not re-serialised JSON (a body parser ran first); the body is not still base64-encoded (AWS API Gateway/Lambda: isBase64Encoded); the secret has no surrounding whitespace and is the one for this endpoint and mode (test or live).';
    expect((await refusal(receive('kasko', await kasko(), { ...options, secret: 'other' }))).message).toBe(`the x-kasko-signature header does not match the body signed with the secret. ${causes}`);
    expect((await refusal(receive('kasko', await kasko(), { ...options, secret: ['a', 'b'] }))).message).toBe(`the x-kasko-signature header does not match the body signed with any of the secrets. ${causes}`);
    const error = await refusal(receive('kasko', await kasko(), { ...options, secret: 'other' }));
    expect(details(error)).toEqual({ code: 'signature_invalid', status: 401, message: error.message }); // nothing else: not authentic
  });

  it('timestamp_invalid: missing, not canonical, old, in the future', async () => {
    const b = body('axitech', 'session.submitted');
    const headers = await sign('axitech', { type: 'session.submitted', body: b, url: '/h', timestamp: NOW }, SECRET);
    const { 'x-aw-timestamp': _, ...without } = headers;
    expect(details(await refusal(receive('axitech', { body: b, url: '/h', headers: without }, options)))).toEqual({ code: 'timestamp_invalid', status: 401, message: 'the x-aw-timestamp header is missing' });
    const odd = `0${'1'.repeat(50)}\u0000`;
    expect((await refusal(receive('axitech', { body: b, url: '/h', headers: { ...headers, 'x-aw-timestamp': odd } }, options))).message).toBe(
      `the signed timestamp "${odd.slice(0, 40)}…" is not canonical Unix seconds, milliseconds or ISO-8601`,
    );
    expect((await refusal(receive('axitech', { body: b, url: '/h', headers }, { ...options, now: NOW + 400_400 }))).message).toBe('the signed timestamp is 400s old; the window is 300s');
    expect((await refusal(receive('axitech', { body: b, url: '/h', headers }, { ...options, now: NOW - 400_600 }))).message).toBe('the signed timestamp is 401s in the future; the window is 300s');
    // The timestamped scheme's t is in the signature header: "timestamp" names it when missing.
    const { coverkitTimestampedScheme } = await import('../src/providers/coverkit.js');
    const missingT = await refusal(receive('coverkit', { body: body('coverkit', 'policy.created'), headers: { 'coverkit-signature': `v1=${'0'.repeat(64)}` } }, { ...options, signature: coverkitTimestampedScheme }));
    expect(missingT.message).toBe('the coverkit-signature header is not a coverkit-t-v1 signature');
  });

  it('header_missing and header_invalid', async () => {
    expect(details(await refusal(receive('kasko', await kasko({ headers: { 'x-kasko-event': undefined } }), options)))).toEqual({ code: 'header_missing', status: 400, message: 'the x-kasko-event header is missing' });
    expect(details(await refusal(receive('kasko', await kasko({ headers: { 'x-kasko-delivery': 'd'.repeat(201) } }), options)))).toEqual({
      code: 'header_invalid',
      status: 400,
      type: 'policy.created',
      message: 'the x-kasko-delivery header is longer than 200 characters',
    });
  });

  it('payload_malformed: not UTF-8, not JSON; with the type and delivery id the headers gave', async () => {
    const notUtf8 = await refusal(receive('kasko', await kasko({ body: Uint8Array.of(0x7b, 0xff, 0x7d) }), options));
    expect(details(notUtf8)).toMatchObject({ code: 'payload_malformed', status: 400, message: 'body is not valid UTF-8', type: 'policy.created' });
    const notJson = await refusal(receive('kasko', await kasko({ body: '{"a":' }), options));
    expect(details(notJson)).toMatchObject({ code: 'payload_malformed', type: 'policy.created', deliveryId: 'd-1' });
    expect(notJson.message).toMatch(/^body is not JSON: \S/);
    expect(notJson.payload).toBeUndefined();
  });

  it('payload_invalid from the parser names the path, with the type and delivery id', async () => {
    const poisoned = await refusal(receive('kasko', await kasko({ body: `{"__proto__":1,${body('kasko', 'policy.created').slice(1)}` }), options));
    expect(details(poisoned)).toEqual({
      code: 'payload_invalid',
      status: 400,
      type: 'policy.created',
      deliveryId: 'd-1',
      message: 'body /__proto__ is a prototype-poisoning key and is not accepted',
      errors: [{ path: '/__proto__', message: 'is a prototype-poisoning key and is not accepted' }],
    });
  });

  it('payload_invalid from the schema: up to five named in the message, the rest counted; all in errors', async () => {
    const example = examples.kasko['policy.created'] as unknown as Record<string, unknown>;
    const one = await refusal(receive('kasko', await kasko({ body: JSON.stringify({ ...example, first_name: 1 }) }), options));
    expect(details(one)).toEqual({
      code: 'payload_invalid',
      status: 400,
      type: 'policy.created',
      deliveryId: 'd-1',
      payload: { ...example, first_name: 1 },
      errors: [{ path: '/first_name', message: 'must be string' }],
      message: 'the policy.created payload does not match its schema: /first_name must be string',
    });
    const keys = Object.keys(example).filter((key) => typeof example[key] === 'string').slice(0, 7);
    expect(keys).toHaveLength(7);
    const seven = await refusal(receive('kasko', await kasko({ body: JSON.stringify({ ...example, ...Object.fromEntries(keys.map((key) => [key, 1])) }) }), options));
    expect(seven.errors).toHaveLength(7);
    const named = seven.errors!.slice(0, 5).map((e) => `${e.path} ${e.message}`);
    expect(seven.message).toBe(`the policy.created payload does not match its schema: ${named.join('; ')}; and 2 more listed in errors`);
    const five = await refusal(receive('kasko', await kasko({ body: JSON.stringify({ ...example, ...Object.fromEntries(keys.slice(0, 5).map((key) => [key, 1])) }) }), options));
    expect(five.errors).toHaveLength(5);
    expect(five.message).toBe(`the policy.created payload does not match its schema: ${five.errors!.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    const six = await refusal(receive('kasko', await kasko({ body: JSON.stringify({ ...example, ...Object.fromEntries(keys.slice(0, 6).map((key) => [key, 1])) }) }), options));
    expect(six.message).toMatch(/; and 1 more listed in errors$/);
    // The root is named "/" in the message (its path is "").
    const root = await refusal(receive('kasko', await kasko({ body: '[]' }), options));
    expect(root.errors?.[0]?.path).toBe('');
    expect(root.message).toMatch(/^the policy\.created payload does not match its schema: \/ /);
  });

  it('payload_invalid for an envelope without its event type; event_unknown keeps what is known', async () => {
    const b = JSON.stringify({ ...examples.coverkit['policy.created'], type: undefined });
    const headers = await sign('coverkit', { type: 'policy.created', body: b }, SECRET);
    const error = await refusal(receive('coverkit', { body: b, headers }, options));
    expect(details(error)).toEqual({
      code: 'payload_invalid',
      status: 400,
      deliveryId: 'evt_abc123',
      payload: JSON.parse(b),
      errors: [{ path: '/type', message: 'is required (a string naming the event)' }],
      message: 'the body has no event type at /type',
    });
    const unknown = await refusal(receive('kasko', await kasko({ headers: { 'x-kasko-event': 'policy.reinstated' } }), options));
    expect(details(unknown)).toEqual({
      code: 'event_unknown',
      status: 202,
      type: 'policy.reinstated',
      deliveryId: 'd-1',
      payload: examples.kasko['policy.created'],
      message: '"policy.reinstated" is not a KASKO event this package knows',
    });
  });

  it('an event type from the body longer than 200 characters is payload_invalid, naming the pointer, keeping the payload', async () => {
    const b = JSON.stringify({ ...examples.coverkit['policy.created'], type: 'x'.repeat(201) });
    const headers = await sign('coverkit', { type: 'policy.created', body: b }, SECRET);
    const error = await refusal(receive('coverkit', { body: b, headers }, options));
    expect(details(error)).toEqual({
      code: 'payload_invalid',
      status: 400,
      deliveryId: 'evt_abc123',
      payload: JSON.parse(b),
      errors: [{ path: '/type', message: 'is longer than 200 characters' }],
      message: 'the event type at /type is longer than 200 characters',
    });
  });

  it('receiveSync refuses the same way, synchronously', async () => {
    const d = await kasko();
    expect(() => receiveSync('kasko', d, { ...options, secret: 'other' })).toThrow(WebhookError);
    expect(receiveSync('kasko', d, options)).toMatchObject({ type: 'policy.created', deliveryId: 'd-1' });
  });
});
