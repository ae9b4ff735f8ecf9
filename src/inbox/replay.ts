// Re-validation of a stored body, without its signature: the signature was verified at capture
// (and an Axitech timestamp would be outside its window by now). Used by workers (the typed event
// handlers get) and by replays after a schema fix and `npm run generate`.
import { WebhookError } from '../core/errors.js';
import type { WebhookEvent } from '../core/event.js';
import { decodeEvent } from '../core/receive.js';
import { providerDefinition } from '../receive.js';
import type { InboxRecord, InboxStore, Revalidation } from './types.js';

/** Refusals after the signature: the body is authentic, our schema or catalog may be at fault. */
const KEPT = new Set(['header_missing', 'header_invalid', 'payload_malformed', 'payload_invalid']);

/**
 * Parses and validates a stored delivery with the schemas this build has. `event` when it is
 * valid; otherwise the state it belongs in (`invalid` or `unknown`) and why.
 *
 * @example
 * const { revalidation, event } = revalidate(await store.get(id));
 */
export function revalidate(
  record: Pick<InboxRecord, 'provider' | 'headers' | 'body' | 'method' | 'url'>,
  options: { strict?: boolean } = {},
): { revalidation: Revalidation; event?: WebhookEvent } {
  try {
    const event = decodeEvent(providerDefinition(record.provider), { body: record.body, headers: record.headers, method: record.method, ...(record.url !== null ? { url: record.url } : {}) }, options.strict);
    return { event, revalidation: { eventType: event.type, deliveryId: event.deliveryId ?? null, validation: { ok: true }, state: 'pending' } };
  } catch (error) {
    if (!(error instanceof WebhookError) || !(KEPT.has(error.code) || error.code === 'event_unknown')) throw error;
    return {
      revalidation: {
        eventType: error.type ?? null,
        deliveryId: error.deliveryId ?? null,
        validation: { ok: false, code: error.code, errors: error.errors ?? [{ path: '', message: error.message }] },
        state: error.code === 'event_unknown' ? 'unknown' : 'invalid',
      },
    };
  }
}

export interface ReplayResult {
  /** False when there is no such delivery, or it is `processing` or `sync`. */
  replayed: boolean;
  /** Where it now stands: `pending` (valid: workers will run it), or `invalid`/`unknown` again. */
  state?: Revalidation['state'];
  validation?: Revalidation['validation'];
}

/**
 * Re-validates a delivery with this build's schemas and puts it back in line: `pending` (attempts
 * 0) when it validates, otherwise it stays `invalid`/`unknown` with the new errors. Any state but
 * `processing` and `sync`: replaying a `handled` delivery runs its handlers again. Rejects when the
 * store does.
 *
 * @example
 * await replayDelivery(store, '0b7c…'); // { replayed: true, state: 'pending', validation: { ok: true } }
 */
export async function replayDelivery(store: InboxStore, id: string, options: { strict?: boolean } = {}): Promise<ReplayResult> {
  const record = await store.get(id);
  if (!record || record.state === 'processing' || record.state === 'sync') return { replayed: false };
  const { revalidation } = revalidate(record, options);
  const replayed = await store.replay(id, revalidation);
  return replayed ? { replayed, state: revalidation.state, validation: revalidation.validation } : { replayed };
}
