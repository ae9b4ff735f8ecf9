// A Redis idempotency store, shared by every instance behind a load balancer (README, "Idempotency").
import { storageKey } from './key.js';
import { durationMs, newToken, type ClaimResult, type IdempotencyStore } from './store.js';

export interface RedisStoreOptions {
  /** Sends one command (e.g. `['SET', key, value, 'NX', 'PX', '1000']`) and resolves with Redis's reply. */
  send(args: string[]): Promise<unknown>;
  /** Key prefix. Default `insurance-webhooks:`. */
  prefix?: string;
  /**
   * After recording a handled delivery, `WAIT` until this many replicas have it, for at most
   * `timeoutMs` (keep it below the router's `idempotency.timeoutMs`). With fewer, `complete()`
   * rejects: the router reports it (the answer stays 2xx) and the record may be lost on a failover.
   * Default: no WAIT (replication is asynchronous: README, "Idempotency").
   */
  wait?: { replicas: number; timeoutMs: number };
}

const PENDING = 'pending:';
const DONE = 'done:';
// Deletes the key only if it still holds our claim (a lapsed lease may have been re-claimed).
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * A Redis idempotency store, shared by every instance behind a load balancer. Takes a function that
 * sends one Redis command, so it works with any client and adds no dependency.
 *
 * Keys are `prefix` + the idempotency key, or `prefix` + `sha256:<hex>` when the key is longer
 * than `MAX_KEY_LENGTH` (`storageKey`), so a 16 KB delivery id is not sent and kept on every
 * delivery. Rejects with whatever `send` rejects with (answered 503 by the router), with a
 * `RangeError` for a lease or TTL that is not a finite number of ms above 0, and (with `wait`) when
 * too few replicas acknowledge a completion. Throws a `RangeError` at once for a `wait` whose
 * `replicas` or `timeoutMs` is not an integer ≥ 1.
 *
 * @example
 * import { createClient } from 'redis';
 * import { redisStore } from 'insurance-webhooks/redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = redisStore({ send: (args) => client.sendCommand(args) });
 * // ioredis: redisStore({ send: ([command, ...rest]) => redis.call(command!, ...rest) })
 */
export function redisStore(options: RedisStoreOptions): IdempotencyStore {
  const { send, prefix = 'insurance-webhooks:', wait } = options;
  // WAIT with a timeout of 0 blocks forever.
  if (wait && !(Number.isInteger(wait.replicas) && wait.replicas >= 1 && Number.isInteger(wait.timeoutMs) && wait.timeoutMs >= 1)) {
    throw new RangeError('insurance-webhooks: redisStore wait needs integers replicas ≥ 1 and timeoutMs ≥ 1');
  }
  const ms = (value: number, name: 'leaseMs' | 'ttlMs') => String(Math.max(1, Math.ceil(durationMs(value, name))));
  return {
    async claim(key, leaseMs): Promise<ClaimResult> {
      const lease = ms(leaseMs, 'leaseMs');
      const id = prefix + storageKey(key);
      const token = newToken();
      for (let attempt = 0; attempt < 3; attempt++) {
        const set = await send(['SET', id, PENDING + token, 'NX', 'PX', lease]);
        if (set === 'OK') return { state: 'claimed', token };
        const value = await send(['GET', id]);
        if (typeof value === 'string') {
          return value.startsWith(DONE) ? { state: 'done', response: value.slice(DONE.length) } : { state: 'in_progress' };
        }
        // The key expired between SET and GET: try to claim again.
      }
      return { state: 'in_progress' };
    },
    async complete(key, _token, response, ttlMs) {
      await send(['SET', prefix + storageKey(key), DONE + response, 'PX', ms(ttlMs, 'ttlMs')]);
      if (!wait) return;
      const acknowledged = Number(await send(['WAIT', String(wait.replicas), String(wait.timeoutMs)]));
      if (!(acknowledged >= wait.replicas)) {
        throw new Error(`insurance-webhooks: ${acknowledged} of ${wait.replicas} Redis replicas acknowledged the handled delivery within ${wait.timeoutMs} ms`);
      }
    },
    async release(key, token) {
      await send(['EVAL', RELEASE, '1', prefix + storageKey(key), PENDING + token]);
    },
  };
}
