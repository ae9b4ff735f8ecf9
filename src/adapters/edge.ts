// The receiving edge, written once (as octokit's create-middleware and Hono's serve-static take
// their runtime pieces as parameters): pick the provider → 404, method → 405, read the raw body
// with a limit → 413, or 500 when a framework read it first → `webhooks.handle()`. Each adapter
// supplies only "read the raw body" and "write the answer", so all four answer the same situation
// with the same status and body, and every refusal is reported the way the router reports its own.
import type { Provider } from '../core/event.js';
import { printable } from '../core/validation.js';
import type { HeaderBag } from '../core/incoming.js';
import { adapterFailed, methodNotAllowed, notFound, rawBodyUnavailable, tooLarge, type WebhookResponse } from '../router/responses.js';
import type { Webhooks } from '../router/webhooks.js';

/** One provider, or a function choosing it from the request (e.g. from its path); undefined is a 404. */
export type ProviderSelector<R> = Provider | ((request: R) => Provider | string | undefined);

/** What reading the body gave. */
export type BodyRead =
  | { body: Uint8Array | string }
  /** More than `limit` bytes: the adapter stopped reading (`limit`: a framework's own, when it was that). */
  | { tooLarge: true; limit?: number }
  /** A framework's parser read the body first: its raw bytes are gone. `fix` says what to change. */
  | { consumed: string; fix: string };

/** What an adapter tells the edge about one request. */
export interface EdgeRequest {
  method: string | undefined;
  /** Path and query as the server saw them (Axitech signs them). */
  url: string | undefined;
  headers: HeaderBag;
  /**
   * Reads the raw body, stopping past `limit` bytes, and calls `done` once with what it read, or
   * with `undefined` when the client went away mid-body (a throw before `done` counts as that).
   * Calls it at once when the body is already at hand (Express, Fastify). A callback rather than a
   * Promise: one Promise per request at most, where there were three (measured on Node at 1–4 µs
   * of server CPU per request, within one run's spread: docs/benchmarks.md, issue 15, fifth pass).
   */
  read(limit: number, done: (read: BodyRead | undefined) => void): void;
}

/** The answer, or `gone`: the client left mid-body, so there is no one to answer. */
export type EdgeOutcome = { response: WebhookResponse; discardRest?: boolean } | { gone: true };

/** A refusal made at the edge, before `handle()`: reported like the router's (a 4xx as a warning). */
export class EdgeRefusal extends Error {
  override readonly name = 'EdgeRefusal';
  constructor(
    readonly code: 'not_found' | 'method_not_allowed' | 'body_too_large' | 'raw_body_unavailable' | 'adapter_failed',
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reports a refusal made at the edge (onError, or the logger) and records it as a delivery
 * (onDelivery, OpenTelemetry), timed from `since` when the request was timed.
 */
function refuse(webhooks: Webhooks, refusal: EdgeRefusal, context: { provider: Provider | undefined }, since?: number): void {
  webhooks.report(refusal, context);
  webhooks.observeEdge(context.provider, refusal, since);
}

/** The provider a selector picks for `request`. */
export const selectProvider = <R>(select: ProviderSelector<R>, request: R): string | undefined => (typeof select === 'function' ? select(request) : select);

/**
 * Runs the edge for one request and calls `answer` once with its outcome: at once where nothing had
 * to wait (a refusal before the body, a body already at hand and a synchronous `handle()`), else
 * when the body has arrived or the handlers have finished. Never throws for the request's sake: a
 * body that cannot be read is `gone`, a failure after it an `adapter_failed` 500, and `handle()`
 * never rejects; what `answer` itself throws is passed on.
 *
 * @example
 * receiveAtEdge(webhooks, 'kasko', { method: req.method, url: req.url, headers: req.headers, read: (limit, done) => readRawBody(req, limit, done) }, (outcome) => writeOutcome(req, res, outcome));
 */
export function receiveAtEdge(webhooks: Webhooks, provider: string | undefined, request: EdgeRequest, answer: (outcome: EdgeOutcome) => void): void {
  const since = webhooks.observing ? performance.now() : undefined;
  if (!webhooks.serves(provider)) {
    refuse(webhooks, new EdgeRefusal('not_found', 404, `no webhook provider at ${request.method ?? 'POST'} ${request.url ?? '/'}`.slice(0, 200)), { provider: undefined }, since);
    return answer({ response: notFound() });
  }
  if (request.method !== undefined && request.method.toUpperCase() !== 'POST') {
    refuse(webhooks, new EdgeRefusal('method_not_allowed', 405, `${request.method.slice(0, 20)} is not POST`), { provider }, since);
    return answer({ response: methodNotAllowed() });
  }
  const limit = webhooks.maxBodyBytes(provider);
  let read = false;
  // Left true when `answer` threw: that throw, and only that, is passed on.
  let writing = false;
  const afterReading = (body: BodyRead | undefined): void => {
    if (read) return; // a reader that calls twice: the first call decided
    read = true;
    let outcome: EdgeOutcome | Promise<EdgeOutcome>;
    try {
      outcome = body === undefined ? gone(webhooks, provider, since) : afterRead(webhooks, provider, request, body, limit, since);
    } catch (error) {
      outcome = adapterFailure(webhooks, error);
    }
    // afterRead's Promise never rejects (handle() does not).
    if (outcome instanceof Promise) void outcome.then(answer);
    else {
      writing = true;
      answer(outcome);
      writing = false;
    }
  };
  try {
    request.read(limit, afterReading);
  } catch (error) {
    if (!read) return afterReading(undefined);
    if (writing) throw error; // from `answer`: passed on
    // The reader failed after handing over the body: that call decided, its answer follows (one only).
  }
}

/**
 * The client went away mid-body: nothing was handled, there is no one to answer, and the provider
 * retries. Not a refusal, so not reported; recorded as `aborted`.
 */
function gone(webhooks: Webhooks, provider: Provider, since: number | undefined): EdgeOutcome {
  webhooks.observeEdge(provider, 'aborted', since);
  return { gone: true };
}

function afterRead(webhooks: Webhooks, provider: Provider, request: EdgeRequest, read: BodyRead, limit: number, since: number | undefined): EdgeOutcome | Promise<EdgeOutcome> {
  if ('tooLarge' in read) {
    const applied = read.limit ?? limit;
    refuse(webhooks, new EdgeRefusal('body_too_large', 413, `body is larger than ${applied} bytes`), { provider }, since);
    return { response: tooLarge(applied), discardRest: true };
  }
  if ('consumed' in read) {
    const message = `${read.consumed} read this request's body before the webhook handler, so its raw bytes are gone and the signature cannot be verified. ${read.fix}`;
    refuse(webhooks, new EdgeRefusal('raw_body_unavailable', 500, message), { provider }, since);
    return { response: rawBodyUnavailable(message) };
  }
  const response = webhooks.handleEither(provider, { body: read.body, headers: request.headers, method: request.method, url: request.url });
  return response instanceof Promise ? response.then(outcomeOf) : { response };
}

const outcomeOf = (response: WebhookResponse): EdgeOutcome => ({ response });

/**
 * `receiveAtEdge` for what `prepare` picks from the request, guarded: a selector or url function of
 * the user's that throws (a malformed path through `decodeURIComponent`, say) is a 500, reported,
 * never an unhandled rejection that brings the process down. Returns what `answer` returned, or a
 * Promise of it where the outcome came later (a Promise that rejects if `answer` throws then). One
 * Promise at most per request, and none where the edge answered at once (bench/, part 7).
 *
 * @example
 * const written = atEdge(webhooks, () => ({ provider: selectProvider(select, req), request: { method: req.method, url: req.url, headers: req.headers, read } }), (outcome) => writeOutcome(req, res, outcome));
 */
export function atEdge<T>(webhooks: Webhooks, prepare: () => { provider: string | undefined; request: EdgeRequest }, answer: (outcome: EdgeOutcome) => T): T | Promise<T> {
  let answered = false;
  let value: T | undefined;
  let later: ((outcome: EdgeOutcome) => void) | undefined;
  const onOutcome = (outcome: EdgeOutcome): void => {
    if (later) return later(outcome);
    answered = true;
    value = answer(outcome);
  };
  try {
    const { provider, request } = prepare();
    receiveAtEdge(webhooks, provider, request, onOutcome);
  } catch (error) {
    if (answered) throw error; // from `answer`: passed on as it is
    onOutcome(adapterFailure(webhooks, error));
  }
  if (answered) return value as T;
  return new Promise<T>((resolve, reject) => {
    later = (outcome) => {
      try {
        resolve(answer(outcome));
      } catch (error) {
        reject(error);
      }
    };
  });
}

function adapterFailure(webhooks: Webhooks, error: unknown): EdgeOutcome {
  refuse(webhooks, new EdgeRefusal('adapter_failed', 500, printable(String((error as Error)?.message ?? error), 500)), { provider: undefined });
  return { response: adapterFailed() };
}

/**
 * For a framework error met outside the edge (e.g. its own body limit of `limit` bytes): our
 * answer, reported. Anything but a 413 is a 500: the fault is not the sender's.
 */
export function frameworkRefusal(webhooks: Webhooks, provider: string | undefined, limit: number, error: { statusCode?: number; message?: string; code?: string }): WebhookResponse {
  const context = { provider: webhooks.serves(provider) ? provider : undefined };
  // The client left mid-body: as at the edge, recorded as aborted and not reported (no one listens).
  if (error.code === 'ECONNRESET' || error.code === 'ECONNABORTED' || error.code === 'ERR_STREAM_PREMATURE_CLOSE' || error.message === 'aborted') {
    if (context.provider) webhooks.observeEdge(context.provider, 'aborted', undefined);
    return adapterFailed();
  }
  if (error.statusCode === 413) {
    refuse(webhooks, new EdgeRefusal('body_too_large', 413, `body is larger than ${limit} bytes`), context);
    return tooLarge(limit);
  }
  refuse(webhooks, new EdgeRefusal('adapter_failed', 500, String(error.message ?? error).slice(0, 500)), context);
  return adapterFailed();
}
