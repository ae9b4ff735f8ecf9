// OpenTelemetry through `@opentelemetry/api`, an OPTIONAL peer: nothing here imports it statically.
// Either the application passes its API module (`telemetry: { api }`), or the package imports it
// once per process, in the background, the first time a router is created (`import()` of the bare
// specifier, which scripts/bundle.ts leaves to the runtime: `packages: 'external'`). When it is not
// installed the import fails once, and the router's hot path is what it was without this file.
//
// What is emitted (README, "Operating the endpoint"):
// - one span per delivery, `webhook <provider>`: SERVER when it is the outermost span of the request
//   (nothing active, or a remote parent), INTERNAL under a local span (an HTTP server span made by an
//   HTTP instrumentation): the semantic conventions keep one SERVER span per request;
// - child spans `webhook.receive` (signature, timestamp, JSON, schema: `receive()`),
//   `webhook.idempotency.claim|complete|release` (store calls), `webhook.handler`,
//   `webhook.on_invalid`, `webhook.on_unknown` (handlers, run with their span active, so spans the
//   application makes in a handler nest under it);
// - with an inbox, one span per run of the handlers by a worker, `webhook.inbox.run <provider>`
//   (CONSUMER, a root: the request that captured it ended long ago), its `webhook.handler` children;
// - metrics `webhook.deliveries` (counter), `webhook.delivery.duration` (histogram, seconds) and
//   `webhook.active_deliveries` (up-down counter); for inbox runs `webhook.inbox.runs` (counter) and
//   `webhook.inbox.run.duration` (histogram), apart, so that a delivery is counted once by each.
// Attribute values are facts the router already has: never a secret, a signature, a header, an
// idempotency key (it holds a digest of the body) or a payload.
import type { DeliveryRecord } from './observe.js';

/** Attribute values as OpenTelemetry takes them. */
type AttributeValue = string | number | boolean;
type Attributes = Record<string, AttributeValue | undefined>;

/** An OpenTelemetry context (opaque here). */
export type TelemetryContext = object;

/** The parts of an OpenTelemetry `Span` this package calls. */
export interface TelemetrySpan {
  setAttribute(key: string, value: AttributeValue): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: unknown, time?: number): void;
  end(endTime?: number): void;
  spanContext(): { isRemote?: boolean };
  isRecording(): boolean;
}

interface Tracer {
  startSpan(name: string, options?: { kind?: number; attributes?: Attributes; startTime?: number }, context?: TelemetryContext): TelemetrySpan;
}

interface InstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

interface Meter {
  createCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: Attributes): void };
  createUpDownCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: Attributes): void };
  createHistogram(name: string, options?: InstrumentOptions): { record(value: number, attributes?: Attributes): void };
}

/**
 * The parts of `@opentelemetry/api` (1.3 or later) this package uses, declared here so that its
 * declarations never import that package (an optional peer): `import * as api from
 * '@opentelemetry/api'` is one.
 */
export interface OpenTelemetryApi {
  trace: {
    getTracer(name: string, version?: string): Tracer;
    /** 1.0+: the global provider (a ProxyTracerProvider, which delegates to the SDK's once registered). */
    getTracerProvider?(): object;
    setSpan(context: TelemetryContext, span: TelemetrySpan): TelemetryContext;
    getSpan(context: TelemetryContext): TelemetrySpan | undefined;
  };
  context: {
    active(): TelemetryContext;
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: TelemetryContext, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F>;
  };
  metrics: {
    getMeterProvider(): { getMeter(name: string, version?: string): Meter };
  };
  SpanKind: { INTERNAL: number; SERVER: number; CONSUMER?: number };
  /** 1.0+: the empty context, the parent of an inbox run's span (INTERNAL and the active context without it). */
  ROOT_CONTEXT?: TelemetryContext;
  SpanStatusCode: { ERROR: number };
  /** 1.0+: a fresh one delegates to the no-op provider, which tells "no tracing SDK" apart. */
  ProxyTracerProvider?: new () => { getDelegate(): object };
  /** 1.3+: the no-op meter, which the global meter provider hands out while no SDK registered one. */
  createNoopMeter?(): object;
}

/** `telemetry` of `createWebhooks`. */
export type TelemetryOption = false | { api: OpenTelemetryApi };

const SCOPE = 'insurance-webhooks';

const isApi = (value: unknown): value is OpenTelemetryApi => {
  const api = value as Partial<OpenTelemetryApi> | undefined;
  return typeof api?.trace?.getTracer === 'function' && typeof api.metrics?.getMeterProvider === 'function' && typeof api.context?.with === 'function';
};

/** Checks `telemetry` at start-up: `false`, `undefined`, or `{ api }` with the API's trace, metrics and context. */
export function checkTelemetryOption(option: unknown): TelemetryOption | undefined {
  if (option === undefined || option === false) return option;
  if (typeof option === 'object' && option !== null && isApi((option as { api?: unknown }).api)) return option as TelemetryOption;
  throw new TypeError("insurance-webhooks: telemetry must be false or { api } with api = import * as api from '@opentelemetry/api'");
}

let loading: Promise<OpenTelemetryApi | undefined> | undefined;

/**
 * `@opentelemetry/api` if the application can import it, else undefined; imported once per process.
 * The import is a literal, so the bundle keeps it a bare specifier resolved at run time.
 */
export function loadOpenTelemetry(): Promise<OpenTelemetryApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (module: unknown) => {
      const api = isApi(module) ? module : (module as { default?: unknown }).default;
      return isApi(api) ? api : undefined;
    },
    () => undefined,
  );
  return loading;
}

/** Bucket boundaries in seconds, as the semantic conventions advise for `http.server.request.duration`. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Instruments {
  deliveries: ReturnType<Meter['createCounter']>;
  duration: ReturnType<Meter['createHistogram']>;
  active: ReturnType<Meter['createUpDownCounter']>;
  runs: ReturnType<Meter['createCounter']>;
  runDuration: ReturnType<Meter['createHistogram']>;
}

/** Attribute names: the semantic conventions' where they apply, `webhook.*` for the rest. */
export const ATTRIBUTES = {
  provider: 'webhook.provider',
  eventType: 'webhook.event_type',
  deliveryId: 'webhook.delivery_id',
  outcome: 'webhook.outcome',
  status: 'http.response.status_code',
  error: 'error.type',
  handlerIndex: 'webhook.handler.index',
  claim: 'webhook.idempotency.state',
  attempt: 'webhook.inbox.attempt',
  inboxId: 'webhook.inbox.id',
} as const;

/** One delivery's span, its context, and its children. */
export class DeliveryTrace {
  /** False when no SDK is registered or the delivery was sampled out: then no child span is made. */
  readonly recording: boolean;

  constructor(
    private readonly telemetry: Telemetry,
    readonly span: TelemetrySpan,
    readonly context: TelemetryContext,
    private readonly inFlight: boolean,
  ) {
    this.recording = span.isRecording();
  }

  /**
   * A child span of the delivery around `run`, which is called with it active (spans a handler
   * makes nest under it). A throw marks it failed: `error.type` is `type(error)`, else the error's
   * class; `exception` says whether to record the exception (a handler's, not a refusal).
   */
  async child<T>(name: string, attributes: Attributes, run: () => T | Promise<T>, options: { after?: (span: TelemetrySpan, value: T) => void; type?: (error: unknown) => string | undefined; exception?: boolean } = {}): Promise<T> {
    const { api } = this.telemetry;
    const span = this.telemetry.tracer.startSpan(name, { kind: api.SpanKind.INTERNAL, attributes }, this.context);
    try {
      const value = await api.context.with(api.trace.setSpan(this.context, span), run);
      options.after?.(span, value);
      return value;
    } catch (error) {
      failed(api, span, error, options.type?.(error), options.exception ?? true);
      throw error;
    } finally {
      span.end();
    }
  }

  /** Runs `fn` with the delivery's span active. */
  run<T>(fn: () => T): T {
    return this.telemetry.api.context.with(this.context, fn);
  }

  /** Ends the delivery: its attributes, status and metrics. `eventType` is the metric attribute (see metricEventType). */
  end(record: DeliveryRecord, endTime: number, eventType: string | undefined): void {
    this.telemetry.finish(this.span, record, endTime, eventType, this.inFlight);
  }
}

/** Marks `span` failed by `error`: ERROR status, `error.type` (`type`, else the error's code or class), the exception if `exception`. */
function failed(api: OpenTelemetryApi, span: TelemetrySpan, error: unknown, type: string | undefined, exception: boolean): void {
  const code = (error as { code?: unknown } | undefined)?.code;
  span.setAttribute(ATTRIBUTES.error, type ?? (typeof code === 'string' ? code : error instanceof Error ? error.name : typeof error));
  if (exception && error instanceof Error) span.recordException(error);
  span.setStatus({ code: api.SpanStatusCode.ERROR });
}

/** The tracer and instruments of one router, over one API module. */
export class Telemetry {
  readonly tracer: Tracer;
  #meterProvider: unknown;
  #instruments: Instruments | undefined;

  readonly #noopTracerProvider: object | undefined;
  readonly #noopMeter: object | undefined;
  /** A meter provider found to hand out the no-op meter (the API's own, before an SDK registers one). */
  #noopMeterProvider: unknown;

  constructor(readonly api: OpenTelemetryApi) {
    // Before an SDK is registered, a ProxyTracer, which follows the provider once it is.
    this.tracer = api.trace.getTracer(SCOPE);
    this.#noopTracerProvider = typeof api.ProxyTracerProvider === 'function' ? new api.ProxyTracerProvider().getDelegate() : undefined;
    this.#noopMeter = typeof api.createNoopMeter === 'function' ? api.createNoopMeter() : undefined;
  }

  /**
   * Whether an SDK records anything: a tracer provider or a meter provider registered. Without
   * one, every span and instrument of the API is a no-op, and the router takes the path it takes
   * without telemetry (an application that has `@opentelemetry/api` installed, as a dependency of a
   * dependency, and no SDK pays nothing: bench/, part 6). Checked on each delivery (two property
   * reads and calls), so an SDK registered later is followed. An API without these parts (older
   * than 1.3, or a stand-in) counts as recording.
   */
  get recording(): boolean {
    const noopTracer = this.#noopTracerProvider;
    const tracerProvider = this.api.trace.getTracerProvider?.() as { getDelegate?: () => object } | undefined;
    if (noopTracer === undefined || tracerProvider === undefined) return true;
    if ((typeof tracerProvider.getDelegate === 'function' ? tracerProvider.getDelegate() : tracerProvider) !== noopTracer) return true;
    if (this.#noopMeter === undefined) return true;
    const meterProvider = this.api.metrics.getMeterProvider();
    if (meterProvider === this.#noopMeterProvider) return false;
    if (meterProvider.getMeter(SCOPE) !== this.#noopMeter) return true;
    this.#noopMeterProvider = meterProvider;
    return false;
  }

  /**
   * The instruments of the current global meter provider. The metrics API has no proxy: a meter
   * taken before the SDK registered its provider would stay a no-op, so the provider is checked
   * on each delivery (a property read) and the instruments made again when it changed.
   */
  get #metrics(): Instruments {
    const provider = this.api.metrics.getMeterProvider();
    if (provider !== this.#meterProvider || !this.#instruments) {
      const meter = provider.getMeter(SCOPE);
      this.#meterProvider = provider;
      this.#instruments = {
        deliveries: meter.createCounter('webhook.deliveries', { description: 'Webhook deliveries received, by provider, event type and outcome', unit: '{delivery}' }),
        duration: meter.createHistogram('webhook.delivery.duration', {
          description: 'Time from receiving a webhook delivery to its answer',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        }),
        active: meter.createUpDownCounter('webhook.active_deliveries', { description: 'Webhook deliveries being handled', unit: '{delivery}' }),
        runs: meter.createCounter('webhook.inbox.runs', { description: 'Runs of the handlers by inbox workers, by provider, event type and outcome', unit: '{run}' }),
        runDuration: meter.createHistogram('webhook.inbox.run.duration', {
          description: 'Time from an inbox worker claiming a delivery to its outcome written',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        }),
      };
    }
    return this.#instruments;
  }

  /** Starts a delivery's span under the active context; `inFlight` counts it in `webhook.active_deliveries`. */
  start(provider: string | undefined, startTime: number, inFlight: boolean): DeliveryTrace {
    const parent = this.api.context.active();
    const outer = this.api.trace.getSpan(parent);
    // SERVER unless a local span (an HTTP server span) already covers this request.
    const kind = outer === undefined || outer.spanContext().isRemote ? this.api.SpanKind.SERVER : this.api.SpanKind.INTERNAL;
    const span = this.tracer.startSpan(provider ? `webhook ${provider}` : 'webhook', { kind, startTime, ...(provider ? { attributes: { [ATTRIBUTES.provider]: provider } } : {}) }, parent);
    if (inFlight) this.#metrics.active.add(1, provider ? { [ATTRIBUTES.provider]: provider } : {});
    return new DeliveryTrace(this, span, this.api.trace.setSpan(parent, span), inFlight);
  }

  /**
   * Starts the span of one inbox run: a root (never under the context the worker's loop inherited,
   * a request's), CONSUMER as for a message taken from a queue; not linked to the capture's span,
   * whose context the inbox does not store (correlate by `webhook.delivery_id` or `webhook.inbox.id`).
   */
  startRun(provider: string, startTime: number, attempt: number, inboxId: string): DeliveryTrace {
    const root = this.api.ROOT_CONTEXT ?? this.api.context.active();
    const kind = this.api.SpanKind.CONSUMER ?? this.api.SpanKind.INTERNAL;
    const span = this.tracer.startSpan(`webhook.inbox.run ${provider}`, { kind, startTime, attributes: { [ATTRIBUTES.provider]: provider, [ATTRIBUTES.attempt]: attempt, [ATTRIBUTES.inboxId]: inboxId } }, root);
    return new DeliveryTrace(this, span, this.api.trace.setSpan(root, span), false);
  }

  finish(span: TelemetrySpan, record: DeliveryRecord, endTime: number, eventType: string | undefined, inFlight: boolean): void {
    const { provider } = record;
    if (record.type !== undefined) span.setAttribute(ATTRIBUTES.eventType, record.type);
    if (record.deliveryId !== undefined) span.setAttribute(ATTRIBUTES.deliveryId, record.deliveryId);
    span.setAttribute(ATTRIBUTES.outcome, record.outcome);
    if (record.status !== undefined) span.setAttribute(ATTRIBUTES.status, record.status);
    if (record.error !== undefined) span.setAttribute(ATTRIBUTES.error, record.error);
    const run = record.source === 'inbox';
    // As for HTTP servers: a 5xx is the server's failure; a 4xx the sender's, not an error of this span.
    // An inbox run has no answer: any outcome but `handled` is a failure of the run.
    if (run ? record.outcome !== 'handled' : record.status !== undefined && record.status >= 500) span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    span.end(endTime);
    const metrics = this.#metrics;
    const attributes: Attributes = { [ATTRIBUTES.outcome]: record.outcome };
    if (provider !== undefined) attributes[ATTRIBUTES.provider] = provider;
    if (eventType !== undefined) attributes[ATTRIBUTES.eventType] = eventType;
    if (record.error !== undefined) attributes[ATTRIBUTES.error] = record.error;
    (run ? metrics.runs : metrics.deliveries).add(1, attributes);
    (run ? metrics.runDuration : metrics.duration).record(record.durationMs / 1000, attributes);
    if (inFlight) metrics.active.add(-1, provider ? { [ATTRIBUTES.provider]: provider } : {});
  }
}
