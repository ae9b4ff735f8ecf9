// The router: receive() + handlers + idempotency + the HTTP answer, independent of any framework.
// Adapters (src/adapters/) only move bytes between their framework and `handle()`.
import { WebhookError, type WebhookErrorCode } from './core/errors.js';
import type { EventType, Provider, WebhookEvent } from './core/event.js';
import type { IncomingWebhook } from './core/incoming.js';
import { checkReceiveOptions, DEFAULT_MAX_BODY_BYTES, type ReceiveOptions } from './core/receive.js';
import type { ValidationIssue } from './core/validation.js';
import { memoryStore } from './idempotency/memory.js';
import type { ClaimResult, IdempotencyStore } from './idempotency/store.js';
import { providerDefinition, receive } from './receive.js';

/** What an adapter writes back. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The answer to a sync event (InsurUp `proposal_premium.purchasing`): let the operation go ahead, or block it. */
export type SyncDecision = { allow: true } | { allow: false; reason: string };
/** Let the purchase (or other sync operation) go ahead. */
export const allow = (): SyncDecision => ({ allow: true });
/** Block the operation, with a reason the provider can show. */
export const block = (reason: string): SyncDecision => ({ allow: false, reason });

export type EventOf<P extends Provider, T extends EventType<P>> = Extract<WebhookEvent<P>, { type: T }>;
/** A handler may return a SyncDecision for sync events; any other return value is ignored. */
export type Handler<E> = (event: E) => unknown;

export interface ErrorContext {
  provider: Provider;
  /** Set when the delivery was verified and the handler failed. */
  event?: WebhookEvent;
  /** Set when the delivery was authentic but could not be used (schema, JSON, missing event header). */
  invalid?: InvalidDelivery;
}

/**
 * An authentic delivery this package could not turn into a typed event: its signature verified (or
 * the provider sends it unsigned and `allowUnsigned` is on), but the payload fails the event's
 * schema (`payload_invalid`), is not JSON (`payload_malformed`), or the event header is missing
 * (`header_missing`). Keep it (a dead-letter table, a queue): after a schema fix it can be
 * replayed through `handle()` with the same `body` and `headers`.
 */
export interface InvalidDelivery {
  provider: Provider;
  /** The event type it claims, when it names one. */
  type?: string;
  deliveryId?: string;
  /** The parsed body (any shape: the schema refused it); undefined when it is not JSON. */
  payload?: unknown;
  /** The raw body as received, byte for byte. */
  body: string | Uint8Array;
  /** The headers as received. */
  headers: IncomingWebhook['headers'];
  /** What is wrong, by JSON Pointer: `[{ path: '/gross_premium', message: 'must be number' }]`. */
  errors: ValidationIssue[];
  /** The refusal `receive()` gave (`code`, `message`, `status`). */
  error: WebhookError;
}

/** The logger used when no `onError` handler is registered: pino, console, or anything with these. */
export interface Logger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SyncOptions {
  /** Longest a sync handler may take before the answer is given without it. Default 3000 ms. */
  deadlineMs?: number;
  /** The decision when the deadline passes or the handler fails. Default `block` (fail closed). */
  onDeadline?: 'allow' | 'block';
  /** Maps a decision to the HTTP answer. Default: allow → 200 `{"allow":true}`, block → 422 `{"allow":false,"reason":…}`. */
  respond?: (decision: SyncDecision) => WebhookResponse;
}

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
   * Where refusals and handler failures go when no `onError` handler is registered. Default
   * `console`; `false` silences it. Called as `logger.warn(fields, message)` (pino's order).
   */
  logger?: Logger | false;
  /**
   * Opt-in deadline for async handlers: past it the delivery is answered 503 (retryable) while the
   * handler goes on; its claim is kept until it settles, so a late success is recorded and a retry
   * never runs it twice. Default: none (the request waits for the handler).
   */
  handlerTimeoutMs?: number;
  sync?: SyncOptions;
}

/**
 * Delivery ids as the providers send them (KASKO `X-KASKO-Delivery`, InsurUp `x-webhook-delivery`,
 * CoverKit envelope `id`). Axitech sends none: its key is `event_type` + `data.sessionId` +
 * `created_at`, which a retry or duplicate repeats and a new event does not.
 */
export function defaultIdempotencyKey(event: { provider: Provider; deliveryId?: string | undefined; payload: unknown }): string | undefined {
  if (event.deliveryId) return `${event.provider}:${event.deliveryId}`;
  const key = providerDefinition(event.provider).bodyIdempotencyKey(event.payload);
  return key === undefined ? undefined : `${event.provider}:${key}`;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): WebhookResponse => ({
  status,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** Refusals that come after the signature check: the delivery is authentic, the fault is in its content or in our schema. */
const AUTHENTIC: ReadonlySet<WebhookErrorCode> = new Set(['header_missing', 'payload_malformed', 'payload_invalid']);

const consoleLogger: Logger = {
  warn: (fields, message) => console.warn(`insurance-webhooks: ${message}`, fields),
  error: (fields, message) => console.error(`insurance-webhooks: ${message}`, fields),
};

const defaultSyncResponse = (decision: SyncDecision): WebhookResponse =>
  decision.allow ? json(200, { allow: true }) : json(422, { allow: false, reason: decision.reason });

const DEADLINE = Symbol('deadline');

/** Resolves with `DEADLINE` after `ms`, unless cancelled; the timer never keeps the process alive. */
function deadline(ms: number): { promise: Promise<typeof DEADLINE>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<typeof DEADLINE>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** `promise`, or a rejection once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timer = deadline(ms);
  try {
    const result = await Promise.race([promise, timer.promise]);
    if (result === DEADLINE) throw new Error(`${what} took longer than ${ms} ms`);
    return result;
  } finally {
    timer.cancel();
  }
}

export class Webhooks {
  readonly #options: WebhooksOptions;
  readonly #handlers = new Map<string, Handler<never>[]>();
  readonly #catchAll = new Map<Provider, Handler<never>[]>();
  readonly #unknown: ((error: WebhookError, provider: Provider) => unknown)[] = [];
  readonly #invalid: ((delivery: InvalidDelivery) => unknown)[] = [];
  readonly #errors: ((error: unknown, context: ErrorContext) => unknown)[] = [];
  readonly #store: IdempotencyStore | undefined;

  constructor(options: WebhooksOptions) {
    if (!options || typeof options.providers !== 'object' || Object.keys(options.providers).length === 0) {
      throw new TypeError('insurance-webhooks: createWebhooks() needs providers: { <provider>: { secret } }');
    }
    // The checks receive() makes on every call, once here: a provider without a secret fails at
    // start-up, not on every delivery.
    for (const [provider, receiveOptions] of Object.entries(options.providers)) {
      if (receiveOptions !== undefined) checkReceiveOptions(providerDefinition(provider as Provider), receiveOptions);
    }
    this.#options = options;
    this.#store = options.idempotency === false ? undefined : (options.idempotency?.store ?? memoryStore());
  }

  /**
   * Handles one event type of one provider; `event` is narrowed to that type.
   *
   * @example
   * webhooks.on('kasko', 'policy.created', async (event) => db.insert(event.payload.policy_id));
   */
  on<P extends Provider, T extends EventType<P>>(provider: P, type: T, handler: Handler<EventOf<P, T>>): this {
    const entry = providerDefinition(provider).catalog.events as Record<string, unknown>;
    if (!Object.hasOwn(entry, type)) throw new TypeError(`insurance-webhooks: "${type}" is not a ${provider} event`);
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
   * Called for every refused delivery (a WebhookError) and every handler failure. Must not throw.
   * While none is registered, these go to the `logger` (default `console`).
   */
  onError(handler: (error: unknown, context: ErrorContext) => unknown): this {
    this.#errors.push(handler);
    return this;
  }

  /** The body limit adapters enforce while reading, from the provider's receive options. */
  maxBodyBytes(provider: Provider): number {
    return this.#options.providers[provider]?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /**
   * Verifies, deduplicates and dispatches one delivery, and says what to answer. Never rejects:
   * 2xx only after the handlers succeeded; a store outage or a misconfiguration answers 503/500 so
   * the provider retries.
   */
  async handle(provider: Provider, incoming: IncomingWebhook): Promise<WebhookResponse> {
    const receiveOptions = this.#options.providers[provider];
    if (!receiveOptions) return json(404, { error: 'provider_not_configured', message: `this endpoint does not accept ${provider} webhooks` });
    if (incoming.method && incoming.method.toUpperCase() !== 'POST') {
      return json(405, { error: 'method_not_allowed', message: 'webhooks are delivered with POST' }, { allow: 'POST' });
    }
    let event: WebhookEvent;
    try {
      event = await receive(provider, incoming, receiveOptions);
    } catch (error) {
      if (error instanceof WebhookError) return AUTHENTIC.has(error.code) ? this.#invalidDelivery(provider, incoming, error) : this.#refused(provider, error);
      this.#report(error, { provider }); // wrong use the start-up checks cannot see (Axitech without a url)
      return json(500, { error: 'configuration_error', message: 'the endpoint is misconfigured' });
    }
    const key = this.#store ? (this.#idempotency.key ?? defaultIdempotencyKey)(event) : undefined;
    return this.#once(provider, key, { provider, event }, (settle) => this.#answer(event, settle));
  }

  get #idempotency(): IdempotencyOptions {
    return this.#options.idempotency || {};
  }

  /**
   * Runs `work` at most once per idempotency key across every instance sharing the store: a
   * duplicate of a finished delivery gets the first answer, one still running elsewhere a 409, a
   * store that does not answer a 503. `work` calls `settle` with its answer: a 2xx is recorded, any
   * other answer releases the key so the provider's retry runs it again.
   */
  async #once(
    provider: Provider,
    key: string | undefined,
    context: ErrorContext,
    work: (settle: (response: WebhookResponse) => Promise<void>) => Promise<WebhookResponse>,
  ): Promise<WebhookResponse> {
    if (!this.#store || key === undefined) return work(async () => {});
    const idempotency = this.#idempotency;
    const storeTimeout = idempotency.timeoutMs ?? 2000;
    let claim: ClaimResult;
    try {
      claim = await within(this.#store.claim(key, (idempotency.leaseSeconds ?? 300) * 1000), storeTimeout, 'the idempotency store');
    } catch (error) {
      this.#report(error, context);
      return json(503, { error: 'store_unavailable', message: 'deduplication is unavailable; retry later' }, { 'retry-after': '30' });
    }
    if (claim.state === 'done') {
      const { status, body } = JSON.parse(claim.response) as Pick<WebhookResponse, 'status' | 'body'>;
      return { status, body, headers: { ...JSON_HEADERS, 'x-idempotent-replay': 'true' } };
    }
    if (claim.state === 'in_progress') {
      return json(409, { error: 'in_progress', message: 'this delivery is being handled; retry later' }, { 'retry-after': '5' });
    }
    const store = this.#store;
    const ttlMs = (idempotency.ttlSeconds ?? 3 * 86_400) * 1000;
    return work(async (response) => {
      try {
        if (response.status < 300) {
          await within(store.complete(key, claim.token, JSON.stringify({ status: response.status, body: response.body }), ttlMs), storeTimeout, 'the idempotency store');
        } else {
          await within(store.release(key, claim.token), storeTimeout, 'the idempotency store');
        }
      } catch (error) {
        // The handler's outcome stands: answering 5xx after a success would run it twice.
        this.#report(error, context);
      }
    });
  }

  /**
   * An authentic delivery that cannot become a typed event: kept by `onInvalid` (202, recorded by
   * idempotency), or answered per `invalidPayloads` and reported. Never a silent 4xx.
   */
  async #invalidDelivery(provider: Provider, incoming: IncomingWebhook, error: WebhookError): Promise<WebhookResponse> {
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
    const entry = delivery.type === undefined ? undefined : this.#entryOf(provider, delivery.type);
    if (entry?.delivery === 'sync') return this.#invalidSync(delivery, context);
    if (this.#invalid.length === 0) {
      this.#report(error, context);
      const status = this.#options.invalidPayloads === 'reject' ? error.status : (this.#options.failureStatus ?? 500);
      return json(status, { error: error.code, message: error.message, errors: delivery.errors });
    }
    // The default key only: a custom `idempotency.key` expects a valid event's shape.
    const key = this.#store ? defaultIdempotencyKey({ provider, deliveryId: delivery.deliveryId, payload: delivery.payload }) : undefined;
    return this.#once(provider, key, context, async (settle) => {
      const response = await this.#keep(delivery, context);
      await settle(response);
      return response;
    });
  }

  /** Runs the onInvalid handlers: 202 when they all resolve, `failureStatus` (retry) when one throws. */
  async #keep(delivery: InvalidDelivery, context: ErrorContext): Promise<WebhookResponse> {
    try {
      for (const handler of this.#invalid) await handler(delivery);
    } catch (error) {
      this.#report(error, context);
      return json(this.#options.failureStatus ?? 500, { error: 'handler_failed', message: 'the invalid delivery could not be kept; retry later' });
    }
    return json(202, { received: true, handled: false, valid: false, ...(delivery.type ? { type: delivery.type } : {}), ...(delivery.deliveryId ? { deliveryId: delivery.deliveryId } : {}) });
  }

  /**
   * A sync event (its answer is the decision) that cannot be read: the fallback decision, never a
   * bare 400; onInvalid runs within the sync deadline, and the refusal is always reported, since it
   * decides the operation without the handlers.
   */
  async #invalidSync(delivery: InvalidDelivery, context: ErrorContext): Promise<WebhookResponse> {
    const { deadlineMs = 3000, respond = defaultSyncResponse } = this.#options.sync ?? {};
    this.#report(delivery.error, context);
    if (this.#invalid.length > 0) {
      const timer = deadline(deadlineMs);
      try {
        if ((await Promise.race([this.#keep(delivery, context), timer.promise])) === DEADLINE) {
          this.#report(new Error(`onInvalid for a sync ${delivery.type} exceeded ${deadlineMs} ms`), context);
        }
      } finally {
        timer.cancel();
      }
    }
    return respond(this.#syncFallback('the payload could not be validated'));
  }

  #syncFallback(reason: string): SyncDecision {
    return this.#options.sync?.onDeadline === 'allow' ? allow() : block(reason);
  }

  /**
   * Dispatches and records the outcome (`settle`). With `handlerTimeoutMs`, an async handler that
   * overruns is answered 503 while it goes on; its outcome is still recorded when it settles.
   */
  async #answer(event: WebhookEvent, settle: (response: WebhookResponse) => Promise<void>): Promise<WebhookResponse> {
    const work = this.#dispatch(event);
    const limit = this.#options.handlerTimeoutMs;
    const sync = this.#entry(event).delivery === 'sync';
    if (limit === undefined || sync) {
      const response = await work;
      await settle(response);
      return response;
    }
    const timer = deadline(limit);
    const first = await Promise.race([work, timer.promise]);
    timer.cancel();
    if (first !== DEADLINE) {
      await settle(first);
      return first;
    }
    void work.then(settle);
    this.#report(new Error(`handler for ${event.provider} ${event.type} exceeded ${limit} ms; answered 503`), { provider: event.provider, event });
    return json(503, { error: 'handler_timeout', message: 'the handler is still running; retry later' }, { 'retry-after': '60' });
  }

  #entry(event: WebhookEvent): { delivery: string } {
    return this.#entryOf(event.provider, event.type)!;
  }

  #entryOf(provider: Provider, type: string): { delivery: string } | undefined {
    const events = providerDefinition(provider).catalog.events as Record<string, { delivery: string }>;
    return Object.hasOwn(events, type) ? events[type] : undefined;
  }

  async #refused(provider: Provider, error: WebhookError): Promise<WebhookResponse> {
    if (error.code === 'event_unknown') {
      try {
        for (const handler of this.#unknown) await handler(error, provider);
      } catch (failure) {
        this.#report(failure, { provider });
        return json(this.#options.failureStatus ?? 500, { error: 'handler_failed', message: 'the unknown event could not be kept; retry later' });
      }
      // Nothing authentic is dropped silently: without an onUnknown handler it is at least reported.
      if (this.#unknown.length === 0 || this.#options.unknownEvents === 'reject') this.#report(error, { provider });
      if (this.#options.unknownEvents !== 'reject') return json(202, { received: true, handled: false, type: error.type });
      return json(400, { error: error.code, message: error.message });
    }
    this.#report(error, { provider });
    return json(error.status, { error: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}) });
  }

  async #dispatch(event: WebhookEvent): Promise<WebhookResponse> {
    const handlers = this.#handlers.get(`${event.provider}\u0000${event.type}`) ?? this.#catchAll.get(event.provider) ?? [];
    if (this.#entry(event).delivery === 'sync') return this.#dispatchSync(event, handlers);
    try {
      for (const handler of handlers) await handler(event as never);
    } catch (error) {
      this.#report(error, { provider: event.provider, event });
      return json(this.#options.failureStatus ?? 500, { error: 'handler_failed', message: 'the handler failed; retry later' });
    }
    return json(200, { received: true, type: event.type, ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}) });
  }

  async #dispatchSync(event: WebhookEvent, handlers: Handler<never>[]): Promise<WebhookResponse> {
    const { deadlineMs = 3000, onDeadline = 'block', respond = defaultSyncResponse } = this.#options.sync ?? {};
    const fallback = this.#syncFallback('the decision could not be made in time');
    const decide = async (): Promise<SyncDecision> => {
      let decision: SyncDecision = allow();
      for (const handler of handlers) {
        const result = (await handler(event as never)) as SyncDecision | undefined;
        if (result && result.allow === false) decision = result; // any block wins
      }
      return decision;
    };
    const timer = deadline(deadlineMs);
    try {
      const decision = await Promise.race([decide(), timer.promise]);
      if (decision === DEADLINE) {
        this.#report(new Error(`sync handler for ${event.type} exceeded ${deadlineMs} ms; answered ${onDeadline}`), { provider: event.provider, event });
        return respond(fallback);
      }
      return respond(decision);
    } catch (error) {
      this.#report(error, { provider: event.provider, event });
      return respond(fallback);
    } finally {
      timer.cancel();
    }
  }

  #report(error: unknown, context: ErrorContext): void {
    if (this.#errors.length > 0) {
      for (const handler of this.#errors) void this.#safely(() => handler(error, context), context, false);
      return;
    }
    const logger = this.#options.logger === undefined ? consoleLogger : this.#options.logger;
    if (!logger) return;
    // Facts only: never a secret, a signature or the payload.
    const event = context.event ?? context.invalid;
    const fields = { provider: context.provider, type: event?.type, deliveryId: event?.deliveryId };
    if (error instanceof WebhookError) logger.warn({ ...fields, code: error.code, status: error.status, errors: error.errors }, `${context.provider} delivery refused: ${error.message}`);
    else logger.error({ ...fields, error }, `${context.provider}: ${(error as Error)?.message ?? String(error)}`);
  }

  async #safely(run: () => unknown, context: ErrorContext, report = true): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (report) this.#report(error, context);
    }
  }
}

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
