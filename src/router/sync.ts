// Sync events (InsurUp `proposal_premium.purchasing`): the answer is the decision. Handlers return
// allow() or block(); past the deadline, or when they fail or the payload cannot be read, the
// configured fallback answers (README, "Sync events").
import type { WebhookEvent } from '../core/event.js';
import { json, type WebhookResponse } from './responses.js';
import { DEADLINE, deadline } from './timing.js';
import type { Handler } from './types.js';

/** The answer to a sync event: let the operation go ahead, or block it. */
export type SyncDecision = { allow: true } | { allow: false; reason: string };
/** Let the purchase (or other sync operation) go ahead. */
export const allow = (): SyncDecision => ({ allow: true });
/** Block the operation, with a reason the provider can show. */
export const block = (reason: string): SyncDecision => ({ allow: false, reason });

export interface SyncOptions {
  /** Longest a sync handler may take before the answer is given without it. Default 3000 ms. */
  deadlineMs?: number;
  /** The decision when the deadline passes, a handler fails or the payload is invalid. Default `block` (fail closed). */
  onDeadline?: 'allow' | 'block';
  /** Maps a decision to the HTTP answer. Default: allow → 200 `{"allow":true}`, block → 422 `{"allow":false,"reason":…}`. */
  respond?: (decision: SyncDecision) => WebhookResponse;
}

const defaultRespond = (decision: SyncDecision): WebhookResponse =>
  decision.allow ? json(200, { allow: true }) : json(422, { allow: false, reason: decision.reason });

/** The options with their defaults. */
export function syncSettings(options: SyncOptions = {}) {
  const { deadlineMs = 3000, onDeadline = 'block', respond = defaultRespond } = options;
  return { deadlineMs, respond, fallback: (reason: string): SyncDecision => (onDeadline === 'allow' ? allow() : block(reason)), onDeadline };
}

/**
 * Runs the handlers (any block wins; nothing returned allows) within the deadline and answers the
 * decision; on a deadline or a failure, the fallback, after `report`ing why.
 */
export async function decide(event: WebhookEvent, handlers: readonly Handler<never>[], options: SyncOptions | undefined, report: (error: unknown) => void): Promise<WebhookResponse> {
  const { deadlineMs, respond, fallback, onDeadline } = syncSettings(options);
  // A block already returned stands whatever happens next: a later handler's failure or slowness
  // must not turn a fraud check's block into the fallback (which may be allow).
  let blocked: SyncDecision | undefined;
  const run = async (): Promise<SyncDecision> => {
    for (const handler of handlers) {
      const result = (await handler(event as never)) as SyncDecision | undefined;
      if (result && result.allow === false) blocked ??= result;
    }
    return blocked ?? allow();
  };
  const timer = deadline(deadlineMs);
  try {
    const decision = await Promise.race([run(), timer.promise]);
    if (decision !== DEADLINE) return respond(decision);
    report(new Error(`sync handler for ${event.type} exceeded ${deadlineMs} ms; answered ${blocked ? 'the block already decided' : onDeadline}`));
  } catch (error) {
    report(error);
  } finally {
    timer.cancel();
  }
  return respond(blocked ?? fallback('the decision could not be made in time'));
}
