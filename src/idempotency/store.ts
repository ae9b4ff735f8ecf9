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
  /** Claims `key` for `leaseMs` (after which a crashed holder's claim lapses). */
  claim(key: string, leaseMs: number): Promise<ClaimResult>;
  /** Marks `key` handled for `ttlMs`, remembering the response duplicates get. */
  complete(key: string, token: string, response: string, ttlMs: number): Promise<void>;
  /** Gives up a claim (the handler failed), so the provider's retry runs the handler again. */
  release(key: string, token: string): Promise<void>;
}

export const newToken = (): string => globalThis.crypto.randomUUID();
