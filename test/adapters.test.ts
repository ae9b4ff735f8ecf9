import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { block, createWebhooks, examples, type Provider, type WebhookEvent } from '../src/index.js';
import { allExamples, delivery, everyProvider, providers, SECRET } from './helpers/deliveries.js';
import { adapters, type RunningServer } from './helpers/servers.js';
import { buildDelivery } from '../src/testing/delivery.js';

const LIMIT = 64 * 1024;
const providerOptions = { secret: SECRET, maxBodyBytes: LIMIT };
const pathOf = (provider: Provider) => `/webhooks/${provider}?source=test`;

function setup() {
  const seen: WebhookEvent[] = [];
  const errors: unknown[] = [];
  const webhooks = createWebhooks({
    providers: everyProvider(providerOptions),
    sync: { deadlineMs: 300 },
  })
    .on('insurup', 'proposal_premium.purchasing', async (event) => {
      seen.push(event);
      if (event.payload.paymentType === 'Hang') await new Promise((resolve) => setTimeout(resolve, 2000));
      return event.payload.installmentNumber > 6 ? block('at most 6 instalments') : undefined;
    })
    .onError((error) => void errors.push(error));
  for (const provider of providers) {
    webhooks.onAny(provider, (event) => {
      seen.push(event);
      if (event.type === 'claim.denied') throw new Error('handler exploded');
    });
  }
  return { webhooks, seen, errors };
}

async function post(origin: string, provider: Provider, type: string, payload?: unknown, patch: (h: Record<string, string>) => Record<string, string> = (h) => h) {
  // Signed now (the receivers run on the real clock): the documented example unless a payload is given.
  const example = (examples[provider] as Record<string, unknown>)[type];
  const d = await buildDelivery(provider, type, { secret: SECRET, payload: payload ?? example, url: pathOf(provider) });
  const response = await fetch(origin + pathOf(provider), { method: 'POST', headers: patch(d.headers), body: d.body });
  return { status: response.status, body: (await response.json().catch(() => null)) as any, headers: response.headers, sent: { body: d.body, headers: d.headers } };
}

describe.each(['node', 'express', 'fastify', 'web'] as const)('%s adapter', (name) => {
  let server: RunningServer;
  const state = setup();
  beforeAll(async () => {
    server = await adapters[name](state.webhooks);
  });
  afterAll(() => server.close());

  it('accepts every documented example of every provider and runs the typed handler', async () => {
    for (const { provider, type, payload } of allExamples) {
      const before = state.seen.length;
      const response = await post(server.origin, provider, type, payload);
      if (type === 'claim.denied') {
        expect(response.status).toBe(500);
        continue;
      }
      expect(response.status, `${provider} ${type}: ${JSON.stringify(response.body)}`).toBe(200);
      expect(state.seen.length).toBe(before + 1);
      expect(state.seen.at(-1)).toMatchObject({ provider, type, payload });
    }
  });

  it('answers 401 to a bad signature and runs nothing', async () => {
    const before = state.seen.length;
    const response = await post(server.origin, 'kasko', 'policy.created', undefined, (h) => ({ ...h, 'x-kasko-signature': `sha1=${'0'.repeat(40)}` }));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'signature_invalid' });
    expect(state.seen.length).toBe(before);
  });

  it('answers 500 (retry: the delivery is authentic) with the offending fields to an invalid payload', async () => {
    const response = await post(server.origin, 'insurup', 'proposal_premium.purchased', { proposalId: 1 });
    expect(response.status).toBe(500);
    expect(response.body.errors).toContainEqual({ path: '/proposalId', message: 'must be string' });
  });

  it('answers 500 when the handler fails, and runs it again on the retry', async () => {
    const payload = { id: `evt_fail_${name}`, type: 'claim.denied', createdAt: '2024-12-20T12:00:00Z', data: {} };
    const first = await post(server.origin, 'coverkit', 'claim.denied', payload);
    const retry = await post(server.origin, 'coverkit', 'claim.denied', payload);
    expect([first.status, retry.status]).toEqual([500, 500]);
    expect(state.seen.filter((e) => e.deliveryId === `evt_fail_${name}`)).toHaveLength(2);
  });

  it('runs the handler once for a duplicate delivery and acknowledges the duplicate', async () => {
    // A body of its own: the documented example was delivered by the first test, and a body is
    // what the key is made of (the delivery header is not signed).
    const d = await delivery('kasko', 'policy.updated', { ...(examples.kasko['policy.updated'] as object), policy_id: `DUP-${name}` });
    const send = () => fetch(server.origin + pathOf('kasko'), { method: 'POST', headers: d.headers, body: d.body });
    const before = state.seen.length;
    const first = await send();
    const second = await send();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.get('x-idempotent-replay')).toBe('true');
    expect(state.seen.length).toBe(before + 1);
  });

  it('answers sync events with allow (200) or block (422), and blocks at the deadline', async () => {
    const purchasing = { proposalId: 'p', productId: 1, installmentNumber: 1, paymentType: 'CreditCard' };
    const allowed = await post(server.origin, 'insurup', 'proposal_premium.purchasing', purchasing);
    expect([allowed.status, allowed.body]).toEqual([200, { allow: true }]);
    const blocked = await post(server.origin, 'insurup', 'proposal_premium.purchasing', { ...purchasing, installmentNumber: 9 });
    expect([blocked.status, blocked.body]).toEqual([422, { allow: false, reason: 'at most 6 instalments' }]);
    const started = Date.now();
    const slow = await post(server.origin, 'insurup', 'proposal_premium.purchasing', { ...purchasing, paymentType: 'Hang' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect([slow.status, slow.body]).toEqual([422, { allow: false, reason: 'the decision could not be made in time' }]);
  });

  it('acknowledges unknown events with 202 and refuses other methods with 405', async () => {
    const unknown = await post(server.origin, 'kasko', 'policy.reinstated', { id: 'x' });
    expect(unknown.status).toBe(202);
    const get = await fetch(server.origin + pathOf('kasko'));
    expect(get.status).toBe(405);
  });

  it('refuses a body over the limit without reading it all', async () => {
    const declared = await fetch(server.origin + pathOf('kasko'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(LIMIT + 1) });
    expect(declared.status).toBe(413);
    // Chunked, no content-length: the server answers while the client is still sending.
    const { status, bytesSent } = await streamUntilAnswered(server.origin + pathOf('kasko'), 50 * LIMIT);
    expect(status).toBe(413);
    expect(bytesSent).toBeLessThan(50 * LIMIT);
  });
});

/** POSTs up to `total` bytes in 16 KiB chunks, stopping as soon as a response arrives. */
function streamUntilAnswered(url: string, total: number): Promise<{ status: number; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
      answered = true;
      response.resume();
      resolve({ status: response.statusCode!, bytesSent });
      request.destroy();
    });
    request.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const pump = () => {
      if (answered || bytesSent >= total) return void (answered || request.end());
      bytesSent += chunk.length;
      request.write(chunk, () => setTimeout(pump, 2));
    };
    pump();
  });
}

describe('express arrangements', () => {
  it.each(['raw', 'json-verify', 'json-after-route'] as const)('verifies with %s', async (variant) => {
    const { webhooks, seen } = setup();
    const server = await adapters.express(webhooks, variant);
    try {
      const response = await post(server.origin, 'axitech', 'session.submitted');
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(seen).toHaveLength(1);
      const other = await fetch(`${server.origin}/other/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(await other.json()).toEqual({ echo: { a: 1 } });
    } finally {
      await server.close();
    }
  });

  it('explains the pitfall when a plain express.json() consumed the body first', async () => {
    const { webhooks, seen } = setup();
    const server = await adapters.expressJsonFirst(webhooks);
    try {
      const response = await post(server.origin, 'kasko', 'policy.created');
      expect(response.status).toBe(500);
      expect(response.body.message).toMatch(/^express\.json\(\) read this request's body before the webhook handler.*Mount the webhook route before express\.json\(\)/);
      expect(seen).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe('fastify scoping', () => {
  it('keeps JSON parsing for the rest of the app', async () => {
    const server = await adapters.fastify(setup().webhooks);
    try {
      const other = await fetch(`${server.origin}/other/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(await other.json()).toEqual({ echo: { a: 1 } });
    } finally {
      await server.close();
    }
  });
});
