// What the endpoint did with each delivery, for operators: one record per delivery (`onDelivery`)
// and, when `@opentelemetry/api` is there, spans and metrics (otel.ts). The router hands each
// delivery's facts to an Observation; nothing here runs when nothing observes (Observer.active is
// false: no onDelivery hook, and OpenTelemetry off or not installed). With an inbox, each run of
// the handlers by a worker is recorded too (`source: 'inbox'`), to the same hooks and tracer.
import { WebhookError, type WebhookErrorCode } from '../core/errors.js';
import type { Provider } from '../core/event.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { ClaimedRecord } from '../inbox/types.js';
import type { RunReport, RunScope } from '../inbox/worker.js';
import { providerDefinition } from '../root-api.js';
import { ATTRIBUTES, loadOpenTelemetry, Telemetry, type DeliveryTrace, type TelemetryOption } from './otel.js';
import type { WebhookResponse } from './responses.js';
import { syncSettings, type SyncDecision, type SyncOptions } from './sync.js';

/** Codes an answer refuses a delivery with: `receive()`'s, and the receiving edge's. */
export type RefusalCode = WebhookErrorCode | 'not_found' | 'method_not_allowed' | 'raw_body_unavailable' | 'adapter_failed';

/**
 * What became of a delivery (README, "Operating the endpoint", which says what to alert on):
 * - `handled`: the handlers finished (2xx; with an inbox, a worker's run that finished);
 * - `captured`: stored in the inbox (202): a worker runs the handlers later (docs/inbox.md);
 * - `retrying` / `dead`: a worker's run failed (`error` says how): the inbox tries it again after
 *   its backoff, or it is a dead letter (the last attempt, or `PermanentFailure`);
 * - `kept_invalid`: authentic but off-schema, not JSON or without its event header, kept by `onInvalid` (202);
 * - `unknown_acknowledged`: authentic, of an event type this package does not know, acknowledged (202);
 * - `duplicate`: a repeat of a handled delivery, answered as the first time without the handlers;
 * - `in_progress`: a repeat of a delivery still being handled (409, the provider retries);
 * - `sync_allowed` / `sync_blocked`: a sync event's decision, the handlers' or the fallback's;
 * - `handler_failed`: a handler (or `onInvalid`, `onUnknown`) threw: `failureStatus`, retried;
 * - `handler_timeout`: a handler ran past `handlerTimeoutMs` (503, retried; it goes on);
 * - `store_unavailable`: the idempotency store did not answer (503, retried); for a worker's run,
 *   the inbox store did not take its outcome (the lease lapses, it runs again);
 * - `internal_error` / `configuration_error`: a bug of ours, or wrong use only a delivery reveals (500);
 * - `refused:<code>`: refused before any handler ran (signature, payload without `onInvalid`,
 *   event header, body size, path, method, a body a framework read first);
 * - `aborted`: the client left before the body was read: no answer.
 */
export type DeliveryOutcome =
  | 'handled'
  | 'captured'
  | 'retrying'
  | 'dead'
  | 'kept_invalid'
  | 'unknown_acknowledged'
  | 'duplicate'
  | 'in_progress'
  | 'sync_allowed'
  | 'sync_blocked'
  | 'handler_failed'
  | 'handler_timeout'
  | 'store_unavailable'
  | 'internal_error'
  | 'configuration_error'
  | 'aborted'
  | `refused:${RefusalCode}`;

/** Every outcome, once: the vocabulary of `DeliveryOutcome` at run time (the docs are tested against it). */
export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = [
  'handled',
  'captured',
  'retrying',
  'dead',
  'kept_invalid',
  'unknown_acknowledged',
  'duplicate',
  'in_progress',
  'sync_allowed',
  'sync_blocked',
  'handler_failed',
  'handler_timeout',
  'store_unavailable',
  'internal_error',
  'configuration_error',
  'aborted',
  ...(
    [
      'signature_missing',
      'signature_invalid',
      'timestamp_invalid',
      'header_missing',
      'header_invalid',
      'event_unknown',
      'payload_malformed',
      'payload_invalid',
      'body_too_large',
      'not_found',
      'method_not_allowed',
      'raw_body_unavailable',
      'adapter_failed',
    ] satisfies RefusalCode[]
  ).map((code) => `refused:${code}` as const),
];

/**
 * One delivery, as `onDelivery` gets it: facts only. Never a secret, a signature, a header, the
 * payload or an error's message. A request has no attempt number: no provider sends one (a retry
 * of a failed delivery looks like a first attempt); a repeat of a handled one is `duplicate`, of one
 * in progress `in_progress`. A run from the inbox has one: the inbox counts its runs.
 */
export interface DeliveryRecord {
  /**
   * `request`: an HTTP request, recorded once answered. `inbox`: one run of the handlers by an
   * inbox worker, recorded once its outcome is written (`handled`, `retrying`, `dead`, or
   * `store_unavailable` when it could not be written).
   */
  source: 'request' | 'inbox';
  /** The provider; undefined when the path named none this endpoint serves (`refused:not_found`). */
  provider: Provider | undefined;
  /**
   * The event type, once the signature verified (from the event header or the body); undefined
   * for a refusal before that. A type not in the catalog (`unknown_acknowledged`) is the sender's.
   */
  type: string | undefined;
  /** The provider's delivery id (Axitech sends none), once the signature verified. */
  deliveryId: string | undefined;
  outcome: DeliveryOutcome;
  /** The HTTP status answered; undefined when there was no answer (`aborted`, and every inbox run). */
  status: number | undefined;
  /**
   * Why, when something went wrong: the refusal code (`signature_invalid`, `payload_invalid`, …),
   * or the outcome (`handler_failed`, `store_unavailable`, …). Also set on the 2xx answers that hide
   * a problem: `kept_invalid` (the invalid code), `unknown_acknowledged` (`event_unknown`), and a sync
   * decision made by the fallback (`handler_failed`, `handler_timeout`, or the invalid code).
   * For an inbox run that did not finish: `handler_failed`, `handler_timeout`, `permanent_failure`
   * (a `PermanentFailure` was thrown), the refusal code of a stored body that no longer validates
   * (`payload_invalid`, …), `worker_lost` (its worker stopped on the last attempt), or
   * `store_unavailable`.
   */
  error: string | undefined;
  /**
   * From the start of `handle()` (or of the request, for a refusal at the edge) to the answer, in
   * ms; for an inbox run, from its claim to its outcome written.
   */
  durationMs: number;
  /** For an inbox run: the attempt, 1 on the first run (again 1 after a replay or a retry). */
  attempt?: number;
  /** For an inbox run: the inbox record's id (`webhooks.inbox.get(id)`, `insurance-webhooks inbox show`). */
  inboxId?: string;
}

/** Called once per delivery; must not throw (a throw or rejection is ignored). */
export type DeliveryHook = (record: DeliveryRecord) => unknown;

/** Error codes that are the outcome themselves rather than a refusal. */
const FAILURES: ReadonlySet<string> = new Set(['handler_failed', 'handler_timeout', 'store_unavailable', 'in_progress', 'internal_error', 'configuration_error']);

/** The `error` code of one of our JSON answers (src/router/responses.ts writes `{"error":"<code>",…}` first). */
const errorCode = (body: string): string | undefined => /^\{"error":"(\w+)"/.exec(body)?.[1];

const clock = (): number => performance.now();

/** The facts one delivery gathers on its way through the router. */
export class Observation implements RunScope {
  type: string | undefined = undefined;
  deliveryId: string | undefined = undefined;
  /** receive()'s refusal code, when it refused. */
  code: WebhookErrorCode | undefined = undefined;
  /** A sync event's decision, as answered. */
  decision: SyncDecision | undefined = undefined;
  /** A handler threw. */
  failed = false;
  /** Handlers still running. */
  running = 0;
  /** The inbox stored the delivery (the router sets it): its 2xx is `captured`, not `handled`. */
  captured = false;

  /** Where child spans go: the delivery's trace while it records (not without an SDK, nor when sampled out). */
  readonly spans: DeliveryTrace | undefined;

  constructor(
    readonly provider: Provider | undefined,
    readonly started: number,
    readonly trace: DeliveryTrace | undefined,
  ) {
    this.spans = trace?.recording ? trace : undefined;
  }

  /** `receive()`, in its span; its event or refusal gives the record its type and delivery id. */
  async receive<E extends { type: string; deliveryId?: string | undefined }>(run: () => Promise<E>): Promise<E> {
    try {
      const event = await (this.spans ? this.spans.child('webhook.receive', {}, run, { type: (error) => (error instanceof WebhookError ? error.code : undefined), exception: false }) : run());
      this.type = event.type;
      this.deliveryId = event.deliveryId;
      return event;
    } catch (error) {
      if (error instanceof WebhookError) {
        this.code = error.code;
        this.type = error.type;
        this.deliveryId = error.deliveryId;
      }
      throw error;
    }
  }

  /** The store, its calls in spans (never the key: it holds a digest of the body). */
  store(store: IdempotencyStore | undefined): IdempotencyStore | undefined {
    const trace = this.spans;
    if (!store || !trace) return store;
    return {
      claim: (key, leaseMs) => trace.child('webhook.idempotency.claim', {}, () => store.claim(key, leaseMs), { after: (span, claim) => span.setAttribute(ATTRIBUTES.claim, claim.state) }),
      complete: (key, token, response, ttlMs) => trace.child('webhook.idempotency.complete', {}, () => store.complete(key, token, response, ttlMs)),
      release: (key, token) => trace.child('webhook.idempotency.release', {}, () => store.release(key, token)),
    };
  }

  /** The handlers, each in a span named `name` (and counted, so a sync fallback can say why). */
  handlers<A extends unknown[]>(list: readonly ((...args: A) => unknown)[], name: string): ((...args: A) => Promise<unknown>)[] {
    return list.map((handler, index) => async (...args: A) => {
      this.running++;
      try {
        return await (this.spans ? this.spans.child(name, { [ATTRIBUTES.handlerIndex]: index }, () => handler(...args)) : handler(...args));
      } catch (error) {
        this.failed = true;
        throw error;
      } finally {
        this.running--;
      }
    });
  }

  /** The sync options, with `respond` noting the decision. */
  sync(options: SyncOptions | undefined): SyncOptions {
    const { respond } = syncSettings(options);
    return {
      ...options,
      respond: (decision) => {
        this.decision = decision;
        return respond(decision);
      },
    };
  }

  /** The outcome of the answer `response`, and why. */
  classify(response: WebhookResponse): [DeliveryOutcome, string | undefined] {
    if (response.headers['x-idempotent-replay'] === 'true') return ['duplicate', undefined];
    if (this.decision) {
      // The fallback's decision says why: the payload could not be read, a handler failed or overran.
      const why = this.code ?? (this.running > 0 ? 'handler_timeout' : this.failed ? 'handler_failed' : undefined);
      return [this.decision.allow ? 'sync_allowed' : 'sync_blocked', why];
    }
    if (response.status >= 300) {
      const code = errorCode(response.body) ?? 'internal_error';
      return FAILURES.has(code) ? [code as DeliveryOutcome, code] : [`refused:${code as RefusalCode}`, code];
    }
    if (this.code === 'event_unknown') return ['unknown_acknowledged', this.code];
    if (this.code !== undefined) return ['kept_invalid', this.code];
    return [this.captured ? 'captured' : 'handled', undefined];
  }
}

/** `type` as a metric attribute: a catalog type, or `_OTHER` (a sender's name must not become a label without bound). */
function metricEventType(provider: Provider | undefined, type: string | undefined): string | undefined {
  if (type === undefined || provider === undefined) return undefined;
  return Object.hasOwn(providerDefinition(provider).catalog.events, type) ? type : '_OTHER';
}

/** A thrown or rejected hook is ignored: observing must never change the answer. */
function call(hook: DeliveryHook, record: DeliveryRecord): void {
  try {
    void Promise.resolve(hook(record)).catch(() => {});
  } catch {
    // ignored, as above
  }
}

/** The observers of one router: its `onDelivery` hooks and OpenTelemetry. */
export class Observer {
  readonly #hooks: DeliveryHook[] = [];
  #telemetry: Telemetry | undefined;
  #loading: Promise<void> | undefined;

  /**
   * Whether anything observes deliveries: an `onDelivery` hook, the OpenTelemetry import still
   * under way, or an SDK that records (`Telemetry.recording`, checked per delivery). While false,
   * the router does exactly what it did without this file.
   */
  get active(): boolean {
    return this.#hooks.length > 0 || this.#loading !== undefined || (this.#telemetry !== undefined && this.#telemetry.recording);
  }

  constructor(option: TelemetryOption | undefined) {
    if (option === false) return;
    if (option) {
      this.#telemetry = new Telemetry(option.api);
    } else {
      // Lazily, once per process (loadOpenTelemetry): deliveries that arrive meanwhile wait for it.
      this.#loading = loadOpenTelemetry().then((api) => {
        this.#telemetry = api && new Telemetry(api);
        this.#loading = undefined;
      });
    }
  }

  hook(hook: DeliveryHook): void {
    if (typeof hook !== 'function') throw new TypeError('insurance-webhooks: onDelivery() takes a function');
    this.#hooks.push(hook);
  }

  /** Observes one delivery through `handle()`: `run` is the router's work. */
  async deliver(provider: Provider | undefined, run: (observation: Observation) => WebhookResponse | Promise<WebhookResponse>): Promise<WebhookResponse> {
    const started = clock();
    if (this.#loading) await this.#loading;
    const trace = this.#telemetry?.start(provider, started, true);
    const observation = new Observation(provider, started, trace);
    let response: WebhookResponse;
    try {
      response = await (trace ? trace.run(() => run(observation)) : run(observation));
    } catch (error) {
      // handle() never rejects; should it, the delivery is still recorded (and in-flight counted down).
      this.#finish(observation, undefined, 'internal_error', 500, 'internal_error');
      throw error;
    }
    const [outcome, error] = observation.classify(response);
    this.#finish(observation, observation, outcome, response.status, error);
    return response;
  }

  /**
   * A request answered (or left) at the edge, before `handle()`: a refusal (`code`, `status`), or
   * `'aborted'`. `since` is when the request started (performance.now()), if known.
   */
  edge(provider: Provider | undefined, answer: { code: string; status: number } | 'aborted', since: number | undefined): void {
    if (!this.active) return;
    const ended = clock();
    const record = () => {
      const trace = this.#telemetry?.start(provider, since ?? ended, false);
      const observation = new Observation(provider, since ?? ended, trace);
      if (answer === 'aborted') this.#finish(observation, undefined, 'aborted', undefined, 'aborted', ended);
      else this.#finish(observation, undefined, FAILURES.has(answer.code) ? (answer.code as DeliveryOutcome) : `refused:${answer.code as RefusalCode}`, answer.status, answer.code, ended);
    };
    if (this.#loading) void this.#loading.then(record);
    else record();
  }

  /**
   * Observes one run of an inbox worker (src/inbox/worker.ts checks `active` first): `process` runs
   * the handlers, given this run's Observation as its scope (handler spans), with the run's span
   * active, and says what became of the delivery. Its span is a root (CONSUMER): the worker's loop
   * may have been started inside a request, whose span must not adopt every later run.
   */
  async inboxRun(claimed: ClaimedRecord, process: (scope: RunScope) => Promise<RunReport>): Promise<void> {
    const started = clock();
    if (this.#loading) await this.#loading;
    const trace = this.#telemetry?.startRun(claimed.provider, started, claimed.attempts, claimed.id);
    const observation = new Observation(claimed.provider, started, trace);
    observation.type = claimed.eventType ?? undefined;
    observation.deliveryId = claimed.deliveryId ?? undefined;
    const run = { attempt: claimed.attempts, inboxId: claimed.id };
    let report: RunReport;
    try {
      report = await (trace ? trace.run(() => process(observation)) : process(observation));
    } catch (error) {
      // The worker records every outcome itself; should it throw, the run is still recorded.
      this.#finish(observation, observation, 'internal_error', undefined, 'internal_error', clock(), run);
      throw error;
    }
    // A stored body that no longer validates: its refusal code says more than `permanent_failure`.
    const error = report.outcome === 'dead' && observation.code !== undefined ? observation.code : report.error;
    this.#finish(observation, observation, report.outcome, undefined, error, clock(), run);
  }

  #finish(observation: Observation, facts: Observation | undefined, outcome: DeliveryOutcome, status: number | undefined, error: string | undefined, ended = clock(), run?: { attempt: number; inboxId: string }): void {
    const record: DeliveryRecord = Object.freeze({
      source: run ? 'inbox' : 'request',
      provider: observation.provider,
      type: facts?.type,
      deliveryId: facts?.deliveryId,
      outcome,
      status,
      error,
      durationMs: ended - observation.started,
      ...run,
    });
    observation.trace?.end(record, ended, metricEventType(record.provider, record.type));
    for (const hook of this.#hooks) call(hook, record);
  }
}
