// Never lose an authentic delivery: what the router does with deliveries whose signature verified
// but which cannot become a typed event (off-schema, not JSON, no event header), with unknown event
// types, and with a configuration receive() would refuse. Every provider, every kind.
import { describe, expect, it, vi } from 'vitest';
import { createWebhooks, examples, receive, UsageError, type InvalidDelivery, type Provider, type WebhookEvent } from '../src/index.js';
import type { ErrorContext, WebhooksOptions } from '../src/index.js';
import { allExamples, delivery, NOW, providers, SECRET, SIGNATURE_HEADER } from './helpers/deliveries.js';

const config = (extra: Partial<WebhooksOptions> = {}): WebhooksOptions => ({
  providers: Object.fromEntries(providers.map((p) => [p, { secret: SECRET, now: NOW }])),
  logger: false,
  ...extra,
});

/** Fields that name or identify the delivery: breaking them would test something else. */
const IDENTITY = new Set(['id', 'type', 'event_type', 'created_at', 'createdAt']);

/** The first documented string field of a payload (depth first, not an identity field), as a path. */
function stringField(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return path.length > 0 && !(path.length === 1 && IDENTITY.has(path[0]!)) ? path : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = stringField(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
/** `payload` with the value at `path` replaced. */
const withValue = (payload: unknown, [head, ...rest]: string[], value: unknown): unknown =>
  head === undefined ? value : { ...(payload as object), [head]: withValue((payload as Record<string, unknown>)[head], rest, value) };

/** The example of each event with one documented string field turned into a number. */
const offSchema = allExamples.flatMap(({ provider, type, payload }) => {
  const path = stringField(payload);
  return path ? [{ provider, type, field: path.join('/'), payload: withValue(payload, path, 12345) }] : [];
});

const entryOf = (provider: Provider, type: string) => (examples[provider] as Record<string, unknown>)[type] !== undefined;
const isSync = (provider: Provider, type: string) => provider === 'insurup' && type === 'proposal_premium.purchasing';

describe('onInvalid keeps every authentic delivery the schema refuses', () => {
  it('covers every provider', () => {
    expect(new Set(offSchema.map((c) => c.provider))).toEqual(new Set(providers));
  });

  it.for(offSchema.filter((c) => !isSync(c.provider, c.type)))('$provider $type with /$field a number: awaited, 202, recorded, never a typed handler', async ({ provider, type, field, payload }) => {
    const kept: InvalidDelivery[] = [];
    const typed = vi.fn();
    const webhooks = createWebhooks(config())
      .onAny(provider, typed)
      .onInvalid(async (d) => {
        await new Promise((resolve) => setTimeout(resolve, 5)); // awaited: the answer waits for it
        kept.push(d);
      });
    const d = await delivery(provider, type, payload);
    const first = await webhooks.handle(provider, d);
    expect(first.status).toBe(202);
    expect(JSON.parse(first.body)).toMatchObject({ received: true, handled: false, valid: false, type });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ provider, type, payload, body: d.body, headers: d.headers, errors: [{ path: `/${field}`, message: 'must be string' }] });
    expect(kept[0]!.error.code).toBe('payload_invalid');
    expect(typed).not.toHaveBeenCalled();
    // A duplicate is answered as the first time, without keeping it twice (where the provider has a key).
    const again = await webhooks.handle(provider, d);
    expect(again.status).toBe(202);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(kept).toHaveLength(1);
  });

  it('a failing onInvalid answers failureStatus (retry), and the retry keeps it', async () => {
    let failures = 1;
    const kept: InvalidDelivery[] = [];
    const webhooks = createWebhooks(config({ failureStatus: 503 })).onInvalid((d) => {
      if (failures-- > 0) throw new Error('dead-letter table unavailable');
      kept.push(d);
    });
    const d = await delivery('kasko', 'policy.updated', { ...(examples.kasko['policy.updated'] as object), gross_premium: 'a lot' });
    const first = await webhooks.handle('kasko', d);
    expect([first.status, JSON.parse(first.body).error]).toEqual([503, 'handler_failed']);
    expect((await webhooks.handle('kasko', d)).status).toBe(202);
    expect(kept.map((k) => k.errors.map((e) => e.path))).toEqual([['/gross_premium']]);
  });

  it('a body that is not JSON, and a KASKO delivery without its event header, are kept too', async () => {
    const kept: InvalidDelivery[] = [];
    const webhooks = createWebhooks(config()).onInvalid((d) => void kept.push(d));
    const notJson = await delivery('coverkit', 'policy.created', '{"id": "evt_1", ');
    expect((await webhooks.handle('coverkit', notJson)).status).toBe(202);
    const signed = await delivery('kasko', 'policy.created');
    const { 'x-kasko-event': _, ...withoutEvent } = signed.headers;
    expect((await webhooks.handle('kasko', { ...signed, headers: withoutEvent })).status).toBe(202);
    expect(kept.map((k) => [k.provider, k.error.code, k.payload, k.body])).toEqual([
      ['coverkit', 'payload_malformed', undefined, notJson.body],
      ['kasko', 'header_missing', undefined, signed.body],
    ]);
  });

  it('a delivery that is not authentic never reaches onInvalid', async () => {
    const onInvalid = vi.fn();
    const webhooks = createWebhooks(config()).onInvalid(onInvalid);
    for (const provider of providers) {
      const d = await delivery(provider, Object.keys(examples[provider])[0]!, '{"not":"valid"}', 'another-secret');
      expect((await webhooks.handle(provider, d)).status).toBe(401);
      const unsigned = { ...d, headers: { ...d.headers, [SIGNATURE_HEADER[provider]]: '' } };
      expect((await webhooks.handle(provider, unsigned)).status).toBe(401);
    }
    expect(onInvalid).not.toHaveBeenCalled();
  });
});

describe('without onInvalid: a visible, retryable refusal by default', () => {
  const invalidKasko = () => delivery('kasko', 'policy.created', { ...(examples.kasko['policy.created'] as object), livemode: 'no' });

  it.each([
    [{}, 500],
    [{ failureStatus: 503 as const }, 503],
    [{ invalidPayloads: 'reject' as const }, 400],
  ])('%j answers %i with the offending fields, and reports it to onError', async (options, status) => {
    const reports: [unknown, ErrorContext][] = [];
    const webhooks = createWebhooks(config(options)).onError((error, context) => void reports.push([error, context]));
    const response = await webhooks.handle('kasko', await invalidKasko());
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'payload_invalid', errors: [{ path: '/livemode', message: 'must be boolean' }] });
    expect(reports).toHaveLength(1);
    expect(reports[0]![1].invalid).toMatchObject({ provider: 'kasko', type: 'policy.created', errors: [{ path: '/livemode', message: 'must be boolean' }] });
  });

  it('the retry after a schema fix is handled: nothing was recorded for the refused attempt', async () => {
    const webhooks = createWebhooks(config());
    const d = await invalidKasko();
    expect((await webhooks.handle('kasko', d)).status).toBe(500);
    expect((await webhooks.handle('kasko', d)).status).toBe(500); // not a replay of a success
  });

  it('with no onError, the default logger gets facts without secrets, signatures or payloads; logger: false silences it', async () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const d = await invalidKasko();
    await createWebhooks(config({ logger })).handle('kasko', d);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    const [fields, message] = logger.warn.mock.calls[0]!;
    expect(fields).toEqual({ provider: 'kasko', type: 'policy.created', deliveryId: d.headers['x-kasko-delivery'], code: 'payload_invalid', status: 500, errors: [{ path: '/livemode', message: 'must be boolean' }] }); // status: what was answered
    expect(message).toMatch(/^kasko delivery refused: /);
    const logged = JSON.stringify(logger.warn.mock.calls);
    for (const secretish of [SECRET, d.headers['x-kasko-signature']!, 'John']) expect(logged).not.toContain(secretish);
    // A handler failure goes to logger.error; a forged delivery to logger.warn.
    const failing = createWebhooks(config({ logger })).onAny('kasko', () => {
      throw new Error('db down');
    });
    await failing.handle('kasko', await delivery('kasko', 'policy.created'));
    expect(logger.error.mock.calls[0]![1]).toBe('kasko: db down');
    const silent = { warn: vi.fn(), error: vi.fn() };
    const quiet = createWebhooks(config({ logger: false }));
    await quiet.handle('kasko', d);
    expect(silent.warn).not.toHaveBeenCalled();
  });

  it('console is the default logger', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await createWebhooks({ providers: { kasko: { secret: SECRET, now: NOW } } }).handle('kasko', await invalidKasko());
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/^insurance-webhooks: kasko delivery refused: the policy.created payload does not match its schema/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('a sync event whose payload is invalid gets the fallback decision, never a bare 400', () => {
  const purchasing = () => delivery('insurup', 'proposal_premium.purchasing', { ...(examples.insurup['proposal_premium.purchasing'] as object), installmentNumber: 'six' });

  it.each([
    [undefined, 422, { allow: false, reason: 'the payload could not be validated' }],
    ['block' as const, 422, { allow: false, reason: 'the payload could not be validated' }],
    ['allow' as const, 200, { allow: true }],
  ])('onDeadline %s: %i %j, onInvalid runs, and it is reported', async (onDeadline, status, body) => {
    const kept: InvalidDelivery[] = [];
    const reports: unknown[] = [];
    const handler = vi.fn();
    const webhooks = createWebhooks(config({ sync: { ...(onDeadline ? { onDeadline } : {}) } }))
      .on('insurup', 'proposal_premium.purchasing', handler)
      .onInvalid((d) => void kept.push(d))
      .onError((error) => void reports.push(error));
    const response = await webhooks.handle('insurup', await purchasing());
    expect([response.status, JSON.parse(response.body)]).toEqual([status, body]);
    expect(kept.map((k) => k.errors)).toEqual([[{ path: '/installmentNumber', message: 'must be integer' }]]);
    expect(reports).toHaveLength(1);
    expect(handler).not.toHaveBeenCalled();
  });

  it('a slow onInvalid does not hold the decision past the sync deadline', async () => {
    const webhooks = createWebhooks(config({ sync: { deadlineMs: 50 } })).onInvalid(() => new Promise((resolve) => setTimeout(resolve, 2000)));
    const started = performance.now();
    expect((await webhooks.handle('insurup', await purchasing())).status).toBe(422);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('unknown event types are never dropped silently', () => {
  const unknown = () => delivery('coverkit', 'policy.reinstated', { id: 'evt_unknown_1', type: 'policy.reinstated', createdAt: '2024-12-20T12:00:00Z', data: {} });

  it('without onUnknown: 202 and reported to onError as event_unknown', async () => {
    const reports: unknown[] = [];
    const webhooks = createWebhooks(config()).onError((error) => void reports.push(error));
    expect((await webhooks.handle('coverkit', await unknown())).status).toBe(202);
    expect(reports).toMatchObject([{ code: 'event_unknown', type: 'policy.reinstated' }]);
  });

  it('with onUnknown: awaited; a failure answers failureStatus so the provider retries', async () => {
    let failures = 1;
    const seen: string[] = [];
    const webhooks = createWebhooks(config()).onUnknown((error) => {
      if (failures-- > 0) throw new Error('queue down');
      seen.push(error.type!);
    });
    expect((await webhooks.handle('coverkit', await unknown())).status).toBe(500);
    expect((await webhooks.handle('coverkit', await unknown())).status).toBe(202);
    expect(seen).toEqual(['policy.reinstated']);
  });
});

describe('wrong configuration fails at start-up, exactly as receive() would', () => {
  const d = () => delivery('kasko', 'policy.created');
  it.each([
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an empty list of secrets', { secret: [] }],
    ['allowUnsigned where the provider always signs', { secret: SECRET, allowUnsigned: true }],
    ['a NaN replay window', { secret: SECRET, toleranceSeconds: Number.NaN }],
  ])('%s', async (_, options) => {
    const delivered = await d();
    let fromReceive: unknown;
    try {
      await receive('kasko', delivered, options as never);
    } catch (error) {
      fromReceive = error;
    }
    expect(fromReceive).toBeInstanceOf(UsageError);
    expect(() => createWebhooks({ providers: { kasko: options as never } })).toThrow(fromReceive as Error);
  });

  it.each([
    ['idempotency.leaseSeconds', 'NaN', { idempotency: { leaseSeconds: Number.NaN } }],
    ['idempotency.ttlSeconds', '0', { idempotency: { ttlSeconds: 0 } }],
    ['idempotency.timeoutMs', '-1', { idempotency: { timeoutMs: -1 } }],
    ['handlerTimeoutMs', 'Infinity', { handlerTimeoutMs: Number.POSITIVE_INFINITY }],
    ['sync.deadlineMs', 'NaN', { sync: { deadlineMs: Number.NaN } }],
  ])('a %s of %s, which would switch a protection off, is a UsageError', (name, shown, extra) => {
    expect(() => createWebhooks({ providers: { kasko: { secret: SECRET } }, ...extra })).toThrow(new UsageError(`insurance-webhooks: ${name} must be a finite number above 0 (got ${shown})`));
  });

  it('InsurUp with allowUnsigned and no secret is a valid configuration', () => {
    expect(() => createWebhooks({ providers: { insurup: { allowUnsigned: true } } })).not.toThrow();
  });
});

describe('the event type says what receive() returns', () => {
  it('webhookId is declared and returned for InsurUp', async () => {
    const d = await delivery('insurup', 'proposal_premium.received');
    const event: WebhookEvent<'insurup'> = await receive('insurup', d, { secret: SECRET });
    const declared: string | undefined = event.webhookId;
    expect(declared).toBe(d.headers['x-webhook-id']);
    expect(entryOf('insurup', 'proposal_premium.received')).toBe(true);
  });
});

describe('handle() never rejects, whatever user code or a store does', () => {
  const body = JSON.stringify({ ...(examples.kasko['policy.created'] as object), policy_id: 'NEVER-REJECTS' });
  const signed = () => delivery('kasko', 'policy.created', JSON.parse(body));

  it('a key function that throws: 500 internal_error, reported, the handler not run', async () => {
    const errors: unknown[] = [];
    const handled = vi.fn();
    const webhooks = createWebhooks(config({ idempotency: { key: () => { throw new TypeError('tenant of undefined'); } } }))
      .onAny('kasko', handled)
      .onError((error) => void errors.push(error));
    const answer = await webhooks.handle('kasko', await signed());
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([500, 'internal_error']);
    expect(errors).toEqual([new TypeError('tenant of undefined')]);
    expect(handled).not.toHaveBeenCalled();
  });

  it('a store that returns a record this package did not store: 503 store_unavailable, reported', async () => {
    const errors: unknown[] = [];
    const store = { claim: async () => ({ state: 'done' as const, response: 'OK' }), complete: async () => {}, release: async () => {} };
    const webhooks = createWebhooks(config({ idempotency: { store } })).onError((error) => void errors.push(error));
    const answer = await webhooks.handle('kasko', await signed());
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([503, 'store_unavailable']);
    expect(errors).toEqual([new Error('the idempotency store returned a record that is not a stored answer')]);
  });

  it('a logger that throws does not change the answer; one without warn() is refused at start-up', async () => {
    const throwing = { warn: () => { throw new Error('log sink down'); }, error: () => { throw new Error('log sink down'); } };
    const answer = await createWebhooks({ providers: { kasko: { secret: SECRET, now: NOW } }, logger: throwing }).handle('kasko', await delivery('kasko', 'policy.created', '{"x"'));
    expect(answer.status).toBe(500); // payload_malformed, retryable by default: answered although the logger threw
    expect(() => createWebhooks({ providers: { kasko: { secret: SECRET } }, logger: { error: () => {} } as never })).toThrow(
      new UsageError('insurance-webhooks: logger must have warn() and error() (pino, console, …), or be false'),
    );
  });

  it.each([
    ['failureStatus', { failureStatus: 400 }, 'must be 500 or 503 (got 400)'],
    ['invalidPayloads', { invalidPayloads: 'drop' }, 'must be "retry" or "reject" (got "drop")'],
    ['unknownEvents', { unknownEvents: 'ignore' }, 'must be "acknowledge" or "reject" (got "ignore")'],
    ['sync.onDeadline', { sync: { onDeadline: 'allows' } }, 'must be "allow" or "block" (got "allows")'],
  ])('a %s that would lose deliveries or mean nothing is refused at start-up', (name, extra, says) => {
    expect(() => createWebhooks({ providers: { kasko: { secret: SECRET } }, ...(extra as object) })).toThrow(new UsageError(`insurance-webhooks: ${name} ${says}`));
  });

  it('handle() of a provider not configured, or a GET, is answered and reported (as a Lambda recipe calls it)', async () => {
    const errors: { code?: string; status?: number }[] = [];
    const webhooks = createWebhooks(config()).onError((error) => void errors.push(error as never));
    expect((await webhooks.handle('allianz', { body: '{}', headers: {} })).status).toBe(404);
    expect((await webhooks.handle('kasko', { body: '', headers: {}, method: 'GET' })).status).toBe(405);
    expect(errors.map((e) => [e.code, e.status])).toEqual([['not_found', 404], ['method_not_allowed', 405]]);
  });
});
