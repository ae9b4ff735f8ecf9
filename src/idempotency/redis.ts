/**
 * A Redis idempotency store, shared by every instance behind a load balancer. Takes a function that
 * sends one Redis command, so it works with any client and adds no dependency:
 *
 * @example
 * import { createClient } from 'redis';
 * import { redisStore } from 'insurance-webhooks/redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = redisStore({ send: (args) => client.sendCommand(args) });
 * // ioredis: redisStore({ send: ([command, ...rest]) => redis.call(command!, ...rest) })
 */
import { newToken, type ClaimResult, type IdempotencyStore } from './store.js';

export interface RedisStoreOptions {
  /** Sends one command (e.g. `['SET', key, value, 'NX', 'PX', '1000']`) and resolves with Redis's reply. */
  send(args: string[]): Promise<unknown>;
  /** Key prefix. Default `insurance-webhooks:`. */
  prefix?: string;
}

const PENDING = 'pending:';
const DONE = 'done:';
// Deletes the key only if it still holds our claim (a lapsed lease may have been re-claimed).
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export function redisStore(options: RedisStoreOptions): IdempotencyStore {
  const { send, prefix = 'insurance-webhooks:' } = options;
  return {
    async claim(key, leaseMs): Promise<ClaimResult> {
      const token = newToken();
      for (let attempt = 0; attempt < 3; attempt++) {
        const set = await send(['SET', prefix + key, PENDING + token, 'NX', 'PX', String(Math.max(1, Math.ceil(leaseMs)))]);
        if (set === 'OK') return { state: 'claimed', token };
        const value = await send(['GET', prefix + key]);
        if (typeof value === 'string') {
          return value.startsWith(DONE) ? { state: 'done', response: value.slice(DONE.length) } : { state: 'in_progress' };
        }
        // The key expired between SET and GET: try to claim again.
      }
      return { state: 'in_progress' };
    },
    async complete(key, _token, response, ttlMs) {
      await send(['SET', prefix + key, DONE + response, 'PX', String(Math.max(1, Math.ceil(ttlMs)))]);
    },
    async release(key, token) {
      await send(['EVAL', RELEASE, '1', prefix + key, PENDING + token]);
    },
  };
}
