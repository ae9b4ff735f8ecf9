// insurance-webhooks/testing and /testing/fast-check: deliveries that real receivers accept,
// assertions that name the offending paths, arbitraries whose every value validates strictly.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import express from 'express';
import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWebhooks, defaultIdempotencyKey, examples, providers, receive, validate, WebhookError, type Provider, type WebhookEvent } from '../src/index.js';
import { providerDefinition } from '../src/root-api.js';
import { nodeHandler } from '../src/adapters/node.js';
import { expressHandler } from '../src/adapters/express.js';
import { fastifyWebhooks } from '../src/adapters/fastify.js';
import { coverkitTimestampedScheme } from '../src/providers/coverkit.js';
import {
  assertConforms,
  conformanceErrors,
  ConformanceError,
  createDelivery,
  webhookMatchers,
  type DeliveryOptions,
  type WebhookMatchers,
} from '../src/testing/index.js';
import { deepMerge } from '../src/testing/delivery.js';
import { eventArbitrary, payloadArbitrary } from '../src/testing/fast-check.js';
import { everyProvider } from './helpers/deliveries.js';
import { AXITECH_SESSION_ID, COVERKIT_EVENT_ID, freshExample, INSURUP_PROPOSAL_ID } from './helpers/identity.js';
import { buildPackageLayout } from './helpers/package-layout.js';

declare module 'vitest' {
  // What docs/testing.md tells vitest users to write.
  interface Assertion<T = any> extends WebhookMatchers<void> {}
  interface AsymmetricMatchersContaining extends WebhookMatchers {}
}
expect.extend(webhookMatchers);

const secret = 'whsec_testing_helpers';
const repo = new URL('..', import.meta.url).pathname;
const allEvents = (Object.keys(providers) as Provider[]).flatMap((provider) =>
  Object.keys(providers[provider].events).map((type) => ({ provider, type: type as never as string })),
);
/** receive() as a server under test would call it for a delivery. */
const receiveDelivery = (provider: Provider, d: { body: string; headers: Record<string, string>; method: string; url: string }, options = {}) =>
  receive(provider, { body: d.body, headers: d.headers, method: d.method, url: d.url }, { secret, ...options });
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('the delivery was accepted'),
    (error: unknown) => error as WebhookError,
  );

describe('createDelivery', () => {
  it('signs the documented example of every event (fresh ids, or pinned) so that receive() accepts it unchanged', async () => {
    for (const { provider, type } of allEvents) {
      const d = await createDelivery(provider, type as never, { secret });
      expect(d.method).toBe('POST');
      expect(d.url).toBe(`/webhooks/${provider}`);
      expect(typeof d.body).toBe('string');
      expect(d.headers['content-type']).toBe('application/json');
      const event = await receiveDelivery(provider, d);
      expect(event.type).toBe(type);
      expect(event.payload).toEqual(JSON.parse(d.body));
      expect(event.payload).toEqual(freshExample(provider, type));

      const pinned = await createDelivery(provider, type as never, { secret, identity: 'example' });
      expect((await receiveDelivery(provider, pinned)).payload).toEqual((examples[provider] as Record<string, unknown>)[type]);
    }
  });

  it('is a genuine signature: another secret is refused', async () => {
    const d = await createDelivery('kasko', 'policy.created', { secret: 'not the receiver secret' });
    expect((await rejection(receiveDelivery('kasko', d))).code).toBe('signature_invalid');
  });

  it('deep-merges overrides into the example: one field changes, the rest stays documented', async () => {
    const d = await createDelivery('insurup', 'proposal_premium.received', {
      secret,
      overrides: { insuredCustomer: { city: { text: 'ANKARA' } }, premiums: [] },
    });
    const event = await receiveDelivery('insurup', d);
    const example = examples.insurup['proposal_premium.received'];
    expect(event.payload).toEqual({
      ...example,
      proposalId: expect.stringMatching(INSURUP_PROPOSAL_ID), // fresh: the key is the signed body
      premiums: [], // arrays are replaced whole
      insuredCustomer: { ...example.insuredCustomer, city: { value: '34', text: 'ANKARA' } },
    });
    expect(example.insuredCustomer.city.text).toBe('İSTANBUL'); // the shared example is not modified
  });

  it('removes a property set to undefined, so a test can check the 400 for a missing field', async () => {
    const d = await createDelivery('kasko', 'policy.created', { secret, overrides: { gross_premium: undefined } });
    expect(JSON.parse(d.body)).not.toHaveProperty('gross_premium');
    const error = await rejection(receiveDelivery('kasko', d));
    expect(error.code).toBe('payload_invalid');
    expect(error.errors).toEqual([{ path: '/gross_premium', message: 'is required' }]);
  });

  it('sends a given payload, or a string verbatim (e.g. malformed JSON)', async () => {
    const payload = { ...examples.coverkit['claim.paid'], data: { id: 'claim_1', amount: 500 } };
    const d = await createDelivery('coverkit', 'claim.paid', { secret, payload });
    expect((await receiveDelivery('coverkit', d)).payload).toEqual(payload);

    const malformed = await createDelivery('kasko', 'policy.created', { secret, payload: '{"id": ' });
    expect(malformed.body).toBe('{"id": ');
    expect((await rejection(receiveDelivery('kasko', malformed))).code).toBe('payload_malformed');
    await expect(createDelivery('kasko', 'policy.created', { secret, payload: '{}', overrides: { email: 'x' } })).rejects.toThrow(/string payload/);
  });

  it('signs the url, method and timestamp Axitech signs, and sets the delivery id header', async () => {
    const timestamp = Date.UTC(2026, 0, 1);
    const d = await createDelivery('axitech', 'session.submitted', { secret, url: '/hooks/axitech?tenant=9', timestamp });
    expect(d.headers['x-aw-timestamp']).toBe(String(timestamp / 1000));
    await expect(receiveDelivery('axitech', d, { now: timestamp })).resolves.toMatchObject({ type: 'session.submitted' });
    expect((await rejection(receiveDelivery('axitech', { ...d, url: '/hooks/axitech' }, { now: timestamp }))).code).toBe('signature_invalid');

    const kasko = await createDelivery('kasko', 'offer.created', { secret, deliveryId: 'a'.repeat(32) });
    expect(kasko.headers['x-kasko-delivery']).toBe('a'.repeat(32));
    expect((await receiveDelivery('kasko', kasko)).deliveryId).toBe('a'.repeat(32));
  });

  it('signs with another scheme when the receiver uses one', async () => {
    const d = await createDelivery('coverkit', 'policy.created', { secret, signature: coverkitTimestampedScheme });
    expect(d.headers['coverkit-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    await expect(receiveDelivery('coverkit', d, { signature: coverkitTimestampedScheme })).resolves.toMatchObject({ type: 'policy.created' });
  });

  it('cannot pollute prototypes through overrides; the key is sent and refused by the receiver', async () => {
    const d = await createDelivery('kasko', 'policy.created', { secret, overrides: JSON.parse('{"__proto__": {"polluted": true}}') });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(d.body).toContain('"__proto__":{"polluted":true}');
    expect((await rejection(receiveDelivery('kasko', d))).code).toBe('payload_invalid');
  });

  it('names the known providers and events when given unknown ones', async () => {
    await expect(createDelivery('acme' as Provider, 'x' as never, { secret })).rejects.toThrow(`unknown provider "acme"; known: ${Object.keys(providers).join(', ')}`);
    await expect(createDelivery('kasko', 'policy.deleted' as never, { secret })).rejects.toThrow(/"policy.deleted" is not a KASKO event; known: .*policy\.created/);
    await expect(createDelivery('kasko', 'policy.created', { secret: '' })).rejects.toThrow(/non-empty secret/);
  });

  it('deepMerge leaves both inputs untouched', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x' };
    const patch = { a: { c: [3] }, e: { f: true } };
    expect(deepMerge(base, patch)).toEqual({ a: { b: 1, c: [3] }, d: 'x', e: { f: true } });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
    expect(patch).toEqual({ a: { c: [3] }, e: { f: true } });
  });
});

describe('createDelivery identity: a repeated test delivery is a new event unless pinned', () => {
  const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const NOW_SECONDS = '2026-01-02T03:04:05Z';
  const escaped = (type: string) => type.replace(/\./g, '\\.');
  /**
   * The idempotency key createWebhooks gives each delivery by default: KASKO and InsurUp (async),
   * whose delivery header is unsigned, the event type and the SHA-256 of the signed body (hex); InsurUp's sync event its delivery id; CoverKit its signed envelope id; Axitech
   * its signed body fields.
   */
  const FRESH_KEY: Record<Provider, (type: string) => RegExp> = {
    kasko: (type) => new RegExp(`^kasko:${escaped(type)}:[0-9a-f]{64}$`),
    insurup: (type) =>
      type === 'proposal_premium.purchasing'
        ? /^insurup:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
        : new RegExp(`^insurup:${escaped(type)}:[0-9a-f]{64}$`),
    coverkit: () => /^coverkit:evt_[0-9a-f]{24}$/,
    axitech: (type) => new RegExp(`^axitech:${escaped(type)}:[A-Za-z0-9]{20}:2026-01-02T03:04:05Z$`),
  };
  /** Pinned delivery id headers: fixed per event, never shared by two events of a provider. */
  const PINNED_HEADER: Record<string, string> = {
    'kasko policy.created': 'baf59150f9a60c1c0e6a700e6f531676', // kasko-webhooks.md, "Headers"
    'kasko offer.created': 'de7ee5b2340cf09df44995988575ae1b',
    'kasko policy.updated': 'abcb2e41d75a375ce77d14ebef86f8b6',
    'kasko policy.cancelled': '1e868e010acc5030ef8fcde7f0c7ff96',
    'insurup proposal_premium.received': 'c52a4d86-1580-8ddd-9c7a-6a2436d0cdf3', // InsurUp documents none: ours
    'insurup proposal_premium.purchasing': 'a5161419-d3b7-80be-ad4e-198f05e4f334',
    'insurup proposal_premium.purchase_failed': '67f19a5e-2d7c-8f4f-8f5c-16f8cdd65579',
    'insurup proposal_premium.purchased': '47fb6c5e-9f31-8bf3-812e-b76853caf195',
  };
  /** Pinned keys that do not depend on a MAC; the others are checked against FRESH_KEY's shape and each other. */
  const PINNED_KEY: Record<Provider, (type: string) => string | RegExp> = {
    kasko: (type) => FRESH_KEY.kasko(type),
    insurup: (type) => (type === 'proposal_premium.purchasing' ? `insurup:${PINNED_HEADER[`insurup ${type}`]}` : FRESH_KEY.insurup(type)),
    coverkit: (type) => `coverkit:${(examples.coverkit as Record<string, { id: string }>)[type]!.id}`,
    axitech: (type) => {
      const { data, created_at } = (examples.axitech as Record<string, { data: { sessionId: string }; created_at: string }>)[type]!;
      return `axitech:${type}:${data.sessionId}:${created_at}`;
    },
  };
  const expectKey = (key: string | undefined, expected: string | RegExp) => (typeof expected === 'string' ? expect(key).toBe(expected) : expect(key).toMatch(expected));
  afterEach(() => void vi.useRealTimers());

  /** A delivery, verified and keyed as a createWebhooks router keys it by default. */
  async function keyed(provider: Provider, type: string, options: Omit<DeliveryOptions, 'secret'> = {}) {
    const d = await createDelivery(provider, type as never, { secret, ...options } as DeliveryOptions<never>);
    const event = await receiveDelivery(provider, d);
    return { d, event, key: defaultIdempotencyKey(event) };
  }

  /** The payload passes validate(), lenient and strict, unchanged. */
  function expectValid(provider: Provider, type: string, payload: unknown) {
    expect(validate(provider, type as never, payload)).toEqual({ ok: true, value: payload });
    expect(validate(provider, type as never, payload, { strict: true })).toEqual({ ok: true, value: payload });
  }

  it('gives two calls for the same event two idempotency keys, both valid, even within one second', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW }); // a clock that does not move: Axitech's created_at is the same second
    for (const { provider, type } of allEvents) {
      const first = await keyed(provider, type);
      const second = await keyed(provider, type);
      expect(first.key).toMatch(FRESH_KEY[provider](type));
      expect(second.key).toMatch(FRESH_KEY[provider](type));
      expect(second.key).not.toBe(first.key);
      for (const { event } of [first, second]) {
        expectValid(provider, type, event.payload);
        expect(event.payload).toEqual(freshExample(provider, type, NOW_SECONDS));
      }
    }
  });

  it("identity: 'example' pins them to the documented example: the same key on every call", async () => {
    for (const { provider, type } of allEvents) {
      const first = await keyed(provider, type, { identity: 'example' });
      const second = await keyed(provider, type, { identity: 'example' });
      expectKey(first.key, PINNED_KEY[provider](type));
      expect(second.key).toBe(first.key);
      expect(second.d.body).toBe(first.d.body);
      expect(first.event.payload).toEqual((examples[provider] as Record<string, unknown>)[type]);
      expectValid(provider, type, first.event.payload);
    }
    // Every event has its own pinned key, so pinned deliveries of two events are not duplicates.
    const keys = await Promise.all(allEvents.map(async ({ provider, type }) => (await keyed(provider, type, { identity: 'example' })).key));
    expect(new Set(keys).size).toBe(allEvents.length);
  });

  it('a createWebhooks router handles every fresh delivery, and a pinned one once (then replays its answer)', async () => {
    const handled: string[] = [];
    const webhooks = createWebhooks({ providers: everyProvider({ secret }) });
    for (const provider of Object.keys(providers) as Provider[]) webhooks.onAny(provider, (event) => void handled.push(`${provider} ${event.type}`));
    const post = async (provider: Provider, type: string, identity: 'fresh' | 'example') => {
      const d = await createDelivery(provider, type as never, { secret, identity });
      const answer = await webhooks.handle(provider, { body: d.body, headers: d.headers, method: d.method, url: d.url });
      return [answer.status, answer.headers['x-idempotent-replay'] ?? 'handled'];
    };
    for (const { provider, type } of allEvents) {
      handled.length = 0;
      expect([await post(provider, type, 'fresh'), await post(provider, type, 'fresh')]).toEqual([[200, 'handled'], [200, 'handled']]);
      expect(handled).toEqual([`${provider} ${type}`, `${provider} ${type}`]);
      handled.length = 0;
      expect([await post(provider, type, 'example'), await post(provider, type, 'example')]).toEqual([[200, 'handled'], [200, 'true']]);
      expect(handled).toEqual([`${provider} ${type}`]);
    }
  });

  it('what the test sets wins over fresh and pinned values: deliveryId, overrides, payload', async () => {
    // KASKO, InsurUp: the header is the test's, the key its body's (the header is not signed).
    const kasko = await keyed('kasko', 'policy.created', { deliveryId: 'a'.repeat(32) });
    expect([kasko.event.deliveryId, kasko.key]).toEqual(['a'.repeat(32), expect.stringMatching(FRESH_KEY.kasko('policy.created'))]);
    expect((await keyed('insurup', 'proposal_premium.purchasing', { identity: 'example', deliveryId: 'mine' })).key).toBe('insurup:mine');

    const coverkit = await keyed('coverkit', 'claim.paid', { overrides: { id: 'evt_mine', createdAt: '2025-05-05T05:05:05Z' } });
    expect(coverkit.key).toBe('coverkit:evt_mine');
    expect(coverkit.event.payload).toEqual({ ...examples.coverkit['claim.paid'], id: 'evt_mine', createdAt: '2025-05-05T05:05:05Z' });

    const axitech = await keyed('axitech', 'session.submitted', { overrides: { created_at: '2025-05-05T05:05:05', data: { sessionId: 'mine' } } as never });
    expect(axitech.key).toBe('axitech:session.submitted:mine:2025-05-05T05:05:05');

    // Only the documented example is refreshed: a given payload is the test's own, sent as given.
    const given = await keyed('coverkit', 'claim.paid', { payload: examples.coverkit['claim.paid'] });
    expect(given.key).toBe('coverkit:evt_claim_paid_example');

    await expect(createDelivery('kasko', 'policy.created', { secret, identity: 'random' as never })).rejects.toThrow(
      `insurance-webhooks: createDelivery() identity must be 'fresh' or 'example' (got "random")`,
    );
  });

  it("lives in each provider module: freshIdentity patches only what the key reads from the body, and never the example", () => {
    const now = new Date(NOW);
    for (const { provider, type } of allEvents) {
      const example = (examples[provider] as Record<string, unknown>)[type];
      const before = structuredClone(example);
      const fresh = providerDefinition(provider).freshIdentity(example as never, now);
      expect(fresh).toEqual(freshExample(provider, type, NOW_SECONDS));
      expect(example).toEqual(before);
    }
    const pinned = Object.fromEntries(allEvents.map(({ provider, type }) => [`${provider} ${type}`, providerDefinition(provider).exampleDeliveryId(type)]));
    expect(Object.fromEntries(Object.entries(pinned).filter(([, id]) => id !== undefined))).toEqual(PINNED_HEADER);
    expect(Object.keys(pinned).filter((name) => pinned[name] === undefined).every((name) => /^(coverkit|axitech) /.test(name))).toBe(true); // no header
    // Fresh values look like the documented ones and do not repeat.
    const sessions = Array.from({ length: 2000 }, () => (providerDefinition('axitech').freshIdentity(examples.axitech['session.submitted'], now) as { data: { sessionId: string } }).data.sessionId);
    expect(sessions.every((id) => AXITECH_SESSION_ID.test(id))).toBe(true);
    expect(new Set(sessions).size).toBe(2000);
    expect(new Set(sessions.join('')).size).toBe(62); // every letter and digit occurs
    const ids = Array.from({ length: 2000 }, () => (providerDefinition('coverkit').freshIdentity(examples.coverkit['policy.created'], now) as { id: string }).id);
    expect(ids.every((id) => COVERKIT_EVENT_ID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(2000);
  });
});

describe('createDelivery against real servers (the five-line contract test)', () => {
  const handled: WebhookEvent[] = [];
  const webhooks = createWebhooks({ providers: { kasko: { secret }, axitech: { secret } } })
    .onAny('kasko', (event) => void handled.push(event))
    .onAny('axitech', (event) => void handled.push(event));

  it('fetch against a Node http server', async () => {
    const server = http.createServer(nodeHandler(webhooks, (req) => (req.url?.startsWith('/webhooks/axitech') ? 'axitech' : 'kasko')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const d = await createDelivery('axitech', 'session.submitted', { secret });
      const res = await fetch(new URL(d.url, origin), d);
      expect(res.status).toBe(200);
      expect(handled.at(-1)?.type).toBe('session.submitted');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('Express, request(app).post(url).set(headers).send(body) style', async () => {
    const app = express();
    app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const d = await createDelivery('kasko', 'policy.created', { secret, overrides: { policy_id: 'CONTRACT-1' } });
      const res = await fetch(origin + d.url, { method: 'POST', headers: d.headers, body: d.body });
      expect(res.status).toBe(200);
      expect(handled.at(-1)?.payload).toMatchObject({ policy_id: 'CONTRACT-1' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fastify.inject(d) without a network', async () => {
    const app = Fastify();
    await app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/webhooks/kasko' }));
    try {
      const res = await app.inject(await createDelivery('kasko', 'policy.updated', { secret }));
      expect(res.statusCode).toBe(200);
      const bad = await app.inject(await createDelivery('kasko', 'policy.updated', { secret, overrides: { livemode: 'yes' as never } }));
      expect(bad.statusCode).toBe(500); // authentic but off-schema: retryable by default
      expect(bad.json().errors).toEqual([{ path: '/livemode', message: 'must be boolean' }]);
    } finally {
      await app.close();
    }
  });
});

describe('assertions', () => {
  const example = examples.kasko['policy.created'];

  it('conformanceErrors is empty for a conforming payload and lists the paths otherwise', () => {
    expect(conformanceErrors('kasko', 'policy.created', example, { strict: true })).toEqual([]);
    expect(conformanceErrors('kasko', 'policy.created', { ...example, gross_premium: '19.99', email: undefined })).toEqual([
      { path: '/email', message: 'is required' },
      { path: '/gross_premium', message: 'must be number' },
    ]);
  });

  it('assertConforms throws an AssertionError-like error naming every offending path', () => {
    const payload: unknown = { ...example, assets: [{ name: 'x' }], surprise: true };
    expect(() => assertConforms('kasko', 'policy.created', payload)).toThrow(ConformanceError);
    try {
      assertConforms('kasko', 'policy.created', payload, { strict: true });
      expect.unreachable();
    } catch (error) {
      const e = error as ConformanceError;
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe('AssertionError');
      expect(e.code).toBe('ERR_ASSERTION');
      expect(e.message).toBe(
        'expected the payload to conform to kasko policy.created (strict), but:\n' +
          '  /surprise: is not described by the schema (strict mode)\n' +
          '  /assets/0/designation: is required\n' +
          '  /assets/0/extension: is required\n' +
          '  /assets/0/href: is required',
      );
      expect(e.errors.map((issue) => issue.path)).toEqual(['/surprise', '/assets/0/designation', '/assets/0/extension', '/assets/0/href']);
    }
  });

  it('assertConforms passes and narrows the type', () => {
    const payload: unknown = JSON.parse(JSON.stringify(example));
    assertConforms('kasko', 'policy.created', payload, { strict: true });
    const premium: number = payload.gross_premium; // compiles only because of the assertion
    expect(premium).toBe(1999);
    // Open objects stay open in strict mode, a root that is not an object is reported at (root).
    expect(() => assertConforms('kasko', 'policy.created', { ...example, metadata: { any: 'key' } }, { strict: true })).not.toThrow();
    expect(() => assertConforms('kasko', 'policy.created', [])).toThrow(/\(root\): must be object/);
  });

  it('an unknown provider or event is a TypeError, not a failed assertion', () => {
    expect(() => conformanceErrors('kasko', 'nope' as never, {})).toThrow(TypeError);
    expect(() => assertConforms('acme' as Provider, 'x' as never, {})).toThrow(/unknown provider "acme"/);
  });

  it('toConformTo works with expect.extend, including .not and the failure message', () => {
    expect(example).toConformTo('kasko', 'policy.created', { strict: true });
    expect({ ...example, livemode: 'no' }).not.toConformTo('kasko', 'policy.created');
    expect(() => expect({ ...example, livemode: 'no' }).toConformTo('kasko', 'policy.created')).toThrow(
      'expected the payload to conform to kasko policy.created, but:\n  /livemode: must be boolean',
    );
    expect(() => expect(example).not.toConformTo('kasko', 'policy.created')).toThrow('expected the payload not to conform to kasko policy.created, but it does');
    // As an asymmetric matcher inside a larger expectation.
    expect({ received: true, payload: example }).toEqual({ received: true, payload: expect.toConformTo('kasko', 'policy.created') });
    expect(() => expect({ payload: {} }).toEqual({ payload: expect.toConformTo('kasko', 'policy.created') })).toThrow();
    // The bare matcher result, as jest would see it.
    expect(webhookMatchers.toConformTo({}, 'coverkit', 'claim.paid')).toMatchObject({ pass: false });
  });

  it('the testing entry point imports no test runner and no fast-check', () => {
    const seen = new Set<string>();
    const visit = (file: string): string[] => {
      if (seen.has(file)) return [];
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1]!);
      return specifiers.flatMap((specifier) =>
        specifier.startsWith('.') ? visit(join(dirname(file), specifier.replace(/\.js$/, '.ts'))) : [specifier],
      );
    };
    const packages = visit(join(repo, 'src/testing/index.ts'));
    expect(seen.size).toBeGreaterThan(5); // the walk really followed the imports
    expect(packages.filter((name) => /vitest|jest|fast-check/.test(name))).toEqual([]);
  });
});

describe('fast-check arbitraries', () => {
  it('every generated payload of every event validates in strict mode', () => {
    for (const { provider, type } of allEvents) {
      fc.assert(
        fc.property(payloadArbitrary(provider, type as never), (payload) => {
          const result = validate(provider, type as never, payload, { strict: true });
          if (!result.ok) throw new Error(`${provider} ${type}: ${JSON.stringify(result.errors)} in ${JSON.stringify(payload)}`);
        }),
        { seed: 20261125, numRuns: 150 },
      );
    }
  });

  it('goes beyond the documented example: optional fields both ways, open objects, patterned strings', () => {
    const sessions = fc.sample(payloadArbitrary('axitech', 'session.submitted'), { seed: 1, numRuns: 200 });
    expect(sessions.some((s) => 'key' in s.data)).toBe(true); // the optional, undocumented data.key
    expect(sessions.some((s) => !('key' in s.data))).toBe(true);
    expect(sessions.some((s) => Object.keys(s.data.meta).length > 0)).toBe(true);
    expect(new Set(sessions.map((s) => s.created_at)).size).toBeGreaterThan(150);
    expect(sessions.some((s) => s.created_at.endsWith('Z')) && sessions.some((s) => !s.created_at.endsWith('Z'))).toBe(true);

    const policies = fc.sample(payloadArbitrary('kasko', 'policy.created'), { seed: 2, numRuns: 200 });
    // Amounts: fractions too, always within what receive() can hold exactly (±(2^53 − 1)).
    expect(policies.every((p) => Math.abs(p.gross_premium) <= Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(policies.some((p) => !Number.isInteger(p.gross_premium))).toBe(true);
    expect(policies.some((p) => Array.isArray(p.metadata)) && policies.some((p) => Object.keys(p.metadata).some((key) => key !== 'some'))).toBe(true);
    expect(policies.some((p) => p.assets.length === 0) && policies.some((p) => p.assets.length > 1)).toBe(true);
    expect(policies.some((p) => /[^\x00-\x7f]/.test(p.first_name))).toBe(true); // Unicode, for the UTF-8 signature path
  });

  it('unknownProperties: payloads a provider may send tomorrow pass validate() and fail strict mode', () => {
    fc.assert(
      fc.property(payloadArbitrary('insurup', 'proposal_premium.received', { unknownProperties: true }), (payload) => {
        expect(validate('insurup', 'proposal_premium.received', payload).ok).toBe(true);
        const strict = validate('insurup', 'proposal_premium.received', payload, { strict: true });
        expect(strict.ok).toBe(false);
        // Every issue listed is an undescribed property; past 20, one last issue counts the rest.
        if (!strict.ok) expect(strict.errors.every((e) => e.message === 'is not described by the schema (strict mode)' || /^and (at least )?\d+ more$/.test(e.message))).toBe(true);
      }),
      { seed: 3, numRuns: 100 },
    );
  });

  it('generated payloads survive signing, sending and receive() byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(eventArbitrary('insurup'), async ({ type, payload }) => {
        const d = await createDelivery('insurup', type, { secret, payload });
        const event = await receiveDelivery('insurup', d, { strict: true });
        expect(event.type).toBe(type);
        expect(event.payload).toEqual(payload);
      }),
      { seed: 4, numRuns: 60 },
    );
  });

  it('eventArbitrary covers every event type of the provider', () => {
    const types = new Set(fc.sample(eventArbitrary('coverkit'), { seed: 5, numRuns: 300 }).map((event) => event.type));
    expect([...types].sort()).toEqual(Object.keys(providers.coverkit.events).sort());
  });

  it('refuses unknown providers and events with the known names', () => {
    expect(() => payloadArbitrary('acme' as Provider, 'x' as never)).toThrow(/unknown provider "acme"; known/);
    expect(() => payloadArbitrary('insurup', 'proposal.x' as never)).toThrow(/known: proposal_premium/);
  });
});

describe('from a built package layout (dist/src/testing next to schemas/)', () => {
  let root = '';
  beforeAll(async () => {
    root = await buildPackageLayout('iw-testing-dist-');
  }, 20_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds the schemas and generates valid payloads', () => {
    const script = `
      import fc from 'fast-check';
      import { payloadArbitrary } from './dist/src/testing/fast-check.js';
      import { validate } from './dist/src/index.js';
      import { createDelivery } from './dist/src/testing/index.js';
      const payloads = fc.sample(payloadArbitrary('kasko', 'policy.created'), { seed: 9, numRuns: 25 });
      const d = await createDelivery('kasko', 'policy.created', { secret: 's' });
      console.log(JSON.stringify({ valid: payloads.every((p) => validate('kasko', 'policy.created', p, { strict: true }).ok), url: d.url }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ valid: true, url: '/webhooks/kasko' });
  });
});
