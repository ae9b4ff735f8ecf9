// When a failed delivery is tried again: exponential backoff with a cap and a maximum number of
// attempts, then the dead letter state (docs/inbox.md, "Workers"). The defaults are a decision: 10 s
// doubling to a 1 h cap, 40 attempts, so 31.4 h of waiting before `dead` (15.7 h at the least with
// jitter), about CoverKit's own ~27 h budget (1 min, 5 min, 30 min, 2 h, 24 h: README, "Never lose
// an authentic delivery"), which is what a provider would have given the delivery without an inbox.
import { UsageError } from '../core/errors.js';

export interface RetryPolicy {
  /** Delay before the second attempt, in ms. Default 10 000. */
  baseMs?: number;
  /** Longest delay between attempts, in ms. Default 3 600 000 (1 h). */
  maxMs?: number;
  /** Attempts before `dead` (a claim whose worker died counts). Default 40. */
  maxAttempts?: number;
  /** Randomise each delay to 50–100 % of it, so deliveries failed together do not retry together. Default true. */
  jitter?: boolean;
}

export const DEFAULT_RETRY: Required<RetryPolicy> = { baseMs: 10_000, maxMs: 3_600_000, maxAttempts: 40, jitter: true };

/** The policy with defaults filled in; a UsageError for values that would retry forever or never. */
export function retryPolicy(policy: RetryPolicy = {}): Required<RetryPolicy> {
  const full = { ...DEFAULT_RETRY, ...policy };
  for (const name of ['baseMs', 'maxMs'] as const) {
    if (!(Number.isFinite(full[name]) && full[name] >= 0)) throw new UsageError(`insurance-webhooks: inbox.retry.${name} must be a finite number ≥ 0 (got ${String(full[name])})`);
  }
  if (!(Number.isInteger(full.maxAttempts) && full.maxAttempts >= 1)) throw new UsageError(`insurance-webhooks: inbox.retry.maxAttempts must be an integer ≥ 1 (got ${String(full.maxAttempts)})`);
  return full;
}

/**
 * Milliseconds to wait after failed attempt number `attempt` (1-based): `baseMs · 2^(attempt−1)`,
 * at most `maxMs`, times a random 0.5–1 with jitter.
 *
 * @example
 * retryDelay(3, { baseMs: 1000, maxMs: 60_000, jitter: false }); // 4000
 */
export function retryDelay(attempt: number, policy: RetryPolicy = {}): number {
  const { baseMs, maxMs, jitter } = { ...DEFAULT_RETRY, ...policy };
  const delay = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 52));
  return jitter ? delay * (0.5 + Math.random() / 2) : delay;
}
