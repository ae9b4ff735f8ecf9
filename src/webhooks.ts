// The router: receive() + handlers + idempotency + the HTTP answer, independent of any framework.
// Adapters (src/adapters/) only move bytes between their framework and `handle()`.
import { WebhookError } from './core/errors.js';
import type { EventType, Provider, WebhookEvent } from './core/event.js';
import type { IncomingWebhook } from './core/incoming.js';
import { checkLimits, DEFAULT_MAX_BODY_BYTES, type ReceiveOptions } from './core/receive.js';
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
export function defaultIdempotencyKey(event: WebhookEvent): string | undefined {
  if (event.deliveryId) return `${event.provider}:${event.deliveryId}`;
  if (event.provider === 'axitech') {
    const { event_type, created_at, data } = event.payload;
    return `axitech:${event_type}:${data.sessionId}:${created_at}`;
  }
  return undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): WebhookResponse => ({
  status,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

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
  readonly #errors: ((error: unknown, context: ErrorContext) => unknown)[] = [];
  readonly #store: IdempotencyStore | undefined;

  constructor(options: WebhooksOptions) {
    if (!options || typeof options.providers !== 'object' || Object.keys(options.providers).length === 0) {
      throw new TypeError('insurance-webhooks: createWebhooks() needs providers: { <provider>: { secret } }');
    }
    for (const [provider, receiveOptions] of Object.entries(options.providers)) {
      providerDefinition(provider as Provider);
      if (receiveOptions) checkLimits(receiveOptions);
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

  /** Called for authentic deliveries of event types this package does not know (`error.type`, `error.payload`). */
  onUnknown(handler: (error: WebhookError, provider: Provider) => unknown): this {
    this.#unknown.push(handler);
    return this;
  }

  /** Called for every refused delivery (a WebhookError) and every handler failure. Must not throw. */
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
      if (error instanceof WebhookError) return this.#refused(provider, error);
      this.#report(error, { provider }); // wrong configuration (e.g. no secret): the developer must see it
      return json(500, { error: 'configuration_error', message: 'the endpoint is misconfigured' });
    }
    const idempotency = this.#options.idempotency || {};
    const storeTimeout = idempotency.timeoutMs ?? 2000;
    const key = this.#store ? (idempotency.key ?? defaultIdempotencyKey)(event) : undefined;
    if (!this.#store || key === undefined) return this.#answer(event, async () => {});

    let claim: ClaimResult;
    try {
      claim = await within(this.#store.claim(key, (idempotency.leaseSeconds ?? 300) * 1000), storeTimeout, 'the idempotency store');
    } catch (error) {
      this.#report(error, { provider, event });
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
    return this.#answer(event, async (response) => {
      try {
        if (response.status < 300) {
          await within(store.complete(key, claim.token, JSON.stringify({ status: response.status, body: response.body }), ttlMs), storeTimeout, 'the idempotency store');
        } else {
          await within(store.release(key, claim.token), storeTimeout, 'the idempotency store');
        }
      } catch (error) {
        // The handler's outcome stands: answering 5xx after a success would run it twice.
        this.#report(error, { provider, event });
      }
    });
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
    return (providerDefinition(event.provider).catalog.events as Record<string, { delivery: string }>)[event.type]!;
  }

  async #refused(provider: Provider, error: WebhookError): Promise<WebhookResponse> {
    if (error.code === 'event_unknown') {
      for (const handler of this.#unknown) await this.#safely(() => handler(error, provider), { provider });
      if (this.#options.unknownEvents !== 'reject') return json(202, { received: true, handled: false, type: error.type });
      this.#report(error, { provider });
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
    const fallback: SyncDecision = onDeadline === 'allow' ? allow() : block('the decision could not be made in time');
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
    for (const handler of this.#errors) void this.#safely(() => handler(error, context), context, false);
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
