// Deduplication of deliveries. Providers retry and duplicate (Axitech says so; CoverKit retries for
// a day): a store remembers which delivery ids were handled, and the response they got.

export type ClaimResult =
  | { state: 'claimed'; token: string }
  | { state: 'in_progress' }
  | { state: 'done'; response: string };

/**
 * Where handled delivery ids live. `claim` must be atomic across every instance that shares the
 * store: exactly one concurrent caller gets `claimed`.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for `leaseMs` (after which a crashed holder's claim lapses). Rejects when it cannot
   * answer (store down, full of live claims, invalid `leaseMs`): the router then answers 503.
   */
  claim(key: string, leaseMs: number): Promise<ClaimResult>;
  /**
   * Marks `key` handled for `ttlMs`, remembering the response duplicates get. If it rejects (or its
   * write is lost) the claim lapses after its lease and a later duplicate runs again: handling is
   * at-least-once, exactly-once only when this write is durable (README, "Idempotency").
   */
  complete(key: string, token: string, response: string, ttlMs: number): Promise<void>;
  /**
   * Gives up a claim (the handler failed), so the provider's retry runs the handler again. Only a
   * claim still in progress with this `token` is removed: an unknown key, a newer claim or a
   * completed key is left as it is.
   */
  release(key: string, token: string): Promise<void>;
}

export const newToken = (): string => globalThis.crypto.randomUUID();

/**
 * Checks a lease or TTL in milliseconds: a finite number above 0. `NaN` (an unset environment
 * variable), 0 or a negative value would make every claim lapse at once, so duplicates would run
 * concurrently without any error: a `RangeError` instead, which the router answers 503.
 *
 * @example
 * durationMs(300_000, 'leaseMs'); // 300000
 * durationMs(Number(undefined), 'leaseMs'); // throws RangeError
 */
export function durationMs(ms: number, name: 'leaseMs' | 'ttlMs'): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`insurance-webhooks: the idempotency ${name} must be a finite number of milliseconds above 0, not ${String(ms)}`);
  }
  return ms;
}
