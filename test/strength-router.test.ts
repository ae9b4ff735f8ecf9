// The router's deduplication (src/router/idempotency.ts, `once`) and sync decisions
// (src/router/sync.ts, `decide`) called directly, written from the kinds of mutant that survived
// (issue 20): the documented defaults (TTL 3 days, lease 300 s, store timeout 2000 ms, sync deadline
// 3000 ms, fail closed), a key function returning undefined, the 2xx boundary that decides between
// complete() and release(), and every store failure reported, never thrown.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebhookEvent } from '../src/index.js';
import { SYNCHRONOUS, type SynchronousStore } from '../src/idempotency/memory.js';
import type { ClaimResult, IdempotencyStore } from '../src/idempotency/store.js';
import { defaultIdempotencyKey, once, type IdempotencyOptions, type Settle } from '../src/router/idempotency.js';
import { json, type WebhookResponse } from '../src/router/responses.js';
import { allow, block, decide, syncSettings } from '../src/router/sync.js';

type Call = [method: 'claim' | 'complete' | 'release', ...args: unknown[]];

/** A store that answers `claim` with `result` (or runs `claim`) and records every call. */
function recording(result: ClaimResult | (() => Promise<ClaimResult>), overrides: Partial<IdempotencyStore> = {}) {
  const calls: Call[] = [];
  const store: IdempotencyStore = {
    claim: (key, leaseMs) => {
      calls.push(['claim', key, leaseMs]);
      return typeof result === 'function' ? result() : Promise.resolve(result);
    },
    complete: (key, token, response, ttlMs) => {
      calls.push(['complete', key, token, response, ttlMs]);
      return overrides.complete ? overrides.complete(key, token, response, ttlMs) : Promise.resolve();
    },
    release: (key, token) => {
      calls.push(['release', key, token]);
      return overrides.release ? overrides.release(key, token) : Promise.resolve();
    },
  };
  return { store, calls };
}

const CLAIMED: ClaimResult = { state: 'claimed', token: 'tok-1' };
const answer = (status: number) => json(status, { status });
/** Work that settles with `response` and returns it, counting its runs. */
function work(response: WebhookResponse) {
  const runs = { count: 0 };
  const fn = async (settle: Settle) => {
    runs.count++;
    await settle(response);
    return response;
  };
  return { fn, runs };
}

describe('once(): the documented defaults', () => {
  it('claims for 300 s and remembers a handled delivery for 3 days', async () => {
    const { store, calls } = recording(CLAIMED);
    const reports: unknown[] = [];
    const response = answer(200);
    expect(await once(store, {}, 'kasko:k', (error) => reports.push(error), work(response).fn)).toBe(response);
    expect(calls).toEqual([
      ['claim', 'kasko:k', 300_000],
      ['complete', 'kasko:k', 'tok-1', JSON.stringify({ status: 200, body: response.body }), 3 * 24 * 60 * 60 * 1000],
    ]);
    expect(reports).toEqual([]);
  });

  it('uses leaseSeconds and ttlSeconds when given, in milliseconds', async () => {
    const { store, calls } = recording(CLAIMED);
    await once(store, { leaseSeconds: 7, ttlSeconds: 11 }, 'k', () => {}, work(answer(201)).fn);
    expect(calls.map((call) => [call[0], call[0] === 'claim' ? call[2] : call[4]])).toEqual([
      ['claim', 7_000],
      ['complete', 11_000],
    ]);
  });

  describe('a store call that never answers: 503 after timeoutMs (default 2000), never a hang', () => {
    beforeEach(() => void vi.useFakeTimers());
    afterEach(() => void vi.useRealTimers());

    it.each([
      [{}, 2000],
      [{ timeoutMs: 50 }, 50],
    ] as Array<[IdempotencyOptions, number]>)('%o: %d ms', async (options, ms) => {
      const { store } = recording(() => new Promise<ClaimResult>(() => {}));
      const reports: unknown[] = [];
      const { fn, runs } = work(answer(200));
      let settled: WebhookResponse | undefined;
      void Promise.resolve(once(store, options, 'k', (error) => reports.push(error), fn)).then((response) => (settled = response));
      await vi.advanceTimersByTimeAsync(ms - 1);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(settled?.status).toBe(503);
      expect(JSON.parse(settled!.body)).toMatchObject({ error: 'store_unavailable' });
      expect(String(reports[0])).toContain(`the idempotency store took longer than ${ms} ms`);
      expect(runs.count).toBe(0);
    });

    it('a complete() that never answers is reported after timeoutMs; the answer stays the handler’s', async () => {
      const { store } = recording(CLAIMED, { complete: () => new Promise<void>(() => {}) });
      const reports: unknown[] = [];
      let settled: WebhookResponse | undefined;
      void Promise.resolve(once(store, {}, 'k', (error) => reports.push(error), work(answer(200)).fn)).then((response) => (settled = response));
      await vi.advanceTimersByTimeAsync(1999);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(settled?.status).toBe(200);
      expect(String(reports[0])).toContain('took longer than 2000 ms');
    });

    it('a release() that never answers is reported after timeoutMs, naming the store; the answer stays the handler’s', async () => {
      const { store } = recording(CLAIMED, { release: () => new Promise<void>(() => {}) });
      const reports: unknown[] = [];
      let settled: WebhookResponse | undefined;
      void Promise.resolve(once(store, {}, 'k', (error) => reports.push(error), work(answer(500)).fn)).then((response) => (settled = response));
      await vi.advanceTimersByTimeAsync(2000);
      expect(settled?.status).toBe(500);
      expect(reports.map(String)).toEqual(['Error: the idempotency store took longer than 2000 ms']);
    });
  });
});

describe('once(): records it did not store', () => {
  it.each([
    [{ status: 300, body: 'x' }, 'status 300 (only 2xx are completed)'],
    [{ status: 199, body: 'x' }, 'status 199'],
    [{ status: 200.5, body: 'x' }, 'a fractional status'],
    [{ status: 200, body: 1 }, 'a body that is not a string'],
    ['not JSON', 'text that is not JSON'],
  ])('%j is a store fault (503, reported), not a replay: %s', async (record, _) => {
    const { store } = recording({ state: 'done', response: typeof record === 'string' ? record : JSON.stringify(record) });
    const reports: unknown[] = [];
    const { fn, runs } = work(answer(200));
    const response = await once(store, {}, 'k', (error) => reports.push(error), fn);
    expect([response.status, JSON.parse(response.body).error]).toEqual([503, 'store_unavailable']);
    expect(reports.map(String)).toEqual(['Error: the idempotency store returned a record that is not a stored answer']);
    expect(runs.count).toBe(0);
  });

  it('the stored 2xx answers at both ends of the range are replayed', async () => {
    for (const status of [200, 299]) {
      const { store } = recording({ state: 'done', response: JSON.stringify({ status, body: 'kept' }) });
      const response = await once(store, {}, 'k', () => {}, work(answer(200)).fn);
      expect([response.status, response.body]).toEqual([status, 'kept']);
    }
  });
});

describe('defaultIdempotencyKey: no key when the provider derives none', () => {
  it('an Axitech payload without its identity fields is not deduplicated (undefined, never "axitech:undefined")', () => {
    expect(defaultIdempotencyKey({ provider: 'axitech', type: 'session.submitted', payload: {} })).toBeUndefined();
    expect(defaultIdempotencyKey({ provider: 'axitech', type: 'session.submitted', payload: { event_type: 'session.submitted', data: { sessionId: 's' }, created_at: 'c' } })).toBe('axitech:session.submitted:s:c');
  });
});

describe('once(): what is deduplicated', () => {
  it.each([
    ['a key function that returns undefined', 'store', undefined],
    ['no store', undefined, 'k'],
  ] as const)('%s: the work runs every time, nothing is claimed or recorded', async (_, withStore, key) => {
    const { store, calls } = recording(CLAIMED);
    const { fn, runs } = work(answer(200));
    for (let i = 0; i < 3; i++) expect((await once(withStore ? store : undefined, {}, key, () => {}, fn)).status).toBe(200);
    expect(runs.count).toBe(3);
    expect(calls).toEqual([]);
  });

  it('2xx completes the key, anything from 300 up releases it (exactly at the boundary)', async () => {
    for (const [status, method] of [
      [200, 'complete'],
      [202, 'complete'],
      [299, 'complete'],
      [300, 'release'],
      [409, 'release'],
      [500, 'release'],
      [503, 'release'],
    ] as const) {
      const { store, calls } = recording(CLAIMED);
      await once(store, {}, 'k', () => {}, work(answer(status)).fn);
      expect(calls.map(([name]) => name), String(status)).toEqual(['claim', method]);
      if (method === 'release') expect(calls[1]).toEqual(['release', 'k', 'tok-1']);
    }
  });

  it('a duplicate of a handled delivery gets the stored answer, marked as a replay, without running', async () => {
    const stored = answer(202);
    const { store } = recording({ state: 'done', response: JSON.stringify({ status: stored.status, body: stored.body }) });
    const { fn, runs } = work(answer(200));
    const response = await once(store, {}, 'k', () => {}, fn);
    expect(response).toEqual({ status: 202, body: stored.body, headers: { 'content-type': 'application/json; charset=utf-8', 'x-idempotent-replay': 'true' } });
    expect(runs.count).toBe(0);
  });

  it('a duplicate of a delivery still running gets 409, without running', async () => {
    const { store, calls } = recording({ state: 'in_progress' });
    const { fn, runs } = work(answer(200));
    const response = await once(store, {}, 'k', () => {}, fn);
    expect(response.status).toBe(409);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'in_progress' });
    expect(runs.count).toBe(0);
    expect(calls.map(([name]) => name)).toEqual(['claim']);
  });

  it('a claim that fails is reported and answered 503, without running', async () => {
    const failure = new Error('store down');
    const { store } = recording(() => Promise.reject(failure));
    const reports: unknown[] = [];
    const { fn, runs } = work(answer(200));
    const response = await once(store, {}, 'k', (error) => reports.push(error), fn);
    expect(response.status).toBe(503);
    expect(reports).toEqual([failure]);
    expect(runs.count).toBe(0);
  });

  it.each(['complete', 'release'] as const)('a %s() that fails after the work is reported, never turned into a 5xx or a rejection', async (method) => {
    const failure = new Error(`${method} failed`);
    const { store } = recording(CLAIMED, { [method]: () => Promise.reject(failure) });
    const reports: unknown[] = [];
    const response = answer(method === 'complete' ? 200 : 500);
    await expect(once(store, {}, 'k', (error) => reports.push(error), work(response).fn)).resolves.toBe(response);
    expect(reports).toEqual([failure]);
  });
});

/** A synchronous store, as the memory store is (`once` takes its path without Promises), recording every call. */
function recordingSync(overrides: Partial<SynchronousStore> = {}) {
  const calls: Call[] = [];
  const operations: SynchronousStore = {
    slots: () => 0,
    claim: (key, leaseMs) => {
      calls.push(['claim', key, leaseMs]);
      return overrides.claim ? overrides.claim(key, leaseMs) : CLAIMED;
    },
    complete: (key, token, response, ttlMs) => {
      calls.push(['complete', key, token, response, ttlMs]);
      overrides.complete?.(key, token, response, ttlMs);
    },
    release: (key, token) => {
      calls.push(['release', key, token]);
      overrides.release?.(key, token);
    },
  };
  const unused = () => Promise.reject(new Error('the asynchronous operations are not used'));
  const store = { claim: unused, complete: unused, release: unused, [SYNCHRONOUS]: operations } as IdempotencyStore;
  return { store, calls };
}
/** Synchronous work that settles with a `status` answer and returns it. */
const syncAnswer = (status: number) => {
  const response = answer(status);
  return (settle: Settle) => {
    void settle(response);
    return response;
  };
};
const throwing = (error: Error) => () => {
  throw error;
};

describe('once() on a synchronous store (the memory store): the same decisions, without a Promise', () => {
  it('2xx completes the key for 3 days, anything from 300 up releases it (exactly at the boundary)', () => {
    for (const [status, method] of [
      [200, 'complete'],
      [299, 'complete'],
      [300, 'release'],
      [500, 'release'],
    ] as const) {
      const { store, calls } = recordingSync();
      const response = once(store, {}, 'k', () => {}, syncAnswer(status)) as WebhookResponse;
      expect(response.status, String(status)).toBe(status);
      expect(calls[0]).toEqual(['claim', 'k', 300_000]);
      const recorded = method === 'complete' ? ['complete', 'k', 'tok-1', JSON.stringify({ status, body: response.body }), 3 * 86_400_000] : ['release', 'k', 'tok-1'];
      expect(calls[1], String(status)).toEqual(recorded);
    }
  });

  it.each(['complete', 'release'] as const)('a %s() that throws after the work is reported; the answer stays the handler’s', (method) => {
    const failure = new Error(`${method} failed`);
    const { store } = recordingSync({ [method]: throwing(failure) });
    const reports: unknown[] = [];
    const status = method === 'complete' ? 200 : 500;
    const response = once(store, {}, 'k', (error) => reports.push(error), syncAnswer(status)) as WebhookResponse;
    expect(response.status).toBe(status);
    expect(reports).toEqual([failure]);
  });

  it('a claim that throws (a full store) is reported and answered 503, without running', () => {
    const failure = new Error('full');
    const { store } = recordingSync({ claim: throwing(failure) });
    const reports: unknown[] = [];
    let runs = 0;
    const response = once(store, {}, 'k', (error) => reports.push(error), (settle) => {
      runs++;
      return syncAnswer(200)(settle);
    }) as WebhookResponse;
    expect([response.status, runs, reports]).toEqual([503, 0, [failure]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Sync decisions
// ---------------------------------------------------------------------------------------------
const event = { provider: 'insurup', type: 'proposal_premium.purchasing', payload: {} } as unknown as WebhookEvent;

describe('syncSettings: the documented defaults', () => {
  it('3000 ms, fail closed (block), allow → 200 {"allow":true}, block → 422 with the reason', () => {
    const settings = syncSettings();
    expect(settings.deadlineMs).toBe(3000);
    expect(settings.onDeadline).toBe('block');
    expect(settings.fallback('why')).toEqual({ allow: false, reason: 'why' });
    expect(settings.respond(allow())).toEqual(json(200, { allow: true }));
    expect(settings.respond(block('no'))).toEqual(json(422, { allow: false, reason: 'no' }));
    expect(syncSettings({ onDeadline: 'allow' }).fallback('why')).toEqual({ allow: true });
    expect(syncSettings({ deadlineMs: 5 }).deadlineMs).toBe(5);
  });
});

describe('decide()', () => {
  it('nothing returned allows; any block wins, whatever its place', async () => {
    const reports: unknown[] = [];
    expect((await decide(event, [() => undefined, () => allow()], undefined, (e) => reports.push(e))).status).toBe(200);
    expect(await decide(event, [], undefined, () => {})).toEqual(json(200, { allow: true }));
    for (const handlers of [
      [() => block('first'), () => allow()],
      [() => allow(), () => block('first')],
      [() => undefined, async () => block('first'), () => undefined],
    ]) {
      expect(await decide(event, handlers, undefined, (e) => reports.push(e))).toEqual(json(422, { allow: false, reason: 'first' }));
    }
    expect(reports).toEqual([]);
  });

  it('the first block is the decision when several block', async () => {
    expect(JSON.parse((await decide(event, [() => block('a'), () => block('b')], undefined, () => {})).body)).toEqual({ allow: false, reason: 'a' });
  });

  it('a block already returned stands over a later failure, even when the fallback is allow', async () => {
    const reports: unknown[] = [];
    const failure = new Error('boom');
    const handlers = [() => block('fraud'), () => Promise.reject(failure)];
    expect(await decide(event, handlers, { onDeadline: 'allow' }, (e) => reports.push(e))).toEqual(json(422, { allow: false, reason: 'fraud' }));
    expect(reports).toEqual([failure]);
  });

  it('a handler that fails is reported and the fallback decides: block by default, allow when configured', async () => {
    const failure = new Error('boom');
    const reports: unknown[] = [];
    const failing = [
      () => {
        throw failure;
      },
    ];
    expect(await decide(event, failing, undefined, (e) => reports.push(e))).toEqual(json(422, { allow: false, reason: 'the decision could not be made in time' }));
    expect(await decide(event, failing, { onDeadline: 'allow' }, (e) => reports.push(e))).toEqual(json(200, { allow: true }));
    expect(reports).toEqual([failure, failure]);
  });

  it('a custom respond answers both the decision and the fallback', async () => {
    const respond = (decision: { allow: boolean }) => json(decision.allow ? 204 : 451, decision);
    expect((await decide(event, [() => allow()], { respond }, () => {})).status).toBe(204);
    expect((await decide(event, [() => Promise.reject(new Error('x'))], { respond }, () => {})).status).toBe(451);
  });

  describe('deadline', () => {
    beforeEach(() => void vi.useFakeTimers());
    afterEach(() => void vi.useRealTimers());

    it.each([
      [undefined, 3000, 'block'],
      [{ deadlineMs: 100 }, 100, 'block'],
      [{ deadlineMs: 100, onDeadline: 'allow' as const }, 100, 'allow'],
    ])('%o: decided at %d ms without the handler, reported', async (options, ms, fallback) => {
      const reports: unknown[] = [];
      let decided: WebhookResponse | undefined;
      void decide(event, [() => new Promise(() => {})], options, (e) => reports.push(e)).then((response) => (decided = response));
      await vi.advanceTimersByTimeAsync(ms - 1);
      expect(decided).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(decided?.status).toBe(fallback === 'allow' ? 200 : 422);
      expect(reports.map(String)).toEqual([`Error: sync handler for proposal_premium.purchasing exceeded ${ms} ms; answered ${fallback}`]);
    });

    it('a block already returned stands over a later handler that misses the deadline', async () => {
      const reports: unknown[] = [];
      let decided: WebhookResponse | undefined;
      void decide(event, [() => block('fraud'), () => new Promise(() => {})], { deadlineMs: 100, onDeadline: 'allow' }, (e) => reports.push(e)).then((response) => (decided = response));
      await vi.advanceTimersByTimeAsync(100);
      expect(decided).toEqual(json(422, { allow: false, reason: 'fraud' }));
      expect(reports.map(String)).toEqual(['Error: sync handler for proposal_premium.purchasing exceeded 100 ms; answered the block already decided']);
    });

    it('a handler that answers in time decides, and nothing is reported', async () => {
      const reports: unknown[] = [];
      const slow = () => new Promise((resolve) => setTimeout(() => resolve(block('late but in time')), 2999));
      const decision = decide(event, [slow], undefined, (e) => reports.push(e));
      await vi.advanceTimersByTimeAsync(3000);
      expect(JSON.parse((await decision).body)).toEqual({ allow: false, reason: 'late but in time' });
      expect(reports).toEqual([]);
    });

    it('the deadline timer is cancelled once decided (no timer left behind per sync delivery)', async () => {
      expect(vi.getTimerCount()).toBe(0);
      await decide(event, [() => allow()], undefined, () => {});
      expect(vi.getTimerCount()).toBe(0);
      await decide(event, [() => Promise.reject(new Error('x'))], undefined, () => {});
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
