// The idempotency stores at their edges (src/idempotency/), written from the kinds of mutant that
// survived (issue 20): boundary pairs of every limit (a lease that ends exactly now, maxBytes filled
// exactly, maxEntries 1), claims that lapsed behind a live one, the byte accounting after each kind
// of replacement, the exact Redis commands, and long non-ASCII keys hashed as UTF-16LE.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../src/index.js';
import { MAX_KEY_LENGTH, storageKey } from '../src/idempotency/key.js';
import { ENTRY_OVERHEAD_BYTES, minMemoryStoreBytes, StoreFullError, SYNCHRONOUS } from '../src/idempotency/memory.js';
import { redisStore } from '../src/idempotency/redis.js';
import { durationMs, type ClaimResult } from '../src/idempotency/store.js';

const token = (claim: ClaimResult) => {
  if (claim.state !== 'claimed') throw new Error(`expected a claim, got ${claim.state}`);
  return claim.token;
};
const OK = '{"status":200,"body":"{}"}';
const entryBytes = (key: string, response = '') => ENTRY_OVERHEAD_BYTES + 2 * (key.length + response.length);
function clocked(options: { maxEntries?: number; maxBytes?: number } = {}) {
  const clock = { time: 5_000_000 };
  return { clock, store: memoryStore({ ...options, now: () => clock.time }) };
}

describe('memory store: limits, exactly', () => {
  it('maxEntries 1 and maxBytes = minMemoryStoreBytes are valid; one less is refused, with the reason', () => {
    expect(minMemoryStoreBytes).toBe(ENTRY_OVERHEAD_BYTES + 2 * MAX_KEY_LENGTH);
    expect(() => memoryStore({ maxEntries: 1 })).not.toThrow();
    expect(() => memoryStore({ maxBytes: minMemoryStoreBytes })).not.toThrow();
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(new RangeError('insurance-webhooks: memoryStore maxEntries must be an integer ≥ 1, not 0'));
    expect(() => memoryStore({ maxBytes: minMemoryStoreBytes - 1 })).toThrow(
      new RangeError(`insurance-webhooks: memoryStore maxBytes must be an integer ≥ ${minMemoryStoreBytes}, not ${minMemoryStoreBytes - 1}`),
    );
    expect(() => memoryStore({ maxBytes: minMemoryStoreBytes + 0.5 })).toThrow(RangeError);
  });

  it('maxEntries 1 holds exactly one claim', async () => {
    const { store } = clocked({ maxEntries: 1 });
    expect((await store.claim('a', 1000)).state).toBe('claimed');
    await expect(store.claim('b', 1000)).rejects.toBeInstanceOf(StoreFullError);
  });

  it('entries that fill maxBytes exactly all fit; one byte less and the oldest completed one goes', async () => {
    const size = entryBytes('k0', OK);
    for (const [maxBytes, kept] of [
      [3 * size, 3],
      [3 * size - 1, 2],
    ] as const) {
      const { store } = clocked({ maxBytes: Math.max(maxBytes, minMemoryStoreBytes) });
      if (maxBytes < minMemoryStoreBytes) continue;
      for (let i = 0; i < 3; i++) await store.complete(`k${i}`, token(await store.claim(`k${i}`, 60_000)), OK, 60_000);
      expect([store.size, store.bytes]).toEqual([kept, kept * size]);
    }
  });

  it('the refusal says why: an entry larger than maxBytes, or a store full of claims', async () => {
    const { store } = clocked({ maxEntries: 1, maxBytes: minMemoryStoreBytes });
    const claim = await store.claim('k', 60_000);
    await expect(store.claim('other', 60_000)).rejects.toThrow(
      new StoreFullError(`insurance-webhooks: the memory idempotency store cannot take this key: it is full of deliveries in progress (1 claims, ${entryBytes('k')} bytes; maxEntries 1, maxBytes ${minMemoryStoreBytes})`),
    );
    const big = 'x'.repeat(minMemoryStoreBytes);
    await expect(store.complete('k', token(claim), big, 60_000)).rejects.toThrow(
      new StoreFullError(`insurance-webhooks: the memory idempotency store cannot take this key: an entry of ${entryBytes('k', big)} bytes exceeds maxBytes ${minMemoryStoreBytes}`),
    );
    // An entry of exactly maxBytes is not "larger": refused only because the claim holds the room.
    const exact = 'y'.repeat((minMemoryStoreBytes - entryBytes('k')) / 2);
    expect(entryBytes('k', exact)).toBe(minMemoryStoreBytes);
    await expect(store.complete('k', token(claim), exact, 60_000)).resolves.toBeUndefined();
    expect(await store.claim('k', 60_000)).toEqual({ state: 'done', response: exact });
  });

  it('an entry of exactly maxBytes refused because claims hold the room is "full", not "exceeds"', async () => {
    const maxBytes = minMemoryStoreBytes + 200;
    const { store } = clocked({ maxBytes });
    const claim = await store.claim('k', 60_000);
    await store.claim('j', 60_000); // a live claim that keeps its room
    const exact = 'z'.repeat((maxBytes - entryBytes('k')) / 2);
    expect(entryBytes('k', exact)).toBe(maxBytes);
    await expect(store.complete('k', token(claim), exact, 60_000)).rejects.toThrow(
      new StoreFullError(`insurance-webhooks: the memory idempotency store cannot take this key: it is full of deliveries in progress (1 claims, ${entryBytes('j')} bytes; maxEntries 100000, maxBytes ${maxBytes})`),
    );
    const over = exact + 'z';
    await expect(store.complete('k', token(claim), over, 60_000)).rejects.toThrow(
      new StoreFullError(`insurance-webhooks: the memory idempotency store cannot take this key: an entry of ${maxBytes + 2} bytes exceeds maxBytes ${maxBytes}`),
    );
  });

  it('StoreFullError: its name and code', () => {
    const error = new StoreFullError('m');
    expect([error.name, error.code, error.message]).toEqual(['StoreFullError', 'store_full', 'm']);
  });
});

describe('memory store: a lease or TTL ends exactly at its expiry', () => {
  it('at the front: swept', async () => {
    const { clock, store } = clocked();
    await store.claim('k', 1_000);
    clock.time += 999;
    expect(await store.claim('k', 1_000)).toEqual({ state: 'in_progress' });
    clock.time += 1;
    expect((await store.claim('k', 1_000)).state).toBe('claimed');
  });

  it('behind a live claim (not swept): still lapsed at exactly its expiry, and its bytes are freed', async () => {
    const { clock, store } = clocked();
    await store.claim('live', 600_000);
    await store.claim('short', 1_000);
    clock.time += 999;
    expect(await store.claim('short', 1_000)).toEqual({ state: 'in_progress' });
    clock.time += 1;
    expect((await store.claim('short', 1_000)).state).toBe('claimed');
    expect([store.size, store.bytes]).toEqual([2, entryBytes('live') + entryBytes('short')]);
  });

  it('a completed key behind a live claim: lapsed at its TTL, re-claimed with its bytes freed', async () => {
    const { clock, store } = clocked();
    await store.claim('live', 600_000);
    await store.complete('done', token(await store.claim('done', 600_000)), OK, 2_000);
    clock.time += 1_999;
    expect(await store.claim('done', 1_000)).toEqual({ state: 'done', response: OK });
    clock.time += 1;
    expect((await store.claim('done', 1_000)).state).toBe('claimed');
    expect([store.size, store.bytes]).toEqual([2, entryBytes('live') + entryBytes('done')]);
  });

  it('a full store frees a claim that lapsed exactly now behind a live one', async () => {
    const { clock, store } = clocked({ maxEntries: 2 });
    await store.claim('long', 600_000);
    await store.claim('short', 1_000);
    clock.time += 1_000;
    expect((await store.claim('next', 600_000)).state).toBe('claimed');
    expect(await store.claim('long', 600_000)).toEqual({ state: 'in_progress' });
    expect(store.size).toBe(2);
  });

  it('with room to spare, a claim lapsed behind a live one is kept (counted in size and bytes) until swept or re-claimed', async () => {
    // Scanning for lapsed claims is the price of a full store only: with room, makeRoom returns
    // before it, so `size` and `bytes` still count the lapsed claim (as MemoryStore.size says).
    const { clock, store } = clocked({ maxEntries: 3 });
    await store.claim('live', 600_000);
    await store.claim('short', 1_000);
    clock.time += 1_000;
    expect((await store.claim('next', 600_000)).state).toBe('claimed');
    expect([store.size, store.bytes]).toEqual([3, entryBytes('live') + entryBytes('short') + entryBytes('next')]);
    expect((await store.claim('short', 1_000)).state).toBe('claimed');
    expect([store.size, store.bytes]).toEqual([3, entryBytes('live') + entryBytes('short') + entryBytes('next')]);
  });

  it('after freeing room it still knows when the next claim lapses (the earliest, not the latest)', async () => {
    const { clock, store } = clocked({ maxEntries: 3 });
    const start = clock.time;
    await store.claim('a', 10_000); // lapses at +10 000
    await store.claim('b', 1_000); // +1 000
    await store.claim('c', 5_000); // +5 000
    clock.time = start + 1_000;
    expect((await store.claim('d', 600_000)).state).toBe('claimed'); // frees b; next lapse is c's
    clock.time = start + 5_000;
    expect((await store.claim('e', 600_000)).state).toBe('claimed'); // frees c
    expect(await store.claim('a', 10_000)).toEqual({ state: 'in_progress' });
    expect(store.size).toBe(3);
  });
});

describe('memory store: a completion after its claim was swept', () => {
  it('records the answer (the handler succeeded), though nothing held the key any more', async () => {
    const { clock, store } = clocked();
    const claimed = token(await store.claim('k', 1000));
    clock.time += 1000; // the lease ends: complete() sweeps the claim before recording
    await store.complete('k', claimed, OK, 60_000);
    expect(await store.claim('k', 1000)).toEqual({ state: 'done', response: OK });
    expect([store.size, store.bytes]).toEqual([1, entryBytes('k', OK)]);
  });
});

describe('memory store: byte accounting through every replacement', () => {
  it('completing twice keeps one entry of the last answer', async () => {
    const { store } = clocked();
    const claim = await store.claim('k', 60_000);
    await store.complete('k', token(claim), OK, 60_000);
    await store.complete('k', token(claim), '{"status":202,"body":""}', 60_000);
    expect([store.size, store.bytes]).toEqual([1, entryBytes('k', '{"status":202,"body":""}')]);
    expect(await store.claim('k', 60_000)).toEqual({ state: 'done', response: '{"status":202,"body":""}' });
  });

  it('a release frees exactly the claim; releasing an unknown key or with another token frees nothing', async () => {
    const { store } = clocked();
    await store.release('unknown', 'token');
    expect([store.size, store.bytes]).toEqual([0, 0]);
    const a = await store.claim('a', 60_000);
    await store.claim('b', 60_000);
    await store.release('a', 'not-its-token');
    await store.release('zzz', token(a));
    expect(store.size).toBe(2);
    await store.release('a', token(a));
    expect([store.size, store.bytes]).toEqual([1, entryBytes('b')]);
    expect((await store.claim('a', 60_000)).state).toBe('claimed');
  });

  it('releasing a completed key frees nothing, whatever the token (also "0", the number a completed slot keeps)', async () => {
    const { store } = clocked();
    await store.complete('k', token(await store.claim('k', 60_000)), OK, 60_000);
    for (const other of ['0', '1', '']) await store.release('k', other);
    expect(await store.claim('k', 60_000)).toEqual({ state: 'done', response: OK });
  });

  it('its synchronous operations are keyed by the registered symbol every bundled copy of the router looks for', () => {
    expect(SYNCHRONOUS).toBe(Symbol.for('insurance-webhooks.idempotency.synchronous'));
    expect(typeof memoryStore()[Symbol.for('insurance-webhooks.idempotency.synchronous') as typeof SYNCHRONOUS].claim).toBe('function');
  });

  it('tokens differ between claims', async () => {
    const { clock, store } = clocked();
    const tokens = new Set<string>();
    for (let i = 0; i < 5; i++) {
      tokens.add(token(await store.claim('k', 10)));
      clock.time += 10;
    }
    expect(tokens.size).toBe(5);
  });
});

describe('durationMs', () => {
  it('accepts a finite number above 0, and says what is wrong otherwise', () => {
    expect(durationMs(1, 'leaseMs')).toBe(1);
    expect(durationMs(0.5, 'ttlMs')).toBe(0.5);
    expect(() => durationMs(0, 'ttlMs')).toThrow(new RangeError('insurance-webhooks: the idempotency ttlMs must be a finite number of milliseconds above 0, not 0'));
    expect(() => durationMs('5' as never, 'leaseMs')).toThrow(new RangeError('insurance-webhooks: the idempotency leaseMs must be a finite number of milliseconds above 0, not 5'));
  });
});

describe('storageKey: long keys are the SHA-256 of their UTF-16LE code units', () => {
  const reference = (key: string) => `sha256:${createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('hex')}`;
  it.each([
    ['ASCII', 'k'.repeat(201)],
    ['Turkish', 'ş'.repeat(300)],
    ['high code units', '\uffff\u0100\u00ff'.repeat(100)],
    ['a lone surrogate', `${'x'.repeat(200)}\ud800`],
    ['one unit over', 'é'.repeat(MAX_KEY_LENGTH + 1)],
  ])('%s', (_, key) => {
    expect(storageKey(key)).toBe(reference(key));
  });

  it('exactly MAX_KEY_LENGTH is kept as it is; a non-string is refused naming its type', () => {
    expect(storageKey('é'.repeat(MAX_KEY_LENGTH))).toBe('é'.repeat(MAX_KEY_LENGTH));
    expect(() => storageKey(undefined as never)).toThrow(new TypeError('insurance-webhooks: an idempotency key must be a string, not undefined'));
  });
});

describe('redisStore: the exact commands', () => {
  function fake(replies: Record<string, unknown[]> = {}) {
    const sent: string[][] = [];
    const send = async (args: string[]) => {
      sent.push(args);
      const queue = replies[args[0]!];
      return queue && queue.length ? queue.shift() : null;
    };
    return { sent, send };
  }
  const PENDING = /^pending:[0-9a-f-]{36}$/;

  it('claim: SET prefix+key pending:<token> NX PX lease (ms, at least 1, whole); the default prefix', async () => {
    const { sent, send } = fake({ SET: ['OK'] });
    const claim = await redisStore({ send }).claim('kasko:k', 1500.2);
    expect(sent).toEqual([['SET', 'insurance-webhooks:kasko:k', `pending:${token(claim)}`, 'NX', 'PX', '1501']]);
    expect(sent[0]![2]).toMatch(PENDING);
    const tiny = fake({ SET: ['OK'] });
    await redisStore({ send: tiny.send, prefix: 'p:' }).claim('k', 0.001);
    expect(tiny.sent[0]!.slice(1, 2).concat(tiny.sent[0]!.slice(5))).toEqual(['p:k', '1']);
  });

  it('claim: a done record is the stored answer, a pending one is in progress', async () => {
    expect(await redisStore(fake({ GET: [`done:${OK}`] })).claim('k', 1000)).toEqual({ state: 'done', response: OK });
    expect(await redisStore(fake({ GET: ['pending:x'] })).claim('k', 1000)).toEqual({ state: 'in_progress' });
  });

  it('claim: a key that expires between SET and GET is claimed again, three attempts at most', async () => {
    const retried = fake({ SET: [null, 'OK'], GET: [null] });
    expect((await redisStore(retried).claim('k', 1000)).state).toBe('claimed');
    expect(retried.sent.map(([command]) => command)).toEqual(['SET', 'GET', 'SET']);
    const never = fake();
    expect(await redisStore(never).claim('k', 1000)).toEqual({ state: 'in_progress' });
    expect(never.sent.map(([command]) => command)).toEqual(['SET', 'GET', 'SET', 'GET', 'SET', 'GET']);
  });

  it('complete: SET prefix+key done:<answer> PX ttl; release: the compare-and-delete script on pending:<token>', async () => {
    const { sent, send } = fake();
    const store = redisStore({ send, prefix: 'p:' });
    await store.complete('k', 't', OK, 259_200_000);
    await store.release('k', 't');
    expect(sent).toEqual([
      ['SET', 'p:k', `done:${OK}`, 'PX', '259200000'],
      ['EVAL', "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", '1', 'p:k', 'pending:t'],
    ]);
  });

  it('long keys are sent as their digest', async () => {
    const { sent, send } = fake({ SET: ['OK'] });
    const key = 'x'.repeat(16_384);
    await redisStore({ send }).claim(key, 1000);
    expect(sent[0]![1]).toBe(`insurance-webhooks:${storageKey(key)}`);
    expect(sent[0]![1]).toHaveLength('insurance-webhooks:'.length + 71);
  });

  it('wait: integers ≥ 1 (1 is valid); WAIT after each completion; fewer acknowledgements reject', async () => {
    const message = 'insurance-webhooks: redisStore wait needs integers replicas ≥ 1 and timeoutMs ≥ 1';
    for (const wait of [
      { replicas: 0, timeoutMs: 1 },
      { replicas: 1, timeoutMs: 0 },
      { replicas: 1.5, timeoutMs: 1 },
      { replicas: 1, timeoutMs: 1.5 },
    ]) {
      expect(() => redisStore({ send: async () => 'OK', wait }), JSON.stringify(wait)).toThrow(new RangeError(message));
    }
    const { sent, send } = fake({ SET: ['OK'], WAIT: [1, 0] });
    const store = redisStore({ send, wait: { replicas: 1, timeoutMs: 1 } });
    await store.complete('k', 't', OK, 1000);
    expect(sent.at(-1)).toEqual(['WAIT', '1', '1']);
    await expect(store.complete('k', 't', OK, 1000)).rejects.toThrow(new Error('insurance-webhooks: 0 of 1 Redis replicas acknowledged the handled delivery within 1 ms'));
    // Without wait: no WAIT at all.
    const plain = fake();
    await redisStore({ send: plain.send }).complete('k', 't', OK, 1000);
    expect(plain.sent.map(([command]) => command)).toEqual(['SET']);
  });

  it('refuses a lease or TTL that is not a finite number above 0 before sending anything', async () => {
    const { sent, send } = fake();
    const store = redisStore({ send });
    await expect(store.claim('k', 0)).rejects.toThrow(RangeError);
    await expect(store.complete('k', 't', OK, NaN)).rejects.toThrow(RangeError);
    expect(sent).toEqual([]);
  });
});

describe('memory store: its bookkeeping stays bounded by the keys it holds, whatever the traffic', () => {
  // `slots()` counts the slots allocated; the bound is about twice the keys held plus 2 × 1024
  // (from an earlier design whose queues kept stale items until compacted: kept as the bound).
  const bound = (store: ReturnType<typeof memoryStore>) => 2 * store.size + 2 * 1024 + 16;

  it('asynchronous handlers: claims always in flight while older ones complete (no growth per delivery)', () => {
    const store = memoryStore({ maxEntries: 500 });
    const sync = store[SYNCHRONOUS];
    const inFlight: Array<[string, string]> = [];
    let peak = 0;
    for (let i = 0; i < 50_000; i++) {
      const key = `k${i}`;
      inFlight.push([key, token(sync.claim(key, 60_000))]);
      if (inFlight.length > 10) {
        const [done, claimToken] = inFlight.shift()!;
        sync.complete(done, claimToken, OK, 60_000);
      }
      peak = Math.max(peak, sync.slots() - bound(store));
    }
    expect(store.size).toBe(500);
    expect(peak).toBeLessThanOrEqual(0);
  });

  it('one claim that never ends, at the head, while thousands of later ones complete behind it', () => {
    const store = memoryStore({ maxEntries: 200 });
    const sync = store[SYNCHRONOUS];
    token(sync.claim('stuck', 3_600_000));
    let peak = 0;
    for (let i = 0; i < 30_000; i++) {
      sync.complete(`k${i}`, token(sync.claim(`k${i}`, 60_000)), OK, 60_000);
      peak = Math.max(peak, sync.slots() - bound(store));
    }
    expect(sync.claim('stuck', 60_000)).toEqual({ state: 'in_progress' });
    expect(peak).toBeLessThanOrEqual(0);
  });

  it('slots() counts the slots allocated: 1024 at first (maxEntries if fewer), doubled when full, never past maxEntries', () => {
    expect(memoryStore({ maxEntries: 10 })[SYNCHRONOUS].slots()).toBe(10);
    const store = memoryStore({ maxEntries: 3000 });
    const sync = store[SYNCHRONOUS];
    const seen: number[] = [sync.slots()];
    for (let i = 0; i < 3000; i++) {
      token(sync.claim(`k${i}`, 60_000));
      if (sync.slots() !== seen.at(-1)) seen.push(sync.slots());
      if (i === 1023 || i === 2047) expect([i, sync.slots()]).toEqual([i, i + 1]); // full, not yet grown
    }
    expect(seen).toEqual([1024, 2048, 3000]);
    // Freed slots are used again: 3 000 more keys through a full store allocate nothing.
    for (let i = 0; i < 3000; i++) sync.release(`k${i}`, String((i + 1).toString(36)));
    expect(store.size).toBe(0);
    for (let i = 0; i < 3000; i++) sync.complete(`j${i}`, 'x', OK, 60_000);
    expect([store.size, sync.slots()]).toEqual([3000, 3000]);
  });

  it('one completed key completed again and again: the rebuilt queue still evicts the oldest, exactly', () => {
    // Completing a key again moves it to the newest end of the completed keys' order; the
    // others keep theirs (an earlier design rebuilt its queue after 1 024 stale items here).
    const store = memoryStore({ maxEntries: 10 });
    const sync = store[SYNCHRONOUS];
    for (let i = 0; i < 10; i++) sync.complete(`k${i}`, token(sync.claim(`k${i}`, 60_000)), OK, 60_000);
    for (let round = 0; round < 1100; round++) sync.complete('k9', 'x', OK, 60_000);
    expect(sync.slots()).toBe(10);
    token(sync.claim('new', 60_000));
    expect(store.size).toBe(10);
    // k0 went (the oldest completion); k1 and k9 stayed. (A 'done' answer changes nothing; the
    // claim of k0 comes last since it takes a place.)
    expect([sync.claim('k9', 60_000).state, sync.claim('k1', 60_000).state, sync.claim('k0', 60_000).state]).toEqual(['done', 'done', 'claimed']);
  });

  it('claims released out of order, and completed keys evicted from a full store', () => {
    const store = memoryStore({ maxEntries: 300 });
    const sync = store[SYNCHRONOUS];
    let peak = 0;
    for (let i = 0; i < 30_000; i++) {
      const a = token(sync.claim(`a${i}`, 60_000));
      const b = token(sync.claim(`b${i}`, 60_000));
      sync.release(`b${i}`, b); // the newer claim goes first
      if (i % 3 === 0) sync.release(`a${i}`, a);
      else sync.complete(`a${i}`, a, OK, 60_000);
      peak = Math.max(peak, sync.slots() - bound(store));
    }
    expect(peak).toBeLessThanOrEqual(0);
  });
});
