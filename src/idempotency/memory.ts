import { newToken, type ClaimResult, type IdempotencyStore } from './store.js';

interface Entry {
  token: string;
  response: string | undefined; // undefined while in progress
  expiresAt: number;
}

export interface MemoryStoreOptions {
  /** Most ids kept; beyond it the oldest are dropped first. Default 100 000. */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The embedded default: one process, entries expire after their TTL. Behind a load balancer use a
 * shared store (`insurance-webhooks/redis`), or duplicates may reach two instances.
 *
 * @example
 * const webhooks = createWebhooks({ providers: { kasko: { secret } }, idempotency: { store: memoryStore() } });
 */
export function memoryStore(options: MemoryStoreOptions = {}): IdempotencyStore & { readonly size: number } {
  const { maxEntries = 100_000, now = Date.now } = options;
  // Map order is insertion order; entries are re-inserted when they change, so the oldest expiry
  // comes first and a sweep stops at the first live entry.
  const entries = new Map<string, Entry>();
  const sweep = (time: number) => {
    for (const [key, entry] of entries) {
      if (entry.expiresAt > time && entries.size <= maxEntries) break;
      entries.delete(key);
    }
  };
  const put = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
  };
  return {
    get size() {
      return entries.size;
    },
    async claim(key, leaseMs): Promise<ClaimResult> {
      const time = now();
      sweep(time);
      const entry = entries.get(key);
      if (entry && entry.expiresAt > time) {
        return entry.response === undefined ? { state: 'in_progress' } : { state: 'done', response: entry.response };
      }
      const token = newToken();
      put(key, { token, response: undefined, expiresAt: time + leaseMs });
      return { state: 'claimed', token };
    },
    async complete(key, token, response, ttlMs) {
      put(key, { token, response, expiresAt: now() + ttlMs });
    },
    async release(key, token) {
      if (entries.get(key)?.token === token) entries.delete(key);
    },
  };
}
