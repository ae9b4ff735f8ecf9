// The in-memory idempotency store (the default): one process, bounded by entries and bytes, entries
// expiring by `now`; a second instance behind a load balancer needs a shared store (redis.ts).
//
// Entries are slots in parallel arrays (typed arrays for the numbers, two arrays for the key and
// stored answer strings) linked into two insertion-ordered lists, claims and completed keys, by
// `prev`/`next` indices; a Map finds a key's slot. Not an object per entry: a store holds 100 000
// keys for days, and the garbage collector traces every object it holds on each full collection
// and copies each new one out of the young generation, so an entry costs its strings and three
// array cells, not an object of seven fields, a token string and a queue cell (bench/: part 7,
// the ladder). Completing a claim moves its slot from one list to the other: no Map change.
// The lists rather than the Map's own order: V8 leaves a hole in a Map for each deleted entry
// until it rehashes, so iterating a Map whose oldest entries are deleted one by one (eviction of
// a full store) skips up to tens of thousands of holes, 50 to 200 µs per delivery (measured).
import { MAX_KEY_LENGTH, storageKey } from './key.js';
import { durationMs, type ClaimResult, type IdempotencyStore } from './store.js';

/** One insertion-ordered list of slots: claims in progress, or completed keys. */
interface List {
  head: number; // the oldest slot, or NONE
  tail: number; // the newest slot, or NONE
  count: number;
  bytes: number;
}

const NONE = -1;
/** Slots allocated at first (fewer when `maxEntries` is smaller); doubled as needed up to `maxEntries`. */
const FIRST_SLOTS = 1024;

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
   * Slots allocated: the store's bookkeeping besides its Map, at most `maxEntries` and at most
   * twice the most keys it has held at once (1024 at first), whatever the traffic (for tests: a
   * bound on memory that `size` and `bytes` do not show).
   */
  slots(): number;
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

/** Fixed cost counted per entry: its Map entry, its array cells and the strings' headers (an estimate). */
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
  // With the router's constant lease and TTL, insertion order is also expiry order, so sweeps
  // stop at the first live entry of each list.
  const pending: List = { head: NONE, tail: NONE, count: 0, bytes: 0 };
  const done: List = { head: NONE, tail: NONE, count: 0, bytes: 0 };
  const slotOf = new Map<string, number>();
  let slots = Math.min(FIRST_SLOTS, maxEntries);
  // Filled in slot order (a fresh slot is always the next index), so they stay packed arrays.
  const keys: (string | undefined)[] = [];
  const responses: (string | undefined)[] = []; // undefined: a claim
  let expiresAt = new Float64Array(slots); // epoch ms, by `now`
  let tokens = new Float64Array(slots); // a claim's number (its token is that in base 36)
  let sizes = new Float64Array(slots); // bytes counted
  let prev = new Int32Array(slots);
  let next = new Int32Array(slots);
  // Free slots, linked by `next`; the slots from `fresh` on were never used.
  let free = NONE;
  let fresh = 0;
  let nextLapse = Infinity; // no claim in `pending` lapses before this (a lower bound)
  // Tokens only need to differ within this process: a counter, not a UUID.
  let claims = 0;

  const grow = <T extends Float64Array | Int32Array>(array: T, length: number): T => {
    const larger = new (array.constructor as new (length: number) => T)(length);
    larger.set(array);
    return larger;
  };
  /** A slot to fill: a freed one, a fresh one, or one of more slots allocated (at most `maxEntries`). */
  const allocate = (): number => {
    if (free !== NONE) {
      const slot = free;
      free = next[slot]!;
      return slot;
    }
    if (fresh === slots) {
      // Callers made room first, so the slots in use are fewer than maxEntries here.
      slots = Math.min(2 * slots, maxEntries);
      [expiresAt, tokens, sizes, prev, next] = [grow(expiresAt, slots), grow(tokens, slots), grow(sizes, slots), grow(prev, slots), grow(next, slots)];
    }
    return fresh++;
  };
  const listOf = (slot: number) => (responses[slot] === undefined ? pending : done);
  /** Appends `slot` (its fields set) to the newest end of its list. */
  const link = (slot: number) => {
    const list = listOf(slot);
    if (list === pending) nextLapse = Math.min(nextLapse, expiresAt[slot]!);
    prev[slot] = list.tail;
    next[slot] = NONE;
    if (list.tail === NONE) list.head = slot;
    else next[list.tail] = slot;
    list.tail = slot;
    list.count++;
    list.bytes += sizes[slot]!;
  };
  /** Takes `slot` out of its list (it keeps its key and fields). */
  const unlink = (slot: number) => {
    const list = listOf(slot);
    const before = prev[slot]!;
    const after = next[slot]!;
    if (before === NONE) list.head = after;
    else next[before] = after;
    if (after === NONE) list.tail = before;
    else prev[after] = before;
    list.count--;
    list.bytes -= sizes[slot]!;
  };
  /** Forgets an unlinked slot: its key, its strings, and the slot itself (freed). */
  const release = (slot: number) => {
    slotOf.delete(keys[slot]!);
    keys[slot] = undefined;
    responses[slot] = undefined;
    next[slot] = free;
    free = slot;
  };
  const drop = (slot: number) => {
    unlink(slot);
    release(slot);
  };
  /** Drops the lapsed entries at the oldest end of `list` (insertion order is expiry order, see above). */
  const sweepList = (list: List, time: number) => {
    while (list.head !== NONE && expiresAt[list.head]! <= time) drop(list.head);
  };
  /** Whether an entry of `size` bytes fits now, or (`claimsOnly`) once every completed key is dropped. */
  const fits = (size: number, claimsOnly = false) => {
    const count = pending.count + (claimsOnly ? 0 : done.count);
    return count < maxEntries && pending.bytes + (claimsOnly ? 0 : done.bytes) + size <= maxBytes;
  };
  /** Frees room for an entry of `size` bytes, or throws a `StoreFullError` (having dropped nothing live). */
  const makeRoom = (time: number, size: number) => {
    if (fits(size)) return;
    // Claims that lapsed behind a live one (leases of different lengths): a full scan, only when
    // one may have lapsed.
    if (time >= nextLapse) {
      nextLapse = Infinity;
      for (let slot = pending.head; slot !== NONE; ) {
        const after = next[slot]!;
        if (expiresAt[slot]! <= time) drop(slot);
        else nextLapse = Math.min(nextLapse, expiresAt[slot]!);
        slot = after;
      }
    }
    // Live claims alone leave no room: refuse rather than evict a claim or grow.
    if (!fits(size, true)) {
      const why = size > maxBytes ? `an entry of ${size} bytes exceeds maxBytes ${maxBytes}` : `it is full of deliveries in progress (${pending.count} claims, ${pending.bytes} bytes; maxEntries ${maxEntries}, maxBytes ${maxBytes})`;
      throw new StoreFullError(`insurance-webhooks: the memory idempotency store cannot take this key: ${why}`);
    }
    while (!fits(size)) drop(done.head);
  };
  const sizeOf = (key: string, response = '') => ENTRY_OVERHEAD_BYTES + 2 * (key.length + response.length);
  /** Fills `slot` (allocated, or unlinked and keeping its key) and links it. */
  const fill = (slot: number, key: string, response: string | undefined, expiry: number, token: number, size: number) => {
    if (keys[slot] === undefined) slotOf.set(key, slot);
    keys[slot] = key;
    responses[slot] = response;
    expiresAt[slot] = expiry;
    tokens[slot] = token;
    sizes[slot] = size;
    link(slot);
  };

  const operations: SynchronousStore = {
    claim(key, leaseMs) {
      durationMs(leaseMs, 'leaseMs');
      const id = storageKey(key);
      const time = now();
      sweepList(done, time);
      sweepList(pending, time);
      const held = slotOf.get(id);
      if (held !== undefined) {
        if (expiresAt[held]! > time) {
          const response = responses[held];
          return response === undefined ? { state: 'in_progress' } : { state: 'done', response };
        }
        drop(held); // lapsed behind a live entry
      }
      const size = sizeOf(id);
      makeRoom(time, size);
      const token = ++claims;
      fill(allocate(), id, undefined, time + leaseMs, token, size);
      return { state: 'claimed', token: token.toString(36) };
    },
    complete(key, token, response, ttlMs) {
      durationMs(ttlMs, 'ttlMs');
      const id = storageKey(key);
      const time = now();
      sweepList(done, time);
      sweepList(pending, time);
      // Whoever holds the key now (this claim, or a newer one after this lease lapsed), the handler
      // has succeeded: the key is handled. Its slot is reused: the Map keeps pointing at it.
      const held = slotOf.get(id);
      if (held !== undefined) unlink(held);
      const size = sizeOf(id, response);
      try {
        makeRoom(time, size);
      } catch (error) {
        // Not recorded, like a lost write: the claim stays until its lease lapses.
        if (held !== undefined) link(held);
        throw error;
      }
      fill(held ?? allocate(), id, response, time + ttlMs, 0, size); // a completed key needs no token
    },
    release(key, token) {
      const id = storageKey(key);
      const slot = slotOf.get(id);
      if (slot !== undefined && responses[slot] === undefined && tokens[slot]!.toString(36) === token) drop(slot);
    },
    slots: () => slots,
  };

  return {
    get size() {
      return pending.count + done.count;
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
