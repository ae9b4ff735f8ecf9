// No unhandled rejection, provoked on purpose (issue 20: the check at the end of failure.test.ts
// passes when run alone, with nothing before it). Every path where a promise settles after its
// answer was given — a handler that outlives handlerTimeoutMs and then fails or succeeds into a
// failing store, a store call that fails after its timeout, a sync handler that fails after the
// deadline, an onInvalid that fails after it — runs here, and each test checks, after the late
// settlement, that it was reported and that nothing went unhandled.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooks, examples, sign, type IdempotencyStore } from '../src/index.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));
// Each test waits for its own late settlements first, so a rejection is charged to its test.
afterEach(() => expect(unhandled.splice(0)).toEqual([]));

const SECRET = 'strength-unhandled';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A promise that rejects with `error` after `ms`. */
const rejectAfter = (ms: number, error: Error) => new Promise<never>((_, reject) => setTimeout(() => reject(error), ms));

async function kaskoDelivery(id: string) {
  const body = JSON.stringify({ ...(examples.kasko['policy.created'] as object), id });
  return { body, headers: await sign('kasko', { type: 'policy.created', body }, SECRET) };
}

/** A store that claims, then fails `complete` and `release` (after `ms`). */
function failingAfterClaim(ms: number): IdempotencyStore {
  return {
    claim: async () => ({ state: 'claimed', token: 't' }),
    complete: () => rejectAfter(ms, new Error('complete failed late')),
    release: () => rejectAfter(ms, new Error('release failed late')),
  };
}

describe('late settlements are reported, never unhandled', () => {
  it('a handler that outlives handlerTimeoutMs, then succeeds into a failing complete()', async () => {
    const reports: unknown[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, handlerTimeoutMs: 10, idempotency: { store: failingAfterClaim(5) }, logger: false })
      .on('kasko', 'policy.created', () => sleep(30))
      .onError((error) => void reports.push(error));
    expect((await webhooks.handle('kasko', await kaskoDelivery('late-1'))).status).toBe(503);
    await sleep(80);
    expect(reports.map(String)).toEqual(['Error: handler for kasko policy.created exceeded 10 ms; answered 503', 'Error: complete failed late']);
  });

  it('a handler that outlives handlerTimeoutMs, then fails, into a failing release()', async () => {
    const reports: unknown[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, handlerTimeoutMs: 10, idempotency: { store: failingAfterClaim(5) }, logger: false })
      .on('kasko', 'policy.created', () => rejectAfter(30, new Error('handler failed late')))
      .onError((error) => void reports.push(error));
    expect((await webhooks.handle('kasko', await kaskoDelivery('late-2'))).status).toBe(503);
    await sleep(80);
    expect(reports.map(String)).toEqual(['Error: handler for kasko policy.created exceeded 10 ms; answered 503', 'Error: handler failed late', 'Error: release failed late']);
  });

  it('store calls that fail after idempotency.timeoutMs', async () => {
    const reports: unknown[] = [];
    const late: IdempotencyStore = { claim: () => rejectAfter(30, new Error('claim failed late')), complete: async () => {}, release: async () => {} };
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, idempotency: { store: late, timeoutMs: 10 }, logger: false })
      .on('kasko', 'policy.created', () => {})
      .onError((error) => void reports.push(error));
    expect((await webhooks.handle('kasko', await kaskoDelivery('late-3'))).status).toBe(503);
    await sleep(60);
    expect(reports.map(String)).toEqual(['Error: the idempotency store took longer than 10 ms']);

    const lateComplete = { ...failingAfterClaim(30) };
    const second = createWebhooks({ providers: { kasko: { secret: SECRET } }, idempotency: { store: lateComplete, timeoutMs: 10 }, logger: false })
      .on('kasko', 'policy.created', () => {})
      .onError((error) => void reports.push(error));
    expect((await second.handle('kasko', await kaskoDelivery('late-4'))).status).toBe(200);
    await sleep(60);
    expect(reports.map(String).slice(1)).toEqual(['Error: the idempotency store took longer than 10 ms']);
  });

  it('a sync handler that fails after the deadline', async () => {
    const reports: unknown[] = [];
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET } }, sync: { deadlineMs: 10 }, logger: false })
      .on('insurup', 'proposal_premium.purchasing', () => rejectAfter(30, new Error('sync handler failed late')))
      .onError((error) => void reports.push(error));
    const body = JSON.stringify(examples.insurup['proposal_premium.purchasing']);
    const headers = await sign('insurup', { type: 'proposal_premium.purchasing', body }, SECRET);
    expect((await webhooks.handle('insurup', { body, headers })).status).toBe(422);
    await sleep(60);
    expect(reports.map(String)).toEqual(['Error: sync handler for proposal_premium.purchasing exceeded 10 ms; answered block']);
  });

  it('an onInvalid for a sync event that fails after the deadline', async () => {
    const reports: unknown[] = [];
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET } }, sync: { deadlineMs: 10 }, logger: false })
      .onInvalid(() => rejectAfter(30, new Error('onInvalid failed late')))
      .onError((error) => void reports.push(error));
    const body = JSON.stringify({ ...(examples.insurup['proposal_premium.purchasing'] as object), proposalId: 42 });
    const headers = await sign('insurup', { type: 'proposal_premium.purchasing', body }, SECRET);
    expect((await webhooks.handle('insurup', { body, headers })).status).toBe(422);
    await sleep(60);
    expect(reports.map(String)).toContain('Error: onInvalid failed late');
  });
});
