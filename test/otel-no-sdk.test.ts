// With `@opentelemetry/api` installed but no SDK registered (an API that arrived as a dependency of a
// dependency), every span and instrument is a no-op: the router takes the path it takes without
// telemetry (no observation, no Promise per step; bench/, part 6), and follows an SDK registered
// later, per delivery. A stand-in API without the parts that tell "no SDK" apart counts as recording.
import * as api from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhooks, examples, sign, type OpenTelemetryApi } from '../src/index.js';

const secret = 'whsec_otel_no_sdk';
let serial = 0;
async function delivery() {
  const body = JSON.stringify(examples.kasko['policy.created']).replace('}', `,"n":${serial++}}`);
  return { body, headers: await sign('kasko', { body, type: 'policy.created', deliveryId: `d-${serial}` }, secret) };
}
const router = (telemetry?: { api: OpenTelemetryApi }) => createWebhooks({ providers: { kasko: { secret } }, ...(telemetry ? { telemetry } : {}) }).on('kasko', 'policy.created', () => {});

const noSdk = () => {
  api.trace.disable();
  api.metrics.disable();
  api.context.disable();
};
beforeEach(noSdk);
afterAll(noSdk);

describe('@opentelemetry/api without an SDK', () => {
  it('telemetry: { api }: nothing observes, and a synchronous delivery is answered without a Promise', async () => {
    const webhooks = router({ api });
    expect(webhooks.observing).toBe(false);
    const answered = webhooks.handleEither('kasko', await delivery());
    expect(answered).not.toBeInstanceOf(Promise);
    expect((answered as { status: number }).status).toBe(200);
  });

  it('the default (the API imported lazily): the same once the import has finished', async () => {
    const webhooks = router();
    for (let i = 0; i < 100 && webhooks.observing; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(webhooks.observing).toBe(false);
    expect(webhooks.handleEither('kasko', await delivery())).not.toBeInstanceOf(Promise);
  });

  it('a tracer provider registered later is followed: its spans are recorded, until it is removed', async () => {
    const webhooks = router({ api });
    expect(webhooks.observing).toBe(false);
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    expect(webhooks.observing).toBe(true);
    expect((await webhooks.handle('kasko', await delivery())).status).toBe(200);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toContain('webhook kasko');
    await provider.shutdown();
    noSdk();
    expect(webhooks.observing).toBe(false);
  });

  it('a meter provider alone makes it observe, and its instruments count the delivery', async () => {
    const webhooks = router({ api });
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    api.metrics.setGlobalMeterProvider(provider);
    expect(webhooks.observing).toBe(true);
    expect((await webhooks.handle('kasko', await delivery())).status).toBe(200);
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name));
    expect(names).toContain('webhook.deliveries');
    await provider.shutdown();
  });

  it('a stand-in API without ProxyTracerProvider or createNoopMeter counts as recording', () => {
    const { ProxyTracerProvider: _proxy, createNoopMeter: _noop, ...standIn } = api as unknown as Record<string, unknown>;
    expect(router({ api: standIn as unknown as OpenTelemetryApi }).observing).toBe(true);
  });
});
