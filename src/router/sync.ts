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

// RFC 9110 §5.1 (a field name is a token) and §5.5 (a field value has no CR, LF or NUL): what
// Node's setHeader and the Web Response constructor refuse to write.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * `respond`'s answer, checked before an adapter writes it: one that cannot be written (a header
 * with a line break, a status outside 200–599, which the Web Response refuses) would throw in the
 * adapter's writer, after the decision, where nothing reports it and the Node adapter never
 * answers. Thrown here, it is reported and answered 500 (retryable) like any failure of user code
 * the router calls. A decision: the provider docs say nothing of custom answers.
 */
function writable(answer: WebhookResponse): WebhookResponse {
  const { status, headers, body } = (answer ?? {}) as Partial<WebhookResponse>;
  let fault: string | undefined;
  if (!Number.isInteger(status) || status! < 200 || status! > 599) fault = `status ${String(status).slice(0, 20)} is not a whole number in 200–599`;
  else if (typeof body !== 'string') fault = 'its body is not a string';
  else if (headers === null || typeof headers !== 'object') fault = 'its headers are not an object';
  else {
    const bad = Object.keys(headers).find((name) => !TOKEN.test(name) || typeof headers[name] !== 'string' || !FIELD_VALUE.test(headers[name]));
    if (bad !== undefined) fault = `header ${JSON.stringify(bad.slice(0, 40))} has an invalid name or value`;
  }
  if (fault === undefined) return answer;
  throw new TypeError(`insurance-webhooks: sync.respond returned an answer that cannot be written: ${fault}`);
}

/** The options with their defaults; a `respond` of the user's is checked (`writable`). */
export function syncSettings(options: SyncOptions = {}) {
  const { deadlineMs = 3000, onDeadline = 'block', respond: given } = options;
  const respond = given ? (decision: SyncDecision) => writable(given(decision)) : defaultRespond;
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
