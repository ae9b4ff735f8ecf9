// What `createWebhooks({ inbox })` adds to the router: capture a verified delivery durably before
// the 2xx, refuse duplicates by idempotency key at capture, and run the handlers from the inbox in
// workers (docs/inbox.md). src/router/webhooks.ts calls in here at three points and nothing else.
import { UsageError, type WebhookError } from '../core/errors.js';
import type { Provider, WebhookEvent } from '../core/event.js';
import type { HeaderBag, IncomingWebhook } from '../core/incoming.js';
import { json, storeUnavailable, type WebhookResponse } from '../router/responses.js';
import { within } from '../router/timing.js';
import { revalidate } from './replay.js';
import type { RetryPolicy } from './retry.js';
import type { CaptureResult, ClaimedRecord, DeliveryAttempt, InboxCapture, InboxHeaders, InboxStore } from './types.js';
import { InboxWorker, PermanentFailure, type RunScope, type RunWatcher, type WorkOptions } from './worker.js';

export interface InboxOptions {
  /** Where deliveries are kept: `pgliteInbox()`, `postgresInbox()`, or your own `InboxStore`. */
  store: InboxStore;
  /**
   * Run the handlers in this process: a worker starts at the first capture (or at `work()`).
   * Default true. `false` for a process that only receives; run `webhooks.work()` in workers.
   */
  worker?: boolean | WorkOptions;
  /** Backoff and dead letters. Default: 10 s doubling to 1 h, 40 attempts. */
  retry?: RetryPolicy;
  /** Longest a capture may take before the answer is 503 (retryable: nothing was acknowledged). Default 5000 ms. */
  captureTimeoutMs?: number;
}

/** A handler as the router stores it: the event, and with an inbox the attempt. */
type AnyHandler = (event: never, delivery?: DeliveryAttempt) => unknown;

/** A handler-time refusal that makes no sense to retry: the body no longer validates. */
const noLongerValid = (record: ClaimedRecord, state: string) =>
  new PermanentFailure(`the stored body no longer validates (${state}); fix the schema, run npm run generate, then replay ${record.id}`);

/** Headers as a plain object, names lower-cased (a Web `Headers`, Node's, or a plain object). */
export function headersOf(bag: HeaderBag): InboxHeaders {
  const out: InboxHeaders = {};
  const add = (name: string, value: string | string[] | undefined) => {
    if (value === undefined) return;
    const key = name.toLowerCase();
    const previous = out[key];
    out[key] = previous === undefined ? value : ([] as string[]).concat(previous, value);
  };
  const web = bag as { forEach?: (fn: (value: string, name: string) => void) => void };
  if (typeof web.forEach === 'function' && typeof (bag as { get?: unknown }).get === 'function') web.forEach((value, name) => add(name, value));
  else for (const name of Object.keys(bag)) add(name, (bag as Record<string, string | string[] | undefined>)[name]);
  return out;
}

const bytesOf = (body: string | Uint8Array): Uint8Array => (typeof body === 'string' ? new TextEncoder().encode(body) : body);

/** The 202 a captured delivery gets. */
function acknowledgement(fields: Pick<InboxCapture, 'eventType' | 'deliveryId' | 'state'>, id: string): Record<string, unknown> {
  const named = { ...(fields.eventType ? { type: fields.eventType } : {}), ...(fields.deliveryId ? { deliveryId: fields.deliveryId } : {}), inboxId: id };
  if (fields.state === 'pending') return { received: true, queued: true, ...named };
  if (fields.state === 'invalid') return { received: true, handled: false, valid: false, ...named };
  return { received: true, handled: false, ...named };
}

/**
 * The 202 a duplicate gets: what the inbox kept, never the repeat's own fields (a KASKO retry can
 * carry a fresh delivery id header; the kept one has moved on since its capture). A decision:
 * `duplicate: true` and the kept delivery's type, delivery id, inbox id and state now, rather than
 * a copy of its first answer, which no column keeps (docs/inbox.md, "What happens to a delivery").
 */
function duplicateAcknowledgement(kept: CaptureResult): Record<string, unknown> {
  return { received: true, duplicate: true, ...(kept.eventType ? { type: kept.eventType } : {}), ...(kept.deliveryId ? { deliveryId: kept.deliveryId } : {}), inboxId: kept.id, state: kept.state };
}

export class InboxRouter {
  readonly store: InboxStore;
  readonly #options: InboxOptions;
  readonly #handlers: (provider: Provider, type: string) => readonly AnyHandler[];
  readonly #strict: (provider: Provider) => boolean | undefined;
  readonly #report: (error: unknown, provider: Provider | undefined) => void;
  /** The router's observer: each run recorded to `onDelivery` and OpenTelemetry while it observes. */
  readonly #watcher: RunWatcher | undefined;
  /** The in-process worker (started at the first capture), when `worker` is not false. */
  #worker: InboxWorker | undefined;
  /** Every worker started here, for `close()`. */
  readonly #started = new Set<InboxWorker>();

  constructor(
    option: InboxOptions | InboxStore,
    handlers: (provider: Provider, type: string) => readonly AnyHandler[],
    strict: (provider: Provider) => boolean | undefined,
    report: (error: unknown, provider: Provider | undefined) => void,
    watcher?: RunWatcher,
  ) {
    // `inbox: null` (or any non-object) is wrong use, refused below as one: never a TypeError.
    const given = option !== null && typeof option === 'object' ? option : undefined;
    const options: InboxOptions = typeof (given as InboxStore | undefined)?.capture === 'function' ? { store: given as InboxStore } : ((given ?? {}) as InboxOptions);
    const store = options?.store as Partial<InboxStore> | undefined;
    const methods = ['capture', 'claim', 'renew', 'complete', 'fail', 'get', 'list', 'counts', 'replay', 'retry', 'prune', 'close'] as const;
    if (!store || !methods.every((method) => typeof store[method] === 'function')) {
      throw new UsageError(`insurance-webhooks: inbox.store must be an InboxStore (${methods.join(', ')}): pgliteInbox(), postgresInbox() or your own`);
    }
    const timeout = options.captureTimeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new UsageError(`insurance-webhooks: inbox.captureTimeoutMs must be a finite number above 0 (got ${String(timeout)})`);
    this.store = options.store;
    this.#options = options;
    this.#handlers = handlers;
    this.#strict = strict;
    this.#report = report;
    this.#watcher = watcher;
    // Checked now, not at the first capture: a wrong retry option must fail at start-up.
    if (options.worker !== false) this.#worker = this.#newWorker(typeof options.worker === 'object' ? options.worker : {});
  }

  #newWorker(options: WorkOptions): InboxWorker {
    return new InboxWorker(this.store, (record, scope) => this.#run(record, scope), (error, record) => this.#report(error, record?.provider), options, this.#options.retry, this.#watcher);
  }

  /**
   * Stores a delivery and answers 202, before any handler runs; a duplicate (same idempotency key)
   * gets a 202 describing the kept delivery (`duplicate: true`, its ids and state), marked
   * `x-idempotent-replay`. A store that fails or takes longer than `captureTimeoutMs` makes it a
   * 503: nothing was acknowledged, the provider retries.
   */
  async capture(provider: Provider, incoming: IncomingWebhook, fields: Pick<InboxCapture, 'eventType' | 'deliveryId' | 'idempotencyKey' | 'validation' | 'state'>): Promise<WebhookResponse> {
    let result: CaptureResult;
    try {
      result = await within(this.store.capture(this.#delivery(provider, incoming, fields)), this.#options.captureTimeoutMs ?? 5000, 'the inbox');
    } catch (error) {
      this.#report(error, provider);
      return storeUnavailable('the delivery could not be stored');
    }
    // Also on a duplicate: its first capture may have committed after a 503 (a slow store), with no
    // worker started here since.
    // Never restarted once stopped (`worker.stop()`, `close()`: a process draining at shutdown); the
    // delivery is committed and waits for the next worker.
    if ((result.state === 'pending' || result.state === 'retrying') && this.#worker && !this.#worker.stopped) {
      if (!this.#worker.running) this.#started.add(this.#worker.start());
      this.#worker.wake();
    }
    if (result.duplicate) return { status: 202, headers: { 'content-type': 'application/json; charset=utf-8', 'x-idempotent-replay': 'true' }, body: JSON.stringify(duplicateAcknowledgement(result)) };
    return json(202, acknowledgement(fields, result.id));
  }

  /** An authentic delivery that is not a typed event (invalid, unknown type): kept in its own state. */
  keep(provider: Provider, incoming: IncomingWebhook, error: WebhookError, idempotencyKey: string | undefined): Promise<WebhookResponse> {
    const unknown = error.code === 'event_unknown';
    return this.capture(provider, incoming, {
      ...(error.type !== undefined ? { eventType: error.type } : {}),
      ...(error.deliveryId !== undefined ? { deliveryId: error.deliveryId } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      validation: { ok: false, code: error.code, errors: error.errors ?? [{ path: '', message: error.message }] },
      state: unknown ? 'unknown' : 'invalid',
    });
  }

  /**
   * Records a sync event after its inline answer (the answer is the decision, made in the request).
   * Never changes the answer: a store failure is reported only.
   */
  async recordSync(event: WebhookEvent, incoming: IncomingWebhook, idempotencyKey: string | undefined, response: WebhookResponse): Promise<void> {
    try {
      const fields = { eventType: event.type, ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}), ...(idempotencyKey !== undefined ? { idempotencyKey: `sync:${idempotencyKey}` } : {}) };
      const delivery = this.#delivery(event.provider, incoming, { ...fields, validation: { ok: true }, state: 'sync' });
      await within(this.store.capture({ ...delivery, response: { status: response.status, body: response.body } }), this.#options.captureTimeoutMs ?? 5000, 'the inbox');
    } catch (error) {
      this.#report(error, event.provider);
    }
  }

  #delivery(provider: Provider, incoming: IncomingWebhook, fields: Pick<InboxCapture, 'eventType' | 'deliveryId' | 'idempotencyKey' | 'validation' | 'state'>): InboxCapture {
    return {
      provider,
      ...fields,
      method: (incoming.method ?? 'POST').toUpperCase(),
      ...(incoming.url !== undefined ? { url: incoming.url } : {}),
      headers: headersOf(incoming.headers),
      body: bytesOf(incoming.body),
    };
  }

  /**
   * One delivery's handlers, from the stored body re-validated (its signature was checked at
   * capture); `scope`, when the run is observed, wraps them in spans and is told a refusal's code.
   */
  async #run(record: ClaimedRecord, scope: RunScope | undefined): Promise<void> {
    const { event, revalidation } = revalidate(record, { strict: this.#strict(record.provider) });
    if (!event) {
      if (scope) scope.code = revalidation.validation.code;
      throw noLongerValid(record, revalidation.state);
    }
    const attempt: DeliveryAttempt = { id: record.id, attempt: record.attempts, idempotencyKey: record.idempotencyKey ?? record.id, receivedAt: record.receivedAt };
    const handlers = this.#handlers(event.provider, event.type);
    for (const handler of scope ? scope.handlers(handlers, 'webhook.handler') : handlers) await handler(event as never, attempt);
  }

  /**
   * Starts a worker in this process (the in-process one, or a new one with `options`) and returns
   * it; `await worker.stop()` at shutdown.
   */
  work(options?: WorkOptions): InboxWorker {
    const worker = options === undefined && this.#worker ? this.#worker : this.#newWorker(options ?? {});
    // Captures here wake the worker that runs here.
    if (!this.#worker?.running) this.#worker = worker;
    this.#started.add(worker.start());
    return worker;
  }

  /** Stops every worker started here (waiting for their runs to be recorded), then closes the store. */
  async close(): Promise<void> {
    // The in-process worker too when it never started, so a capture after close() does not start it.
    await Promise.all([...new Set([...this.#started, ...(this.#worker ? [this.#worker] : [])])].map((worker) => worker.stop()));
    await this.store.close();
  }
}
