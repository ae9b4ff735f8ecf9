// The in-memory idempotency store (the default): one process, bounded by entries and bytes, entries
// expiring by `now`; a second instance behind a load balancer needs a shared store (redis.ts).
import { MAX_KEY_LENGTH, storageKey } from './key.js';
import { durationMs, type ClaimResult, type IdempotencyStore } from './store.js';

interface Entry {
  key: string;
  token: string;
  response: string | undefined; // undefined while in progress
  expiresAt: number; // epoch ms, by `now`
  bytes: number;
  /** The part holding it, undefined once dropped: `order` items are checked by this, not by a Map lookup. */
  part: Part | undefined;
}

/**
 * Claims in progress, or completed keys, with their bytes. `order` holds the entries in insertion
 * order from `head` on, for sweeps and eviction; an item is stale (skipped) once its entry's `part`
 * is no longer this one (dropped, or completed). Not the Map's own order: V8 leaves a hole in a Map
 * for each deleted entry until it rehashes, so a Map whose oldest entries are deleted one by one
 * (eviction of a full store) makes every iteration from its start skip up to tens of thousands of
 * holes, 50 to 200 µs per delivery (measured, bench/: part 7). And not a lookup of the item's key
 * to tell it stale: in a Map of 100 000 keys each lookup is a cache miss or two, and a delivery
 * checked the head of the order four times (a third of the store's time, bench/: part 7).
 */
interface Part {
  entries: Map<string, Entry>;
  order: (Entry | undefined)[];
  head: number;
  bytes: number;
}

export interface MemoryStoreOptions {
  /** Most keys kept, claims and completed ones together. Default 100 000. */
  maxEntries?: number;
  /**
   * Most bytes kept (an estimate: `ENTRY_OVERHEAD_BYTES` per entry, plus 2 bytes per UTF-16 code
   * unit of its key and stored response). Default 64 MiB. At least `minMemoryStoreBytes`.
   */
  maxBytes?: number;
  /** Clock in epoch ms, for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * The same operations as the store's, answered synchronously (a result, or a thrown error). The
 * router calls these directly: a store that does no I/O cannot hang, so it needs no time-out
 * timer, and a Promise per call is avoidable work on every delivery (bench/, part 7). Keyed by a
 * registered symbol so that every bundled copy of this module and of the router agree.
 */
export const SYNCHRONOUS = Symbol.for('insurance-webhooks.idempotency.synchronous');

export interface SynchronousStore {
  claim(key: string, leaseMs: number): ClaimResult;
  complete(key: string, token: string, response: string, ttlMs: number): void;
  release(key: string, token: string): void;
  /**
   * Items the insertion-order queues hold, live and stale: the store's bookkeeping, bounded by
   * about twice the keys held plus 2 × 1024 whatever the traffic (for tests: a bound on memory
   * that `size` and `bytes` do not show).
   */
  queued(): number;
}

/** The memory store: an `IdempotencyStore` with its current size, for monitoring and tests. */
export interface MemoryStore extends IdempotencyStore {
  /** The synchronous operations the router uses (internal). */
  readonly [SYNCHRONOUS]: SynchronousStore;
  /** Keys held (in-progress claims and completed keys, lapsed ones until they are swept). */
  readonly size: number;
  /** Estimated bytes held, as counted against `maxBytes`. */
  readonly bytes: number;
}

/** Fixed cost counted per entry: the Map slot, the entry object and its 36-character token. */
export const ENTRY_OVERHEAD_BYTES = 160;
/** The smallest `maxBytes`: room for one claim of the longest stored key. */
export const minMemoryStoreBytes = ENTRY_OVERHEAD_BYTES + 2 * MAX_KEY_LENGTH;

/**
 * `claim()` or `complete()` of a memory store that is full of claims still in progress (or a
 * `complete()` whose answer alone exceeds `maxBytes`). From `claim()` the router answers the
 * delivery 503 (`store_unavailable`, retryable), so the provider retries it later; from
 * `complete()` it is reported and the claim lapses after its lease, like any lost completion.
 */
export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
  readonly code = 'store_full';
}

/**
 * The embedded default: one process, entries expire after their lease or TTL. Behind a load
 * balancer use a shared store (`insurance-webhooks/redis`), or duplicates may reach two instances.
 *
 * Bounded by `maxEntries` and `maxBytes`; keys longer than `MAX_KEY_LENGTH` are kept as their
 * SHA-256 (`storageKey`). To make room it drops lapsed entries, then the oldest completed ones (a
 * later duplicate of one of those runs the handler again). A claim still in progress is never
 * dropped: that would let a duplicate run the handler concurrently. When live claims alone fill
 * the store, `claim()` rejects with a `StoreFullError` (answered 503, retried by the provider)
 * rather than growing, so a flood of distinct ids cannot exhaust memory.
 *
 * Throws a `RangeError` for a `maxEntries` that is not an integer ≥ 1 or a `maxBytes` that is not
 * an integer ≥ `minMemoryStoreBytes`; `claim()`/`complete()` reject with one for a lease or TTL
 * that is not a finite number of ms above 0.
 *
 * @example
 * const webhooks = createWebhooks({
 *   providers: { kasko: { secret } },
 *   idempotency: { store: memoryStore({ maxEntries: 50_000, maxBytes: 32 * 2 ** 20 }) },
 * });
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const { maxEntries = 100_000, maxBytes = 64 * 2 ** 20, now = Date.now } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`insurance-webhooks: memoryStore maxEntries must be an integer ≥ 1, not ${maxEntries}`);
  if (!Number.isInteger(maxBytes) || maxBytes < minMemoryStoreBytes) {
    throw new RangeError(`insurance-webhooks: memoryStore maxBytes must be an integer ≥ ${minMemoryStoreBytes}, not ${maxBytes}`);
  }
  // Claims and completed keys apart, each in insertion order (Map order). With the router's constant
  // lease and TTL that is also expiry order, so sweeps stop at the first live entry.
  const pending: Part = { entries: new Map(), order: [], head: 0, bytes: 0 };
  const done: Part = { entries: new Map(), order: [], head: 0, bytes: 0 };
  let nextLapse = Infinity; // no claim in `pending` lapses before this (a lower bound)
  // Tokens only need to differ within this process: a counter, not a UUID (Node's randomUUID
  // strings take ~490 bytes of heap each, three times the rest of an entry).
  let claims = 0;

  const drop = (part: Part, key: string, entry: Entry) => {
    part.entries.delete(key);
    part.bytes -= entry.bytes;
    entry.part = undefined;
  };
  const add = (key: string, entry: Entry) => {
    const part = entry.response === undefined ? pending : done;
    if (part === pending) nextLapse = Math.min(nextLapse, entry.expiresAt);
    entry.part = part;
    part.entries.set(key, entry);
    part.bytes += entry.bytes;
    part.order.push(entry);
    // Stale items (entries taken out of order) are many more than live ones: rebuild from the
    // Map, which holds the live entries in the same order. Amortized O(1) per entry.
    if (part.order.length - part.head > 2 * part.entries.size + 1024) {
      part.order = [...part.entries.values()];
      part.head = 0;
    }
  };
  /**
   * Gives the array's consumed head back now and then, not on every shift (O(1) amortized).
   * Wherever the head moves: stale items skipped there too (claims completed while an older one is
   * still in flight, the usual state of a store under load with asynchronous handlers) would
   * otherwise leave the array one slot longer per delivery for as long as the process lives.
   */
  const compact = (part: Part) => {
    if (part.head > 1024 && part.head * 2 > part.order.length) {
      part.order = part.order.slice(part.head);
      part.head = 0;
    }
  };
  /** The oldest entry `part` holds (stale items at the head are discarded), or undefined. */
  const oldest = (part: Part): Entry | undefined => {
    const { order } = part;
    while (part.head < order.length) {
      const entry = order[part.head]!;
      if (entry.part === part) {
        compact(part);
        return entry;
      }
      order[part.head++] = undefined;
    }
    part.order = [];
    part.head = 0;
    return undefined;
  };
  /** Drops `part`'s oldest entry (`oldest(part)` returned it). */
  const dropOldest = (part: Part, entry: Entry) => {
    drop(part, entry.key, entry);
    part.order[part.head++] = undefined;
    compact(part);
  };
  const find = (key: string) => pending.entries.get(key) ?? done.entries.get(key);
  /** Removes and returns what `key` holds. */
  const take = (key: string): Entry | undefined => {
    const entry = find(key);
    if (entry) drop(entry.response === undefined ? pending : done, key, entry);
    return entry;
  };
  /** Drops the lapsed entries at the head of `part` (insertion order is expiry order, see above). */
  const sweepPart = (part: Part, time: number) => {
    for (let entry = oldest(part); entry !== undefined && entry.expiresAt <= time; entry = oldest(part)) dropOldest(part, entry);
  };
  const sweep = (time: number) => {
    sweepPart(done, time);
    sweepPart(pending, time);
  };
  /** Whether an entry of `size` bytes fits now, or (`claimsOnly`) once every completed key is dropped. */
  const fits = (size: number, claimsOnly = false) => {
    const count = pending.entries.size + (claimsOnly ? 0 : done.entries.size);
    return count < maxEntries && pending.bytes + (claimsOnly ? 0 : done.bytes) + size <= maxBytes;
  };
  /** Frees room for an entry of `size` bytes, or throws a `StoreFullError` (having dropped nothing live). */
  const makeRoom = (time: number, size: number) => {
    if (fits(size)) return;
    // Claims that lapsed behind a live one (leases of different lengths): a full scan, only when
    // one may have lapsed.
    if (time >= nextLapse) {
      nextLapse = Infinity;
      for (const [key, entry] of pending.entries) {
        if (entry.expiresAt <= time) drop(pending, key, entry);
        else nextLapse = Math.min(nextLapse, entry.expiresAt);
      }
    }
    // Live claims alone leave no room: refuse rather than evict a claim or grow.
    if (!fits(size, true)) {
      const why = size > maxBytes ? `an entry of ${size} bytes exceeds maxBytes ${maxBytes}` : `it is full of deliveries in progress (${pending.entries.size} claims, ${pending.bytes} bytes; maxEntries ${maxEntries}, maxBytes ${maxBytes})`;
      throw new StoreFullError(`insurance-webhooks: the memory idempotency store cannot take this key: ${why}`);
    }
    for (let entry = oldest(done); entry !== undefined && !fits(size); entry = oldest(done)) dropOldest(done, entry);
  };
  const sizeOf = (key: string, response = '') => ENTRY_OVERHEAD_BYTES + 2 * (key.length + response.length);

  const operations: SynchronousStore = {
    claim(key, leaseMs) {
      durationMs(leaseMs, 'leaseMs');
      const id = storageKey(key);
      const time = now();
      sweep(time);
      const entry = find(id);
      if (entry && entry.expiresAt > time) {
        return entry.response === undefined ? { state: 'in_progress' } : { state: 'done', response: entry.response };
      }
      if (entry) take(id); // lapsed behind a live entry
      const size = sizeOf(id);
      makeRoom(time, size);
      const token = (++claims).toString(36);
      add(id, { key: id, token, response: undefined, expiresAt: time + leaseMs, bytes: size, part: undefined });
      return { state: 'claimed', token };
    },
    complete(key, token, response, ttlMs) {
      durationMs(ttlMs, 'ttlMs');
      const id = storageKey(key);
      const time = now();
      sweep(time);
      // Whoever holds the key now (this claim, or a newer one after this lease lapsed), the handler
      // has succeeded: the key is handled.
      const previous = take(id);
      const size = sizeOf(id, response);
      try {
        makeRoom(time, size);
      } catch (error) {
        // Not recorded, like a lost write: the claim stays until its lease lapses.
        if (previous) add(id, previous);
        throw error;
      }
      add(id, { key: id, token, response, expiresAt: time + ttlMs, bytes: size, part: undefined });
    },
    release(key, token) {
      const id = storageKey(key);
      const entry = pending.entries.get(id);
      if (entry?.token === token) drop(pending, id, entry);
    },
    queued: () => pending.order.length + done.order.length,
  };

  return {
    get size() {
      return pending.entries.size + done.entries.size;
    },
    get bytes() {
      return pending.bytes + done.bytes;
    },
    [SYNCHRONOUS]: operations,
    async claim(key, leaseMs): Promise<ClaimResult> {
      return operations.claim(key, leaseMs);
    },
    async complete(key, token, response, ttlMs) {
      operations.complete(key, token, response, ttlMs);
    },
    async release(key, token) {
      operations.release(key, token);
    },
  };
}
