// Part 6: what observing a delivery costs (README, "Operating the endpoint"), through
// `webhooks.handle()` (receive(), an idempotency store, one handler, the answer) on KASKO's
// documented example. The store always grants the claim, so every call does the whole work of a
// first delivery, store calls included; the handler does nothing, so the router's own cost shows.
//
// - "not installed": the default (`telemetry` unset) in the benchmark's copy of dist/, a folder
//   from which `@opentelemetry/api` cannot be imported (checked): after the one failed import the
//   router is not observing, against `telemetry: false` (the path every delivery took before this
//   feature) and a control;
// - "no SDK": the API passed (`telemetry: { api }`) with no SDK registered: every span and
//   instrument would be a no-op, so the router checks that per delivery and does not observe;
// - "SDK": NodeTracerProvider (AsyncLocalStorage context, BatchSpanProcessor) and a MeterProvider
//   with a periodic reader, their exporters discarding what they get: the cost per delivery of
//   five spans, four metric updates, the context switches, and the processors' bookkeeping.
import { createRequire } from 'node:module';
import * as api from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { EventType } from '../../src/core/event.js';
import { rootEntry, type Lib } from '../lib/env.js';
import { documentedExample, makeDelivery } from '../lib/fixtures.js';
import { measureSideBySide, type MeasureOptions } from '../lib/measure.js';
import { timeResult, type Result } from '../lib/table.js';

/** Observing nothing must cost nothing measurable: within the noise of the control row. */
export const ABSENT_RATIO_TARGET = 1.05;

type Webhooks = ReturnType<Lib['createWebhooks']>;

const discardSpans: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const discardMetrics: PushMetricExporter = {
  export: (_metrics, done) => done({ code: 0 }),
  forceFlush: async () => {},
  shutdown: async () => {},
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

export async function observability(lib: Lib, dist: string, options: MeasureOptions): Promise<Result[]> {
  try {
    createRequire(rootEntry(dist)).resolve('@opentelemetry/api');
    throw new Error(`${dist}: @opentelemetry/api can be imported from here, so "not installed" cannot be measured`);
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
  }
  const { type, payload } = documentedExample(lib, 'kasko');
  const delivery = await makeDelivery(lib, 'kasko', type, payload);
  const store = {
    claim: async () => ({ state: 'claimed' as const, token: 't' }),
    complete: async () => {},
    release: async () => {},
  };
  const router = (extra: object = {}): Webhooks =>
    lib
      .createWebhooks({ providers: { kasko: delivery.options }, idempotency: { store }, ...extra })
      // The handler is registered for the benchmarked event, whichever the catalog's rule picks.
      .on('kasko', type as EventType<'kasko'>, async () => {})
      .onError(() => {});
  const handle = (webhooks: Webhooks) => () => webhooks.handle('kasko', delivery.incoming);
  const routers = {
    off: router({ telemetry: false }),
    control: router({ telemetry: false }),
    absent: router(),
    hook: router({ telemetry: false }).onDelivery(() => {}),
    noSdk: router({ telemetry: { api } }),
  };
  for (const [id, webhooks] of Object.entries(routers)) {
    const { status } = await webhooks.handle('kasko', delivery.incoming);
    if (status !== 200) throw new Error(`part 6, ${id}: answered ${status}`);
  }
  if (routers.absent.observing) throw new Error('part 6: the router is observing with @opentelemetry/api absent');
  const quiet = await measureSideBySide(
    Object.entries(routers).map(([id, webhooks]) => ({ id, fn: handle(webhooks) })),
    options,
  );

  // The SDK, as an application registers it; from here on every router of this process traces.
  const tracing = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discardSpans)] });
  tracing.register();
  const meters = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: discardMetrics, exportIntervalMillis: 60_000 })] });
  api.metrics.setGlobalMeterProvider(meters);
  const sdk = router({ telemetry: { api } });
  const traced = await measureSideBySide(
    [
      { id: 'off', fn: handle(routers.off) },
      { id: 'sdk', fn: handle(sdk) },
    ],
    options,
  );
  await tracing.shutdown();
  await meters.shutdown();

  const label = `kasko ${type}: handle() (store, one handler)`;
  return [
    timeResult(quiet, 'absent', 'off', { part: 6, what: `${label}, @opentelemetry/api not installed vs telemetry: false (the path before observability)`, target: { max: ABSENT_RATIO_TARGET } }),
    timeResult(quiet, 'control', 'off', { part: 6, what: `${label}: control, telemetry: false vs itself (noise)` }),
    timeResult(quiet, 'hook', 'off', { part: 6, what: `${label}, onDelivery(() => {}) vs none (info)` }),
    timeResult(quiet, 'noSdk', 'off', { part: 6, what: `${label}, @opentelemetry/api installed, no SDK registered (no-op spans) vs not installed (info)` }),
    timeResult(traced, 'sdk', 'off', { part: 6, what: `${label}, @opentelemetry/api + SDK (5 spans, BatchSpanProcessor, 3 instruments) vs not installed (info)` }),
  ];
}
