// The router: receive() + handlers + idempotency + the HTTP answer, independent of any framework.
// The handler registry and dispatch live here; deduplication (idempotency.ts), sync decisions
// (sync.ts), answers (responses.ts) and reporting (report.ts) each in their own file. Adapters
// (src/adapters/) only move bytes between their framework and `handle()` (src/adapters/edge.ts).
import { WebhookError, type WebhookErrorCode } from '../core/errors.js';
import { printable } from '../core/validation.js';
import { bodyDigest } from '../core/crypto.js';
import type { EventType, Provider, WebhookEvent } from '../core/event.js';
import type { IncomingWebhook } from '../core/incoming.js';
import type { ProviderDefinition } from '../core/provider.js';
import { defaultBackend } from '../core/crypto.js';
import { checkReceiveOptions, DEFAULT_MAX_BODY_BYTES, receiveEither, UsageError, type ReceiveOptions } from '../core/receive.js';
import { memoryStore } from '../idempotency/memory.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import { providerDefinition, receive } from '../root-api.js';
import { defaultIdempotencyKey, keyOf, once, type IdempotencyOptions, type Settle } from './idempotency.js';
import { Observer, type DeliveryHook, type Observation } from './observe.js';
import { checkTelemetryOption, type TelemetryOption } from './otel.js';
import { Refusal, report, type ErrorHandler } from './report.js';
import * as answer from './responses.js';
import { decide, syncSettings, type SyncOptions } from './sync.js';
import { DEADLINE, deadline } from './timing.js';
import type { ErrorContext, EventOf, Handler, InvalidDelivery, Logger } from './types.js';
import { InboxRouter, type InboxOptions } from '../inbox/router.js';
import type { InboxStore } from '../inbox/types.js';
import type { InboxWorker, WorkOptions } from '../inbox/worker.js';

export interface WebhooksOptions {
  /** `receive()` options (secret, …) for each provider this endpoint accepts. */
  providers: { [P in Provider]?: ReceiveOptions };
  /** Deduplicate deliveries. Default on, in memory; `false` turns it off. */
  idempotency?: IdempotencyOptions | false;
  /** Valid signature but an event type not in the catalog: acknowledge (202, default) or reject (400). */
  unknownEvents?: 'acknowledge' | 'reject';
  /** Status when a handler fails, so the provider retries. Default 500. */
  failureStatus?: 500 | 503;
  /**
   * The answer to an authentic delivery that fails its schema (or is not JSON) when no `onInvalid`
   * handler is registered. `'retry'` (default): `failureStatus`, so the provider retries while the
   * schema is fixed (the fault is most likely ours: the delivery is genuine). `'reject'`: 400.
   * Either way it is reported to `onError` (or the logger). Sync events get the `sync.onDeadline`
   * decision instead.
   */
  invalidPayloads?: 'retry' | 'reject';
  /**
   * Opt-in deadline for async handlers: past it the delivery is answered 503 (retryable) while the
   * handler goes on; its claim is kept until it settles, so a late success is recorded and a retry
   * never runs it twice. Default: none (the request waits for the handler).
   */
  handlerTimeoutMs?: number;
  sync?: SyncOptions;
  /**
   * Where refusals and handler failures go when no `onError` handler is registered. Default
   * `console`; `false` silences it. Called as `logger.warn(fields, message)` (pino's order).
   */
  logger?: Logger | false;
  /**
   * OpenTelemetry spans and metrics (README, "Operating the endpoint"). Default: through
   * `@opentelemetry/api` when the application has it installed (imported once, in the background,
   * from the first `createWebhooks`; nothing is done, nor paid per delivery, when it is not).
   * `{ api }`: this API module (`import * as api from '@opentelemetry/api'`), for a bundle in which
   * the package cannot import it at run time. `false`: none.
   */
  telemetry?: TelemetryOption;
  /**
   * A durable inbox (docs/inbox.md): each verified delivery is stored before the 2xx, duplicates
   * are refused at capture, and the handlers run from the inbox in workers, with retries, dead
   * letters and replay. `{ store: pgliteInbox() }` (embedded) or `{ store: postgresInbox(…) }`.
   */
  inbox?: InboxOptions | InboxStore;
}

/**
 * Refusals that come after the signature check: the body is authentic, the fault is in its content
 * or in our schema, so it is kept (onInvalid) or retried. Not `header_invalid`: the event and
 * delivery headers are not signed, and differing repeats of one are a relabelling to refuse.
 */
const AUTHENTIC: ReadonlySet<WebhookErrorCode> = new Set(['header_missing', 'payload_malformed', 'payload_invalid']);

/**
 * Durations that would silently switch a protection off (a `NaN` lease from an unset variable
 * disables deduplication; a `NaN` deadline never fires) are wrong use, refused at start-up.
 */
function checkOptions(options: WebhooksOptions): void {
  checkDurations(options);
  const choices: [string, unknown, readonly unknown[]][] = [
    ['failureStatus', options.failureStatus, [500, 503]],
    ['invalidPayloads', options.invalidPayloads, ['retry', 'reject']],
    ['unknownEvents', options.unknownEvents, ['acknowledge', 'reject']],
    ['sync.onDeadline', options.sync?.onDeadline, ['allow', 'block']],
  ];
  for (const [name, value, allowed] of choices) {
    // A 400 as failureStatus would make a provider give up on a delivery our handler failed.
    if (value !== undefined && !allowed.includes(value)) throw new UsageError(`insurance-webhooks: ${name} must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')} (got ${JSON.stringify(value)})`);
  }
  const { logger } = options;
  if (logger !== undefined && logger !== false && (typeof logger?.warn !== 'function' || typeof logger.error !== 'function')) {
    throw new UsageError('insurance-webhooks: logger must have warn() and error() (pino, console, …), or be false');
  }
  // Wrong shapes that would otherwise answer every delivery 500 or 503.
  const idempotency = options.idempotency || {};
  const store = idempotency.store as Partial<Record<'claim' | 'complete' | 'release', unknown>> | undefined;
  if (store !== undefined && !(['claim', 'complete', 'release'] as const).every((method) => typeof store?.[method] === 'function')) {
    throw new UsageError('insurance-webhooks: idempotency.store must have claim(), complete() and release() (memoryStore(), redisStore(), or your own)');
  }
  if (idempotency.key !== undefined && typeof idempotency.key !== 'function') throw new UsageError('insurance-webhooks: idempotency.key must be a function of the event');
  if (options.sync?.respond !== undefined && typeof options.sync.respond !== 'function') throw new UsageError('insurance-webhooks: sync.respond must be a function of the decision');
}

function checkDurations(options: WebhooksOptions): void {
  const idempotency = options.idempotency || {};
  const durations: [string, number | undefined][] = [
    ['idempotency.ttlSeconds', idempotency.ttlSeconds],
    ['idempotency.leaseSeconds', idempotency.leaseSeconds],
    ['idempotency.timeoutMs', idempotency.timeoutMs],
    ['handlerTimeoutMs', options.handlerTimeoutMs],
    ['sync.deadlineMs', options.sync?.deadlineMs],
  ];
  for (const [name, value] of durations) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new UsageError(`insurance-webhooks: ${name} must be a finite number above 0 (got ${String(value)})`);
  }
}

/**
 * A secret with leading or trailing whitespace (a newline from a file or a copied value) is used as
 * it is, since a provider may really use one, but it is the commonest cause of `signature_invalid`:
 * said once, at start-up, through the logger. Never the secret itself.
 */
function warnAboutWhitespace(provider: string, options: ReceiveOptions, logger: Logger | false | undefined): void {
  const secrets = options.secret === undefined ? [] : typeof options.secret === 'string' ? [options.secret] : options.secret;
  const padded = secrets.filter((secret) => secret !== secret.trim()).length;
  if (padded === 0 || logger === false) return;
  const target = logger ?? { warn: (fields: object, message: string) => console.warn(`insurance-webhooks: ${message}`, fields) };
  target.warn({ provider, secrets: padded }, `a ${provider} secret has leading or trailing whitespace; if deliveries fail with signature_invalid, trim it`);
}

/** A provider this endpoint serves, resolved once at construction. */
interface Served {
  definition: ProviderDefinition;
  options: ReceiveOptions;
  maxBodyBytes: number;
}

export class Webhooks {
  readonly #options: WebhooksOptions;
  /** By provider name: a Map, so a name taken from a request (`constructor`, `__proto__`) finds nothing. */
  readonly #served = new Map<string, Served>();
  readonly #handlers = new Map<string, Handler<never>[]>();
  readonly #catchAll = new Map<Provider, Handler<never>[]>();
  readonly #unknown: ((error: WebhookError, provider: Provider) => unknown)[] = [];
  readonly #invalid: ((delivery: InvalidDelivery) => unknown)[] = [];
  readonly #errors: ErrorHandler[] = [];
  readonly #store: IdempotencyStore | undefined;
  readonly #observer: Observer;
  readonly #inbox: InboxRouter | undefined;

  constructor(options: WebhooksOptions) {
    if (!options || typeof options.providers !== 'object' || Object.keys(options.providers).length === 0) {
      throw new TypeError('insurance-webhooks: createWebhooks() needs providers: { <provider>: { secret } }');
    }
    // The checks receive() makes on every call, once here: a provider without a secret fails at
    // start-up, not on every delivery.
    for (const [provider, receiveOptions] of Object.entries(options.providers)) {
      if (receiveOptions === undefined) continue;
      const definition = providerDefinition(provider as Provider);
      checkReceiveOptions(definition, receiveOptions);
      warnAboutWhitespace(provider, receiveOptions, options.logger);
      this.#served.set(provider, { definition, options: receiveOptions, maxBodyBytes: receiveOptions.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
    }
    checkOptions(options);
    this.#options = options;
    this.#store = options.idempotency === false ? undefined : (options.idempotency?.store ?? memoryStore());
    this.#observer = new Observer(checkTelemetryOption(options.telemetry));
    this.#inbox = options.inbox === undefined ? undefined : new InboxRouter(
      options.inbox,
      (provider, type) => this.#handlers.get(`${provider}\u0000${type}`) ?? this.#catchAll.get(provider) ?? [],
      (provider) => this.#served.get(provider)?.options.strict,
      (error, provider) => this.report(error, { provider }),
      this.#observer,
    );
  }

  /** The inbox's store, when `inbox` is configured (list, get, replay: docs/inbox.md). */
  get inbox(): InboxStore | undefined {
    return this.#inbox?.store;
  }

  /**
   * Runs the handlers of captured deliveries in this process until `stop()`: for worker processes
   * (`inbox.worker: false` on receivers), or to start the in-process worker before the first
   * capture. A UsageError without an inbox.
   *
   * @example
   * const worker = webhooks.work({ concurrency: 8 });
   * process.on('SIGTERM', () => worker.stop());
   */
  work(options?: WorkOptions): InboxWorker {
    if (!this.#inbox) throw new UsageError('insurance-webhooks: work() needs createWebhooks({ inbox })');
    return this.#inbox.work(options);
  }

  /** Stops this process's inbox workers (waiting for their runs to be recorded) and closes the inbox store. */
  async close(): Promise<void> {
    await this.#inbox?.close();
  }

  /**
   * Handles one event type of one provider; `event` is narrowed to that type.
   *
   * @example
   * webhooks.on('kasko', 'policy.created', async (event) => db.insert(event.payload.policy_id));
   */
  on<P extends Provider, T extends EventType<P>>(provider: P, type: T, handler: Handler<EventOf<P, T>>): this {
    const events = providerDefinition(provider).catalog.events as Record<string, unknown>;
    if (!Object.hasOwn(events, type)) throw new TypeError(`insurance-webhooks: "${type}" is not a ${provider} event`);
    const key = `${provider}\u0000${type}`;
    this.#handlers.set(key, [...(this.#handlers.get(key) ?? []), handler as Handler<never>]);
    return this;
  }

  /** Handles every event of a provider that has no handler of its own type. */
  onAny<P extends Provider>(provider: P, handler: Handler<WebhookEvent<P>>): this {
    providerDefinition(provider);
    this.#catchAll.set(provider, [...(this.#catchAll.get(provider) ?? []), handler as Handler<never>]);
    return this;
  }

  /**
   * Called, and awaited, for authentic deliveries of event types this package does not know
   * (`error.type`, `error.payload`). When it resolves the delivery is acknowledged (202); when it
   * throws, the answer is `failureStatus`, so the provider retries. Without one, such deliveries are
   * acknowledged and reported to `onError`.
   */
  onUnknown(handler: (error: WebhookError, provider: Provider) => unknown): this {
    this.#unknown.push(handler);
    return this;
  }

  /**
   * Called, and awaited, for every authentic delivery that cannot become a typed event: the payload
   * fails its schema, is not JSON, or lacks its event header (`InvalidDelivery`). When it resolves,
   * the delivery is acknowledged (202) and recorded by idempotency like a handled one; when it
   * throws, the answer is `failureStatus`, so the provider retries. Sync events still get the
   * `sync.onDeadline` decision. Without one, see `invalidPayloads`.
   *
   * @example
   * webhooks.onInvalid(async (delivery) => deadLetters.insert({ ...delivery, body: Buffer.from(delivery.body) }));
   */
  onInvalid(handler: (delivery: InvalidDelivery) => unknown): this {
    this.#invalid.push(handler);
    return this;
  }

  /**
   * Called for every refused delivery (a WebhookError or an adapter's refusal) and every handler
   * failure. Must not throw. While none is registered, these go to the `logger` (default `console`).
   */
  onError(handler: (error: unknown, context: ErrorContext) => unknown): this {
    this.#errors.push(handler);
    return this;
  }

  /**
   * Called once per delivery, refusals at the adapter included, with what became of it
   * (`DeliveryRecord`: provider, type, deliveryId, outcome, status, error, durationMs): one log line
   * per delivery is one line of code. Must not throw. Never given a secret, a signature or a payload.
   *
   * @example
   * webhooks.onDelivery((record) => log.info(record, 'webhook delivery'));
   */
  onDelivery(hook: DeliveryHook): this {
    this.#observer.hook(hook);
    return this;
  }

  /** Whether anything observes deliveries (`onDelivery`, OpenTelemetry): adapters time requests only then. */
  get observing(): boolean {
    return this.#observer.active;
  }

  /**
   * Records a request answered at the edge, before `handle()` (a refusal `{ code, status }`, or a
   * client that left mid-body), for `onDelivery` and OpenTelemetry; `since` is `performance.now()`
   * at the request's start. For adapters, after `report()`; nothing happens while not `observing`.
   */
  observeEdge(provider: Provider | undefined, answer: { code: string; status: number } | 'aborted', since?: number): void {
    this.#observer.edge(provider, answer, since);
  }

  /**
   * Reports a refusal or failure the way the router does (onError, or the logger): for adapters,
   * which refuse some requests before `handle()` (413, a body a framework already read).
   */
  report(error: unknown, context: ErrorContext): void {
    report(this.#errors, this.#options.logger, error, context);
  }

  /** Whether this endpoint serves `provider` (own configuration only: `constructor` is no provider). */
  serves(provider: string | undefined): provider is Provider {
    return provider !== undefined && this.#served.has(provider);
  }

  /** The body limit adapters enforce while reading, in bytes, from the provider's receive options. */
  maxBodyBytes(provider: Provider): number {
    return this.#served.get(provider)?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /**
   * Verifies, deduplicates and dispatches one delivery, and says what to answer. Never rejects:
   * 2xx only after the handlers succeeded (or `onInvalid` kept it); a store outage or a failure of
   * ours answers 5xx so the provider retries. A provider this endpoint does not serve is a 404.
   */
  handle(provider: string, incoming: IncomingWebhook): Promise<WebhookResponse> {
    const answered = this.handleEither(provider, incoming);
    return answered instanceof Promise ? answered : Promise.resolve(answered);
  }

  /**
   * `handle()` for adapters: the answer itself where every step was synchronous (Node's crypto, the
   * memory store, handlers that return no Promise), else a Promise of it; never throws or rejects.
   * Each Promise and async frame a delivery does not need is CPU the endpoint does not spend
   * (bench/, part 7).
   *
   * @example
   * const answered = webhooks.handleEither('kasko', { body, headers, method: 'POST', url });
   * const { status, headers: answerHeaders, body: answerBody } = answered instanceof Promise ? await answered : answered;
   */
  handleEither(provider: string, incoming: IncomingWebhook): WebhookResponse | Promise<WebhookResponse> {
    let answered: WebhookResponse | Promise<WebhookResponse>;
    try {
      if (!this.#observer.active) answered = this.#handle(provider, incoming, undefined);
      else answered = this.#observer.deliver(this.serves(provider) ? provider : undefined, (observation) => this.#handle(provider, incoming, observation));
    } catch (error) {
      return this.#internalError(error, provider);
    }
    // Never rejects: a bug of ours or of user code the router calls (a key function, a store's
    // stored answer) is a retryable 500, reported, never an unhandled rejection in an adapter.
    return answered instanceof Promise ? answered.catch((error: unknown) => this.#internalError(error, provider)) : answered;
  }

  #internalError(error: unknown, provider: string): WebhookResponse {
    this.report(error, { provider: this.serves(provider) ? provider : undefined });
    return answer.internalError();
  }

  #handle(provider: string, incoming: IncomingWebhook, observation: Observation | undefined): WebhookResponse | Promise<WebhookResponse> {
    const served = this.#served.get(provider);
    if (!served) {
      this.report(new Refusal('not_found', 404, 'no webhook provider of that name is configured'), { provider: undefined });
      return answer.notFound();
    }
    const name = provider as Provider;
    if (incoming !== null && typeof incoming === 'object' && typeof incoming.method === 'string' && incoming.method.toUpperCase() !== 'POST') {
      this.report(new Refusal('method_not_allowed', 405, `${printable(incoming.method, 20)} is not POST`), { provider: name });
      return answer.methodNotAllowed();
    }
    let received: WebhookEvent | Promise<WebhookEvent>;
    try {
      // Without observation, no Promise where receive()'s work was synchronous (Node's crypto).
      received = observation ? observation.receive(() => receive(name, incoming, served.options)) : receiveEither(defaultBackend, served.definition, incoming, served.options);
    } catch (error) {
      return this.#notReceived(name, incoming, error, observation);
    }
    if (received instanceof Promise) {
      return received.then(
        (event) => this.#received(name, incoming, event, observation),
        (error: unknown) => this.#notReceived(name, incoming, error, observation),
      );
    }
    return this.#received(name, incoming, received, observation);
  }

  /** What receive() refused, or a failure of ours while it ran. */
  #notReceived(name: Provider, incoming: IncomingWebhook, error: unknown, observation: Observation | undefined): WebhookResponse | Promise<WebhookResponse> {
    if (error instanceof WebhookError && this.#inbox && this.#inboxKeeps(name, error)) {
      const key = this.#store ? keyOf({ provider: name, type: error.type, deliveryId: error.deliveryId, payload: error.payload }, () => bodyDigest(incoming.body)) : undefined;
      return this.#inbox.keep(name, incoming, error, key);
    }
    if (error instanceof WebhookError) return AUTHENTIC.has(error.code) ? this.#invalidDelivery(name, incoming, error, observation) : this.#refused(name, incoming, error, observation);
    this.report(error, { provider: name });
    // Wrong use the start-up checks cannot see (an adapter without Axitech's url), or a bug of
    // ours: never the sender's fault, so a retryable 500, never a 4xx.
    return error instanceof UsageError ? answer.configurationError() : answer.internalError();
  }

  /** A verified event: deduplicated, then dispatched (or captured by the inbox). */
  #received(name: Provider, incoming: IncomingWebhook, event: WebhookEvent, observation: Observation | undefined): WebhookResponse | Promise<WebhookResponse> {
    const key = this.#store ? (this.#idempotency.key ?? defaultIdempotencyKey)(event) : undefined;
    if (key !== undefined && typeof key !== 'string') throw new TypeError(`insurance-webhooks: idempotency.key returned a ${typeof key}, not a string or undefined`);
    if (this.#inbox && !this.#isSync(name, event.type)) {
      if (observation) observation.captured = true;
      return this.#inbox.capture(name, incoming, { eventType: event.type, ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}), ...(key !== undefined ? { idempotencyKey: key } : {}), validation: { ok: true }, state: 'pending' });
    }
    const store = observation ? observation.store(this.#store) : this.#store;
    const answered = once(store, this.#idempotency, key, (error) => this.report(error, { provider: name, event }), (settle) => this.#answer(event, settle, observation));
    // Sync events answer inline (the answer is the decision); with an inbox they are recorded too.
    // Not awaited: a slow store must not hold the decision past its deadline (recordSync never rejects).
    return this.#inbox ? Promise.resolve(answered).then((response) => (void this.#inbox!.recordSync(event, incoming, key, response), response)) : answered;
  }

  /** With an inbox: authentic invalid deliveries (not sync ones: those are decided now) and unknown types (unless rejected) are kept in it. */
  #inboxKeeps(provider: Provider, error: WebhookError): boolean {
    if (error.code === 'event_unknown') return this.#options.unknownEvents !== 'reject';
    return AUTHENTIC.has(error.code) && !(error.type !== undefined && this.#isSync(provider, error.type));
  }

  get #idempotency(): IdempotencyOptions {
    return this.#options.idempotency || {};
  }

  get #failureStatus(): number {
    return this.#options.failureStatus ?? 500;
  }

  /**
   * Dispatches and records the outcome (`settle`). With `handlerTimeoutMs`, an async handler that
   * overruns is answered 503 while it goes on; its outcome is still recorded when it settles.
   */
  #answer(event: WebhookEvent, settle: Settle, observation: Observation | undefined): WebhookResponse | Promise<WebhookResponse> {
    const sync = this.#isSync(event.provider, event.type);
    const work = this.#dispatch(event, observation, sync);
    const limit = this.#options.handlerTimeoutMs;
    // Handlers that answered without a Promise have finished: nothing can overrun, so no timer.
    if (!(work instanceof Promise)) return settledWith(settle(work), work);
    if (limit === undefined || sync) return work.then((response) => settledWith(settle(response), response));
    return this.#answerWithin(event, work, settle, limit);
  }

  async #answerWithin(event: WebhookEvent, work: Promise<WebhookResponse>, settle: Settle, limit: number): Promise<WebhookResponse> {
    const timer = deadline(limit);
    const first = await Promise.race([work, timer.promise]);
    timer.cancel();
    if (first !== DEADLINE) {
      await settle(first);
      return first;
    }
    void work.then(settle);
    this.report(new Error(`handler for ${event.provider} ${event.type} exceeded ${limit} ms; answered 503`), { provider: event.provider, event });
    return answer.handlerTimeout();
  }

  #isSync(provider: Provider, type: string): boolean {
    const events = this.#served.get(provider)!.definition.catalog.events as Record<string, { delivery: string }>;
    return Object.hasOwn(events, type) && events[type]!.delivery === 'sync';
  }

  #dispatch(event: WebhookEvent, observation: Observation | undefined, sync: boolean): WebhookResponse | Promise<WebhookResponse> {
    const registered = this.#handlers.get(`${event.provider}\u0000${event.type}`) ?? this.#catchAll.get(event.provider) ?? [];
    const handlers = observation ? observation.handlers(registered, 'webhook.handler') : registered;
    if (sync) {
      const context = { provider: event.provider, event };
      return decide(event, handlers, observation ? observation.sync(this.#options.sync) : this.#options.sync, (error) => this.report(error, context));
    }
    return this.#runHandlers(event, handlers, 0);
  }

  /**
   * Runs `handlers` from `from` on: each awaited only when it returned a Promise (or any thenable),
   * so a delivery whose handlers are synchronous takes no tick; the first failure answers
   * `failureStatus` (the provider retries).
   */
  #runHandlers(event: WebhookEvent, handlers: readonly Handler<never>[], from: number): WebhookResponse | Promise<WebhookResponse> {
    try {
      for (let i = from; i < handlers.length; i++) {
        const result = handlers[i]!(event as never) as unknown;
        if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
          return Promise.resolve(result).then(
            () => this.#runHandlers(event, handlers, i + 1),
            (error: unknown) => this.#handlerFailed(event, error),
          );
        }
      }
    } catch (error) {
      return this.#handlerFailed(event, error);
    }
    return answer.handled(event.type, event.deliveryId);
  }

  #handlerFailed(event: WebhookEvent, error: unknown): WebhookResponse {
    this.report(error, { provider: event.provider, event });
    return answer.handlerFailed(this.#failureStatus);
  }

  /** A refusal before or instead of a typed event: unknown event types are kept, never dropped in silence. */
  async #refused(provider: Provider, incoming: IncomingWebhook, error: WebhookError, observation: Observation | undefined): Promise<WebhookResponse> {
    if (error.code !== 'event_unknown') {
      this.report(error, { provider });
      return answer.refusal(error);
    }
    // Authentic: deduplicated like any delivery (on the signed body where the id header is not signed).
    const key = this.#store ? keyOf({ provider, type: error.type, deliveryId: error.deliveryId, payload: error.payload }, () => bodyDigest(incoming.body)) : undefined;
    const store = observation ? observation.store(this.#store) : this.#store;
    return once(store, this.#idempotency, key, (failure) => this.report(failure, { provider }), async (settle) => {
      let response: WebhookResponse;
      try {
        for (const handler of observation ? observation.handlers(this.#unknown, 'webhook.on_unknown') : this.#unknown) await handler(error, provider);
        // Without an onUnknown handler it is at least reported.
        if (this.#unknown.length === 0 || this.#options.unknownEvents === 'reject') this.report(error, { provider });
        response = this.#options.unknownEvents === 'reject' ? answer.refusal(error, 400) : answer.unknownAcknowledged(error.type);
      } catch (failure) {
        this.report(failure, { provider });
        response = answer.handlerFailed(this.#failureStatus, 'the unknown event could not be kept');
      }
      await settle(response);
      return response;
    });
  }

  /**
   * An authentic delivery that cannot become a typed event: kept by `onInvalid` (202, recorded by
   * idempotency), or answered per `invalidPayloads` and reported. Never a silent 4xx.
   */
  async #invalidDelivery(provider: Provider, incoming: IncomingWebhook, error: WebhookError, observation: Observation | undefined): Promise<WebhookResponse> {
    const delivery: InvalidDelivery = {
      provider,
      ...(error.type !== undefined ? { type: error.type } : {}),
      ...(error.deliveryId !== undefined ? { deliveryId: error.deliveryId } : {}),
      ...(error.payload !== undefined ? { payload: error.payload } : {}),
      body: incoming.body,
      headers: incoming.headers,
      errors: error.errors ?? [{ path: '', message: error.message }],
      error,
    };
    const context: ErrorContext = { provider, invalid: delivery };
    if (delivery.type !== undefined && this.#isSync(provider, delivery.type)) return this.#invalidSync(delivery, context, observation);
    if (this.#invalid.length === 0) {
      const status = this.#options.invalidPayloads === 'reject' ? error.status : this.#failureStatus;
      this.report(error, { ...context, status });
      return answer.refusal(error, status);
    }
    // The default key only: a custom `idempotency.key` expects a valid event's shape.
    // Keyed on the body it is (it is authentic), never on an unsigned header alone.
    const key = this.#store ? keyOf({ ...delivery, payload: delivery.payload }, () => bodyDigest(incoming.body)) : undefined;
    return once(observation ? observation.store(this.#store) : this.#store, this.#idempotency, key, (failure) => this.report(failure, context), async (settle) => {
      const response = await this.#keep(delivery, context, observation);
      await settle(response);
      return response;
    });
  }

  /** Runs the onInvalid handlers: 202 when they all resolve, `failureStatus` (retry) when one throws. */
  async #keep(delivery: InvalidDelivery, context: ErrorContext, observation: Observation | undefined): Promise<WebhookResponse> {
    try {
      for (const handler of observation ? observation.handlers(this.#invalid, 'webhook.on_invalid') : this.#invalid) await handler(delivery);
    } catch (error) {
      this.report(error, context);
      return answer.handlerFailed(this.#failureStatus, 'the invalid delivery could not be kept');
    }
    return answer.kept(delivery.type, delivery.deliveryId);
  }

  /**
   * A sync event (its answer is the decision) that cannot be read: the fallback decision, never a
   * bare 400; onInvalid runs within the sync deadline, and the refusal is always reported, since it
   * decides the operation without the handlers.
   */
  async #invalidSync(delivery: InvalidDelivery, context: ErrorContext, observation: Observation | undefined): Promise<WebhookResponse> {
    const { deadlineMs, respond, fallback } = syncSettings(observation ? observation.sync(this.#options.sync) : this.#options.sync);
    this.report(delivery.error, context);
    if (this.#invalid.length > 0) {
      // Kept once per signed body: a replay (even under another id) decides again but is not kept again.
      const key = this.#store ? `${delivery.provider}:${delivery.type}:invalid:${bodyDigest(delivery.body)}` : undefined;
      const store = observation ? observation.store(this.#store) : this.#store;
      const kept = once(store, this.#idempotency, key, (failure) => this.report(failure, context), async (settle) => {
        const response = await this.#keep(delivery, context, observation);
        await settle(response);
        return response;
      });
      const timer = deadline(deadlineMs);
      try {
        if ((await Promise.race([kept, timer.promise])) === DEADLINE) {
          this.report(new Error(`onInvalid for a sync ${delivery.type} exceeded ${deadlineMs} ms`), context);
        }
      } finally {
        timer.cancel();
      }
    }
    return respond(fallback('the payload could not be validated'));
  }
}

type WebhookResponse = answer.WebhookResponse;

/** `response` once `settled` (what `settle` returned: a Promise only for an asynchronous store). */
const settledWith = (settled: Promise<void> | void, response: WebhookResponse): WebhookResponse | Promise<WebhookResponse> => (settled ? settled.then(() => response) : response);

/**
 * A router over `receive()`: typed handlers per provider and event, idempotency, sync decisions,
 * and the HTTP answer for every outcome. Pass it to an adapter.
 *
 * @example
 * const webhooks = createWebhooks({ providers: { kasko: { secret: process.env.KASKO_SECRET! } } })
 *   .on('kasko', 'policy.created', async (event) => save(event.payload));
 * http.createServer(nodeHandler(webhooks, 'kasko')).listen(3000);
 */
export function createWebhooks(options: WebhooksOptions): Webhooks {
  return new Webhooks(options);
}
