// The memory store under pressure: what it drops to make room (lapsed entries, then the oldest
// completed keys; never a claim in progress), its byte bound, long keys, and the edge cases of
// release and of lease/TTL values (README, "Idempotency").
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../src/index.js';
import { sha256 } from '../src/core/sha256.js';
import { MAX_KEY_LENGTH, storageKey } from '../src/idempotency/key.js';
import { ENTRY_OVERHEAD_BYTES, minMemoryStoreBytes, StoreFullError } from '../src/idempotency/memory.js';
import type { ClaimResult } from '../src/idempotency/store.js';

const token = (claim: ClaimResult) => {
  if (claim.state !== 'claimed') throw new Error(`expected a claim, got ${claim.state}`);
  return claim.token;
};
const OK = '{"status":200,"body":"{}"}';

/** A store on a clock the test moves. */
function clocked(options: { maxEntries?: number; maxBytes?: number } = {}) {
  const clock = { time: 1_000_000 };
  return { clock, store: memoryStore({ ...options, now: () => clock.time }) };
}

describe('memory store: claims in progress are never evicted', () => {
  it('refuses a new claim when live claims fill it, and a duplicate of one of them is in_progress', async () => {
    const { store } = clocked({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) expect((await store.claim(key, 60_000)).state).toBe('claimed');
    await expect(store.claim('d', 60_000)).rejects.toBeInstanceOf(StoreFullError);
    await expect(store.claim('d', 60_000)).rejects.toMatchObject({ code: 'store_full' });
    // The refusal evicted nothing: every duplicate still sees its claim, never a fresh one.
    for (const key of ['a', 'b', 'c']) expect(await store.claim(key, 60_000)).toEqual({ state: 'in_progress' });
    expect(store.size).toBe(3);
  });

  it('makes room by dropping the oldest completed key, not a claim', async () => {
    const { store } = clocked({ maxEntries: 3 });
    const first = await store.claim('done-1', 60_000);
    await store.complete('done-1', token(first), OK, 3_600_000);
    const second = await store.claim('done-2', 60_000);
    await store.complete('done-2', token(second), OK, 3_600_000);
    await store.claim('live', 60_000);
    expect((await store.claim('new', 60_000)).state).toBe('claimed'); // done-1 made room
    expect(await store.claim('live', 60_000)).toEqual({ state: 'in_progress' });
    expect(await store.claim('done-2', 60_000)).toEqual({ state: 'done', response: OK });
    // The evicted key is forgotten: its duplicate runs again (at-least-once), never concurrently.
    expect((await store.claim('done-1', 60_000)).state).toBe('claimed'); // done-2 made room
    expect(await store.claim('live', 60_000)).toEqual({ state: 'in_progress' });
  });

  it('frees a claim that lapsed behind a live one with a longer lease', async () => {
    const { clock, store } = clocked({ maxEntries: 2 });
    await store.claim('long', 600_000);
    await store.claim('short', 1_000);
    clock.time += 1_001;
    expect((await store.claim('next', 600_000)).state).toBe('claimed');
    expect(await store.claim('long', 600_000)).toEqual({ state: 'in_progress' });
  });

  it('frees a completed key whose TTL passed behind a live claim', async () => {
    const { clock, store } = clocked({ maxEntries: 2 });
    await store.claim('live', 600_000);
    await store.complete('handled', token(await store.claim('handled', 600_000)), OK, 1_000);
    clock.time += 1_001;
    expect((await store.claim('next', 600_000)).state).toBe('claimed');
    expect(await store.claim('live', 600_000)).toEqual({ state: 'in_progress' });
  });

  it('a complete() that cannot fit leaves the claim in progress until its lease lapses', async () => {
    const { clock, store } = clocked({ maxBytes: minMemoryStoreBytes * 4 });
    const claim = await store.claim('big', 1_000);
    await expect(store.complete('big', token(claim), 'x'.repeat(minMemoryStoreBytes * 2), 60_000)).rejects.toBeInstanceOf(StoreFullError);
    expect(await store.claim('big', 1_000)).toEqual({ state: 'in_progress' });
    clock.time += 1_000;
    expect((await store.claim('big', 1_000)).state).toBe('claimed');
  });
});

describe('memory store: bounded in bytes', () => {
  it('counts key and response (2 bytes per code unit) plus a fixed overhead per entry', async () => {
    const { store } = clocked();
    const claim = await store.claim('key-1', 60_000);
    expect(store.bytes).toBe(ENTRY_OVERHEAD_BYTES + 2 * 'key-1'.length);
    await store.complete('key-1', token(claim), OK, 60_000);
    expect(store.bytes).toBe(ENTRY_OVERHEAD_BYTES + 2 * ('key-1'.length + OK.length));
  });

  it('never holds more than maxBytes of large answers, dropping the oldest completed first', async () => {
    const maxBytes = 200_000;
    const { store } = clocked({ maxBytes });
    const answer = JSON.stringify({ status: 200, body: 'x'.repeat(16_384) }); // a 16 KB id echoed back
    for (let i = 0; i < 50; i++) {
      await store.complete(`k${i}`, token(await store.claim(`k${i}`, 60_000)), answer, 3_600_000);
      expect(store.bytes).toBeLessThanOrEqual(maxBytes);
    }
    const perEntry = ENTRY_OVERHEAD_BYTES + 2 * ('k49'.length + answer.length);
    expect(store.size).toBe(Math.floor(maxBytes / perEntry));
    expect(await store.claim('k49', 60_000)).toEqual({ state: 'done', response: answer }); // newest kept
    expect((await store.claim('k0', 60_000)).state).toBe('claimed'); // oldest dropped
  });

  it('keeps a 16 KB key as its 71-character SHA-256, still deduplicating it', async () => {
    const { store } = clocked();
    const long = 'kasko:' + 'x'.repeat(16_384);
    await store.claim(long, 60_000);
    expect(store.bytes).toBe(ENTRY_OVERHEAD_BYTES + 2 * 71);
    expect(await store.claim(long, 60_000)).toEqual({ state: 'in_progress' });
    expect((await store.claim(long.slice(0, -1) + 'y', 60_000)).state).toBe('claimed'); // differs in the last character
  });

  it('at the default maxBytes (64 MiB), 16 KB ids cost about 0.4 KB each, not 32 KB', async () => {
    const store = memoryStore();
    for (let i = 0; i < 1000; i++) await store.claim(`${i}:`.padEnd(16_384, 'x'), 60_000);
    expect(store.size).toBe(1000);
    expect(store.bytes).toBe(1000 * (ENTRY_OVERHEAD_BYTES + 2 * 71));
  });

  it('returns to 0 bytes once every claim is released or lapsed', async () => {
    const { clock, store } = clocked({ maxEntries: 100 });
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) {
        const key = `r${round}-${i}`;
        const claim = await store.claim(key, 1_000);
        if (i % 2) await store.release(key, token(claim));
      }
      clock.time += 1_000;
    }
    await store.claim('last', 1_000);
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(ENTRY_OVERHEAD_BYTES + 2 * 'last'.length);
  });
});

describe('storageKey', () => {
  it('keeps keys up to MAX_KEY_LENGTH, hashes longer ones as SHA-256 of their UTF-16LE code units', () => {
    const short = 'k'.repeat(MAX_KEY_LENGTH);
    expect(storageKey(short)).toBe(short);
    const long = short + 'k';
    expect(storageKey(long)).toBe('sha256:' + createHash('sha256').update(long, 'utf16le').digest('hex'));
    expect(storageKey(long)).toHaveLength(71);
  });

  it('gives lone surrogates distinct keys (UTF-8 would map both to U+FFFD)', () => {
    const base = 'x'.repeat(MAX_KEY_LENGTH);
    expect(storageKey(base + '\ud800')).not.toBe(storageKey(base + '\udc00'));
  });

  it('hashes a short key that looks like a digest, so it cannot equal a long key', () => {
    const digest = storageKey('y'.repeat(1000));
    expect(storageKey(digest)).not.toBe(digest);
    expect(storageKey(digest)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('sha256 matches node:crypto across padding boundaries', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      expect(Buffer.from(sha256(bytes)).toString('hex'), `length ${length}`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('refuses a non-string key', () => {
    expect(() => storageKey(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('memory store: release, lease and TTL edge cases', () => {
  it('release of an unknown key, with a wrong token, or of a completed key changes nothing', async () => {
    const { store } = clocked();
    await expect(store.release('never-claimed', 'x')).resolves.toBeUndefined();
    expect(store.size).toBe(0);
    const claim = await store.claim('k', 60_000);
    await store.release('k', 'not-the-token');
    expect(await store.claim('k', 60_000)).toEqual({ state: 'in_progress' });
    await store.complete('k', token(claim), OK, 60_000);
    await store.release('k', token(claim)); // a late release after the success
    expect(await store.claim('k', 60_000)).toEqual({ state: 'done', response: OK });
  });

  it('a complete() after the lease lapsed and the key was re-claimed still records the success', async () => {
    const { clock, store } = clocked();
    const stale = await store.claim('k', 1_000);
    clock.time += 1_000;
    const fresh = await store.claim('k', 1_000);
    await store.complete('k', token(stale), OK, 60_000);
    expect(await store.claim('k', 1_000)).toEqual({ state: 'done', response: OK });
    await store.release('k', token(fresh)); // the newer holder failing does not forget the success
    expect(await store.claim('k', 1_000)).toEqual({ state: 'done', response: OK });
  });

  it.each([NaN, 0, -1, Infinity])('refuses a lease or TTL of %s ms (every claim would lapse at once)', async (ms) => {
    const { store } = clocked();
    await expect(store.claim('k', ms)).rejects.toThrow(RangeError);
    expect(store.size).toBe(0);
    const claim = await store.claim('k', 60_000);
    await expect(store.complete('k', token(claim), OK, ms)).rejects.toThrow(RangeError);
    expect(await store.claim('k', 60_000)).toEqual({ state: 'in_progress' });
  });

  it.each([
    [{ maxEntries: 0 }],
    [{ maxEntries: NaN }],
    [{ maxEntries: 1.5 }],
    [{ maxBytes: minMemoryStoreBytes - 1 }],
    [{ maxBytes: NaN }],
  ])('refuses %o at creation', (options) => {
    expect(() => memoryStore(options)).toThrow(RangeError);
  });
});
