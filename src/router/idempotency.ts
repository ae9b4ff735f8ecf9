// Deduplication across every instance that shares a store: claim before the handlers run, record
// the answer when they succeed, release the claim when they fail (README, "Idempotency").
import type { Provider, WebhookEvent } from '../core/event.js';
import type { ClaimResult, IdempotencyStore } from '../idempotency/store.js';
import { SYNCHRONOUS, type SynchronousStore } from '../idempotency/memory.js';
import { signedDigest } from '../core/signed.js';
import { providerDefinition } from '../root-api.js';
import { inProgress, replay, storeUnavailable, type WebhookResponse } from './responses.js';
import { within } from './timing.js';

export interface IdempotencyOptions {
  /** Default: an in-memory store (one process). */
  store?: IdempotencyStore;
  /** How long a handled delivery id is remembered. Default 3 days (CoverKit retries for up to ~27 h). */
  ttlSeconds?: number;
  /** How long a claim lasts if its process dies mid-handler. Default 5 minutes. */
  leaseSeconds?: number;
  /** The key of a delivery; undefined skips deduplication for it. Default `defaultIdempotencyKey`. */
  key?: (event: WebhookEvent) => string | undefined;
  /**
   * Longest a store call may take before the delivery is answered 503 (retryable). Default 2000 ms:
   * a client that queues commands while its server is down must not hang the request.
   */
  timeoutMs?: number;
}

/**
 * The key `createWebhooks` deduplicates by, chosen so that only what the signature covers decides
 * what is a duplicate (README, "Threat model"):
 * - where the delivery id is an unsigned header (KASKO `X-KASKO-Delivery`, InsurUp
 *   `x-webhook-delivery`), the event type and the SHA-256 of the signed body (not the MAC, so a
 *   rotation of secrets does not make a retry new): a captured body replayed under a fresh id is a
 *   duplicate, and an old body sent under a genuine delivery's id does not make the genuine retry
 *   look like a replay. Sync events (their answer is a decision made now) and unsigned deliveries
 *   keep the delivery id;
 * - where the delivery id is signed (CoverKit's envelope `id`), that id;
 * - where there is none (Axitech), what its provider module derives from the signed body
 *   (`event_type` + `data.sessionId` + `created_at`).
 * Undefined when none applies: the delivery is not deduplicated.
 *
 * @example
 * createWebhooks({ providers, idempotency: { key: (event) => `tenant-7:${defaultIdempotencyKey(event)}` } });
 */
export function defaultIdempotencyKey(event: { provider: Provider; type?: string | undefined; deliveryId?: string | undefined; payload: unknown }): string | undefined {
  return keyOf(event, () => signedDigest(event));
}

/**
 * `defaultIdempotencyKey` with the body's digest given (`digest`, called only when needed): for an
 * authentic delivery that did not become an event (kept by onInvalid), whose body the router has.
 */
export function keyOf(delivery: { provider: Provider; type?: string | undefined; deliveryId?: string | undefined; payload: unknown }, digest: () => string | undefined): string | undefined {
  const { provider, type, deliveryId, payload } = delivery;
  const definition = providerDefinition(provider);
  const { transport, events } = definition.catalog;
  if (transport.deliveryId?.in === 'header') {
    const sync = type !== undefined && Object.hasOwn(events, type) && (events as Record<string, { delivery: string }>)[type]!.delivery === 'sync';
    const hash = sync ? undefined : digest();
    if (hash !== undefined) return `${provider}:${type ?? ''}:${hash}`;
  }
  if (deliveryId) return `${provider}:${deliveryId}`;
  const key = definition.bodyIdempotencyKey(payload);
  return key === undefined ? undefined : `${provider}:${key}`;
}

/** The `{ status, body }` a completed claim stored, or undefined when the record is not one. */
function storedAnswer(record: string): Pick<WebhookResponse, 'status' | 'body'> | undefined {
  try {
    const { status, body } = JSON.parse(record) as Partial<WebhookResponse>;
    // Only 2xx answers are ever completed: anything else is not ours to replay.
    return Number.isInteger(status) && status! >= 200 && status! < 300 && typeof body === 'string' ? { status: status!, body } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records `settle`'s answer: a 2xx completes the key, anything else releases it. Returns a Promise
 * to await when the store is asynchronous, nothing when the record is already made.
 */
export type Settle = (response: WebhookResponse) => Promise<void> | void;

const noSettle: Settle = () => {};

/** The synchronous operations of a store that has them (the memory store), else undefined. */
const synchronousOf = (store: IdempotencyStore): SynchronousStore | undefined => (store as { [SYNCHRONOUS]?: SynchronousStore })[SYNCHRONOUS];

/**
 * Runs `work` at most once per key across every instance sharing the store: a duplicate of a
 * finished delivery gets the first answer, one still running elsewhere a 409, a store that does not
 * answer a 503. `work` calls `settle` with its answer. Store failures after the work are reported,
 * never turned into a 5xx: answering 5xx after a success would run it twice. The answer comes
 * without a Promise when the store is synchronous (the memory store) and `work` answered so.
 */
export function once(
  store: IdempotencyStore | undefined,
  options: IdempotencyOptions,
  key: string | undefined,
  report: (error: unknown) => void,
  work: (settle: Settle) => WebhookResponse | Promise<WebhookResponse>,
): WebhookResponse | Promise<WebhookResponse> {
  if (!store || key === undefined) return work(noSettle);
  const leaseMs = (options.leaseSeconds ?? 300) * 1000;
  const ttlMs = (options.ttlSeconds ?? 3 * 86_400) * 1000;
  const sync = synchronousOf(store);
  if (sync) {
    // The memory store: no I/O, so no time-out and no Promise per call (the same outcomes).
    let claim: ClaimResult;
    try {
      claim = sync.claim(key, leaseMs);
    } catch (error) {
      report(error);
      return storeUnavailable();
    }
    if (claim.state !== 'claimed') return answerTo(claim, report);
    const { token } = claim;
    return work((response) => {
      try {
        if (response.status < 300) sync.complete(key, token, JSON.stringify({ status: response.status, body: response.body }), ttlMs);
        else sync.release(key, token);
      } catch (error) {
        report(error);
      }
    });
  }
  return onceAsync(store, options, key, report, work, leaseMs, ttlMs);
}

/** The answer to a claim that was not granted: the stored answer replayed, or 409 while it runs elsewhere. */
function answerTo(claim: Exclude<ClaimResult, { state: 'claimed' }>, report: (error: unknown) => void): WebhookResponse {
  if (claim.state === 'in_progress') return inProgress();
  const stored = storedAnswer(claim.response);
  if (stored) return replay(stored.status, stored.body);
  // Not an answer this package stored (a shared store, a corrupt record): a store fault, retryable.
  report(new Error('the idempotency store returned a record that is not a stored answer'));
  return storeUnavailable();
}

/** `once` for a store that does I/O (Redis, your own): every call bounded by `timeoutMs`. */
async function onceAsync(
  store: IdempotencyStore,
  options: IdempotencyOptions,
  key: string,
  report: (error: unknown) => void,
  work: (settle: Settle) => WebhookResponse | Promise<WebhookResponse>,
  leaseMs: number,
  ttlMs: number,
): Promise<WebhookResponse> {
  const timeout = options.timeoutMs ?? 2000;
  let claim: ClaimResult;
  try {
    claim = await within(store.claim(key, leaseMs), timeout, 'the idempotency store');
  } catch (error) {
    report(error);
    return storeUnavailable();
  }
  if (claim.state !== 'claimed') return answerTo(claim, report);
  const { token } = claim;
  return work(async (response) => {
    try {
      if (response.status < 300) await within(store.complete(key, token, JSON.stringify({ status: response.status, body: response.body }), ttlMs), timeout, 'the idempotency store');
      else await within(store.release(key, token), timeout, 'the idempotency store');
    } catch (error) {
      report(error);
    }
  });
}
