// Observability (README, "Operating the endpoint"): OpenTelemetry spans and metrics, read back with
// the SDK's in-memory exporters, and the onDelivery records, for every kind of outcome; then the
// packed package in a project without @opentelemetry/api.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '@opentelemetry/api';
import type { InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { block, createWebhooks, examples, type DeliveryRecord, type IdempotencyStore, type OpenTelemetryApi, type WebhooksOptions } from '../src/index.js';
import { DELIVERY_OUTCOMES } from '../src/router/observe.js';
import { delivery, options, SECRET, SIGNATURE_HEADER } from './helpers/deliveries.js';
import { finishedSpans, freshGlobalMeters } from './helpers/telemetry.js';
import { packedPackage, run } from './helpers/packed-package.js';
import { adapters, type RunningServer } from './helpers/servers.js';

const { SpanKind } = api;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

// The API module satisfies the structural type the package declares (it never imports the API's types).
const telemetry = { api: api satisfies OpenTelemetryApi };

const spanExporter = new InMemorySpanExporter();
// NodeTracerProvider.register(): the global tracer provider and an AsyncLocalStorage context
// manager, as an application's SDK set-up does, so that spans made in a handler nest.
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
tracerProvider.register();
const appTracer = api.trace.getTracer('the-application');

let metricExporter: InMemoryMetricExporter;
let meterProvider: MeterProvider;
let reader: PeriodicExportingMetricReader;

beforeEach(() => {
  spanExporter.reset();
  ({ exporter: metricExporter, reader, provider: meterProvider } = freshGlobalMeters());
});
afterEach(() => meterProvider.shutdown());
afterAll(() => tracerProvider.shutdown());

/** The finished spans, in the order they ended, each with its parent's name. */
const spans = () => finishedSpans(tracerProvider, spanExporter);

interface MetricView {
  unit: string;
  points: { attributes: Record<string, unknown>; value: unknown }[];
}

/** The package's metrics, by name, as a cumulative reader collects them now. */
async function metrics(): Promise<Record<string, MetricView>> {
  await reader.forceFlush();
  const last = metricExporter.getMetrics().at(-1);
  const out: Record<string, MetricView> = {};
  for (const scope of last?.scopeMetrics ?? []) {
    if (scope.scope.name !== 'insurance-webhooks') continue;
    for (const metric of scope.metrics) {
      out[metric.descriptor.name] = { unit: metric.descriptor.unit, points: metric.dataPoints.map((point) => ({ attributes: { ...point.attributes }, value: point.value })) };
    }
  }
  return out;
}

/** A histogram point's count, sum and bucket boundaries. */
const histogram = (value: unknown) => {
  const { count, sum, buckets } = value as { count: number; sum: number; buckets: { boundaries: number[] } };
  return { count, sum, boundaries: buckets.boundaries };
};

/** A router with telemetry through the API module, its onDelivery records, and its reports. */
function router(extra: Partial<WebhooksOptions> = {}) {
  const records: DeliveryRecord[] = [];
  const reports: unknown[] = [];
  const webhooks = createWebhooks({ providers: { kasko: options, insurup: options }, telemetry, ...extra })
    .onDelivery((record) => void records.push(record))
    .onError((error) => void reports.push(error));
  return { webhooks, records, reports };
}

const kaskoDelivery = async (payload?: unknown) => {
  const d = await delivery('kasko', 'policy.created', payload);
  return { d, incoming: { body: d.body, headers: d.headers, method: 'POST', url: d.url }, id: d.headers['x-kasko-delivery']! };
};

const deliveryMetrics = (attributes: Record<string, unknown>, durationMs: number) => ({
  'webhook.deliveries': { unit: '{delivery}', points: [{ attributes, value: 1 }] },
  'webhook.delivery.duration': { unit: 's', points: [{ attributes, value: expect.anything() }] },
  'webhook.active_deliveries': { unit: '{delivery}', points: [{ attributes: { 'webhook.provider': attributes['webhook.provider'] }, value: 0 }] },
  durationSeconds: durationMs / 1000,
});

/** Checks the metrics of exactly one delivery through handle(): count, duration (= the record's), in flight back to 0. */
async function expectOneDelivery(attributes: Record<string, unknown>, record: DeliveryRecord) {
  const { durationSeconds, ...expected } = deliveryMetrics(attributes, record.durationMs);
  const got = await metrics();
  expect(got).toEqual(expected);
  expect(histogram(got['webhook.delivery.duration']!.points[0]!.value)).toEqual({ count: 1, sum: durationSeconds, boundaries: DURATION_BUCKETS });
}

describe('OpenTelemetry: one span per delivery, children, metrics; and the onDelivery record', () => {
  it('a handled delivery: receive, claim, handler (with the application\'s own span inside), complete', async () => {
    const { webhooks, records } = router();
    let inFlight: unknown;
    webhooks.on('kasko', 'policy.created', async () => {
      await appTracer.startActiveSpan('save policy', async (span) => span.end());
      inFlight = (await metrics())['webhook.active_deliveries']?.points;
    });
    const { incoming, id } = await kaskoDelivery();
    expect((await webhooks.handle('kasko', incoming)).status).toBe(200);

    expect(inFlight).toEqual([{ attributes: { 'webhook.provider': 'kasko' }, value: 1 }]);
    expect(records).toEqual([{ source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'handled', status: 200, error: undefined, durationMs: expect.any(Number) }]);
    expect(records[0]!.durationMs).toBeGreaterThan(0);
    expect(await spans()).toEqual([
      { name: 'webhook.receive', kind: 'INTERNAL', parent: 'webhook kasko', attributes: {}, status: 'UNSET', events: [] },
      { name: 'webhook.idempotency.claim', kind: 'INTERNAL', parent: 'webhook kasko', attributes: { 'webhook.idempotency.state': 'claimed' }, status: 'UNSET', events: [] },
      { name: 'save policy', kind: 'INTERNAL', parent: 'webhook.handler', attributes: {}, status: 'UNSET', events: [] },
      { name: 'webhook.handler', kind: 'INTERNAL', parent: 'webhook kasko', attributes: { 'webhook.handler.index': 0 }, status: 'UNSET', events: [] },
      { name: 'webhook.idempotency.complete', kind: 'INTERNAL', parent: 'webhook kasko', attributes: {}, status: 'UNSET', events: [] },
      {
        name: 'webhook kasko',
        kind: 'SERVER',
        parent: undefined,
        attributes: {
          'webhook.provider': 'kasko',
          'webhook.event_type': 'policy.created',
          'webhook.delivery_id': id,
          'webhook.outcome': 'handled',
          'http.response.status_code': 200,
        },
        status: 'UNSET',
        events: [],
      },
    ]);
    await expectOneDelivery({ 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.outcome': 'handled' }, records[0]!);
  });

  it('under an HTTP server span (an HTTP instrumentation), the delivery span is INTERNAL, its child', async () => {
    const { webhooks } = router();
    const { incoming } = await kaskoDelivery();
    await appTracer.startActiveSpan('POST /webhooks/kasko', { kind: SpanKind.SERVER }, async (span) => {
      await webhooks.handle('kasko', incoming);
      span.end();
    });
    const delivery = (await spans()).find((span) => span.name === 'webhook kasko');
    expect(delivery).toMatchObject({ kind: 'INTERNAL', parent: 'POST /webhooks/kasko' });
  });

  it('a forged signature: refused:signature_invalid, 401; no type or delivery id (unverified); not an error span (4xx)', async () => {
    const { webhooks, records } = router();
    const { incoming } = await kaskoDelivery();
    incoming.headers[SIGNATURE_HEADER.kasko] = `sha1=${'0'.repeat(40)}`;
    expect((await webhooks.handle('kasko', incoming)).status).toBe(401);
    expect(records).toEqual([{ source: 'request', provider: 'kasko', type: undefined, deliveryId: undefined, outcome: 'refused:signature_invalid', status: 401, error: 'signature_invalid', durationMs: expect.any(Number) }]);
    expect(await spans()).toEqual([
      { name: 'webhook.receive', kind: 'INTERNAL', parent: 'webhook kasko', attributes: { 'error.type': 'signature_invalid' }, status: 'ERROR', events: [] },
      {
        name: 'webhook kasko',
        kind: 'SERVER',
        parent: undefined,
        attributes: { 'webhook.provider': 'kasko', 'webhook.outcome': 'refused:signature_invalid', 'http.response.status_code': 401, 'error.type': 'signature_invalid' },
        status: 'UNSET',
        events: [],
      },
    ]);
    await expectOneDelivery({ 'webhook.provider': 'kasko', 'webhook.outcome': 'refused:signature_invalid', 'error.type': 'signature_invalid' }, records[0]!);
  });

  it('payload_invalid without onInvalid: refused:payload_invalid, 500 (retried): an error span', async () => {
    const { webhooks, records } = router();
    const { incoming, id } = await kaskoDelivery({ ...examples.kasko['policy.created'], gross_premium: 'many' });
    expect((await webhooks.handle('kasko', incoming)).status).toBe(500);
    expect(records).toEqual([{ source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'refused:payload_invalid', status: 500, error: 'payload_invalid', durationMs: expect.any(Number) }]);
    expect(await spans()).toEqual([
      { name: 'webhook.receive', kind: 'INTERNAL', parent: 'webhook kasko', attributes: { 'error.type': 'payload_invalid' }, status: 'ERROR', events: [] },
      {
        name: 'webhook kasko',
        kind: 'SERVER',
        parent: undefined,
        attributes: {
          'webhook.provider': 'kasko',
          'webhook.event_type': 'policy.created',
          'webhook.delivery_id': id,
          'webhook.outcome': 'refused:payload_invalid',
          'http.response.status_code': 500,
          'error.type': 'payload_invalid',
        },
        status: 'ERROR',
        events: [],
      },
    ]);
    await expectOneDelivery({ 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.outcome': 'refused:payload_invalid', 'error.type': 'payload_invalid' }, records[0]!);
  });

  it('payload_invalid kept by onInvalid: kept_invalid, 202, with the invalid code as error.type', async () => {
    const { webhooks, records } = router();
    webhooks.onInvalid(() => {});
    const { incoming, id } = await kaskoDelivery({ ...examples.kasko['policy.created'], gross_premium: 'many' });
    expect((await webhooks.handle('kasko', incoming)).status).toBe(202);
    expect(records).toEqual([{ source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'kept_invalid', status: 202, error: 'payload_invalid', durationMs: expect.any(Number) }]);
    expect((await spans()).map(({ name, parent }) => [name, parent])).toEqual([
      ['webhook.receive', 'webhook kasko'],
      ['webhook.idempotency.claim', 'webhook kasko'],
      ['webhook.on_invalid', 'webhook kasko'],
      ['webhook.idempotency.complete', 'webhook kasko'],
      ['webhook kasko', undefined],
    ]);
    await expectOneDelivery({ 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.outcome': 'kept_invalid', 'error.type': 'payload_invalid' }, records[0]!);
  });

  it('an unknown event type: unknown_acknowledged, 202; its name is a span attribute, _OTHER as a metric attribute', async () => {
    const { webhooks, records } = router();
    const d = await delivery('kasko', 'policy.renamed', examples.kasko['policy.created']);
    expect((await webhooks.handle('kasko', { body: d.body, headers: d.headers })).status).toBe(202);
    expect(records).toEqual([
      { source: 'request', provider: 'kasko', type: 'policy.renamed', deliveryId: d.headers['x-kasko-delivery'], outcome: 'unknown_acknowledged', status: 202, error: 'event_unknown', durationMs: expect.any(Number) },
    ]);
    expect((await spans()).at(-1)!.attributes).toMatchObject({ 'webhook.event_type': 'policy.renamed', 'webhook.outcome': 'unknown_acknowledged', 'error.type': 'event_unknown' });
    await expectOneDelivery({ 'webhook.provider': 'kasko', 'webhook.event_type': '_OTHER', 'webhook.outcome': 'unknown_acknowledged', 'error.type': 'event_unknown' }, records[0]!);
  });

  it('a duplicate: the claim finds it done, no handler runs; outcome duplicate', async () => {
    const { webhooks, records } = router();
    webhooks.on('kasko', 'policy.created', () => {});
    const { incoming, id } = await kaskoDelivery();
    await webhooks.handle('kasko', incoming);
    spanExporter.reset();
    const replay = await webhooks.handle('kasko', incoming);
    expect([replay.status, replay.headers['x-idempotent-replay']]).toEqual([200, 'true']);
    expect(records.map((r) => [r.outcome, r.status, r.deliveryId, r.error])).toEqual([
      ['handled', 200, id, undefined],
      ['duplicate', 200, id, undefined],
    ]);
    expect(await spans()).toEqual([
      { name: 'webhook.receive', kind: 'INTERNAL', parent: 'webhook kasko', attributes: {}, status: 'UNSET', events: [] },
      { name: 'webhook.idempotency.claim', kind: 'INTERNAL', parent: 'webhook kasko', attributes: { 'webhook.idempotency.state': 'done' }, status: 'UNSET', events: [] },
      {
        name: 'webhook kasko',
        kind: 'SERVER',
        parent: undefined,
        attributes: { 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.delivery_id': id, 'webhook.outcome': 'duplicate', 'http.response.status_code': 200 },
        status: 'UNSET',
        events: [],
      },
    ]);
    const counts = (await metrics())['webhook.deliveries']!.points;
    expect(counts).toEqual([
      { attributes: { 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.outcome': 'handled' }, value: 1 },
      { attributes: { 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.outcome': 'duplicate' }, value: 1 },
    ]);
  });

  it('a handler failure: handler_failed, 500; the handler span records the exception; the claim is released', async () => {
    const { webhooks, records } = router();
    webhooks.on('kasko', 'policy.created', () => {
      throw new TypeError('the database is down');
    });
    const { incoming, id } = await kaskoDelivery();
    expect((await webhooks.handle('kasko', incoming)).status).toBe(500);
    expect(records).toEqual([{ source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'handler_failed', status: 500, error: 'handler_failed', durationMs: expect.any(Number) }]);
    expect(await spans()).toEqual([
      { name: 'webhook.receive', kind: 'INTERNAL', parent: 'webhook kasko', attributes: {}, status: 'UNSET', events: [] },
      { name: 'webhook.idempotency.claim', kind: 'INTERNAL', parent: 'webhook kasko', attributes: { 'webhook.idempotency.state': 'claimed' }, status: 'UNSET', events: [] },
      { name: 'webhook.handler', kind: 'INTERNAL', parent: 'webhook kasko', attributes: { 'webhook.handler.index': 0, 'error.type': 'TypeError' }, status: 'ERROR', events: ['exception'] },
      { name: 'webhook.idempotency.release', kind: 'INTERNAL', parent: 'webhook kasko', attributes: {}, status: 'UNSET', events: [] },
      {
        name: 'webhook kasko',
        kind: 'SERVER',
        parent: undefined,
        attributes: {
          'webhook.provider': 'kasko',
          'webhook.event_type': 'policy.created',
          'webhook.delivery_id': id,
          'webhook.outcome': 'handler_failed',
          'http.response.status_code': 500,
          'error.type': 'handler_failed',
        },
        status: 'ERROR',
        events: [],
      },
    ]);
    await expectOneDelivery({ 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.outcome': 'handler_failed', 'error.type': 'handler_failed' }, records[0]!);
  });

  describe('sync decisions (InsurUp proposal_premium.purchasing)', () => {
    const purchasing = async () => {
      const d = await delivery('insurup', 'proposal_premium.purchasing');
      return { incoming: { body: d.body, headers: d.headers }, id: d.headers['x-webhook-delivery']! };
    };

    it("a handler's block: sync_blocked, 422, no error", async () => {
      const { webhooks, records } = router();
      webhooks.on('insurup', 'proposal_premium.purchasing', () => block('flagged'));
      const { incoming, id } = await purchasing();
      expect((await webhooks.handle('insurup', incoming)).status).toBe(422);
      expect(records).toEqual([{ source: 'request', provider: 'insurup', type: 'proposal_premium.purchasing', deliveryId: id, outcome: 'sync_blocked', status: 422, error: undefined, durationMs: expect.any(Number) }]);
      expect(await spans()).toEqual([
        { name: 'webhook.receive', kind: 'INTERNAL', parent: 'webhook insurup', attributes: {}, status: 'UNSET', events: [] },
        { name: 'webhook.idempotency.claim', kind: 'INTERNAL', parent: 'webhook insurup', attributes: { 'webhook.idempotency.state': 'claimed' }, status: 'UNSET', events: [] },
        { name: 'webhook.handler', kind: 'INTERNAL', parent: 'webhook insurup', attributes: { 'webhook.handler.index': 0 }, status: 'UNSET', events: [] },
        // A 4xx answer is not stored: the claim is released, and the next attempt is decided anew.
        { name: 'webhook.idempotency.release', kind: 'INTERNAL', parent: 'webhook insurup', attributes: {}, status: 'UNSET', events: [] },
        {
          name: 'webhook insurup',
          kind: 'SERVER',
          parent: undefined,
          attributes: {
            'webhook.provider': 'insurup',
            'webhook.event_type': 'proposal_premium.purchasing',
            'webhook.delivery_id': id,
            'webhook.outcome': 'sync_blocked',
            'http.response.status_code': 422,
          },
          status: 'UNSET',
          events: [],
        },
      ]);
      await expectOneDelivery({ 'webhook.provider': 'insurup', 'webhook.event_type': 'proposal_premium.purchasing', 'webhook.outcome': 'sync_blocked' }, records[0]!);
    });

    it('no handler objects: sync_allowed, 200', async () => {
      const { webhooks, records } = router();
      webhooks.on('insurup', 'proposal_premium.purchasing', () => undefined);
      const { incoming, id } = await purchasing();
      expect((await webhooks.handle('insurup', incoming)).status).toBe(200);
      expect(records).toEqual([{ source: 'request', provider: 'insurup', type: 'proposal_premium.purchasing', deliveryId: id, outcome: 'sync_allowed', status: 200, error: undefined, durationMs: expect.any(Number) }]);
      await expectOneDelivery({ 'webhook.provider': 'insurup', 'webhook.event_type': 'proposal_premium.purchasing', 'webhook.outcome': 'sync_allowed' }, records[0]!);
    });

    it('the fallback after a handler failed, or overran the deadline: the decision, with why', async () => {
      const failing = router();
      failing.webhooks.on('insurup', 'proposal_premium.purchasing', () => {
        throw new Error('fraud service down');
      });
      await failing.webhooks.handle('insurup', (await purchasing()).incoming);
      const slow = router({ sync: { deadlineMs: 20, onDeadline: 'allow' } });
      let finish = () => {};
      slow.webhooks.on('insurup', 'proposal_premium.purchasing', () => new Promise<void>((resolve) => (finish = resolve)));
      await slow.webhooks.handle('insurup', (await purchasing()).incoming);
      expect([...failing.records, ...slow.records].map((r) => [r.outcome, r.status, r.error])).toEqual([
        ['sync_blocked', 422, 'handler_failed'],
        ['sync_allowed', 200, 'handler_timeout'],
      ]);
      // The overrunning handler's span ends when it does (not in a later test's spans).
      finish();
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
  });

  it('a store that does not answer: store_unavailable, 503; the claim span is an error', async () => {
    const down: IdempotencyStore = {
      claim: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      complete: () => Promise.resolve(),
      release: () => Promise.resolve(),
    };
    const { webhooks, records } = router({ idempotency: { store: down } });
    const { incoming, id } = await kaskoDelivery();
    expect((await webhooks.handle('kasko', incoming)).status).toBe(503);
    expect(records).toEqual([{ source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'store_unavailable', status: 503, error: 'store_unavailable', durationMs: expect.any(Number) }]);
    expect((await spans()).map(({ name, attributes, status }) => [name, attributes['error.type'], status])).toEqual([
      ['webhook.receive', undefined, 'UNSET'],
      ['webhook.idempotency.claim', 'ECONNREFUSED', 'ERROR'],
      ['webhook kasko', 'store_unavailable', 'ERROR'],
    ]);
  });

  it('a handler past handlerTimeoutMs: handler_timeout, 503; the handler span ends when it does', async () => {
    const { webhooks, records } = router({ handlerTimeoutMs: 20 });
    let finish = () => {};
    webhooks.on('kasko', 'policy.created', () => new Promise<void>((resolve) => (finish = resolve)));
    const { incoming } = await kaskoDelivery();
    expect((await webhooks.handle('kasko', incoming)).status).toBe(503);
    expect(records.map((r) => [r.outcome, r.status, r.error])).toEqual([['handler_timeout', 503, 'handler_timeout']]);
    expect((await spans()).map((span) => span.name)).toEqual(['webhook.receive', 'webhook.idempotency.claim', 'webhook kasko']);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await spans()).map((span) => span.name).slice(3)).toEqual(['webhook.handler', 'webhook.idempotency.complete']);
  });

  describe('refusals at the edge (before handle()): through the Node and Express adapters', () => {
    let node: RunningServer;
    let expressJsonFirst: RunningServer;
    const state = router({ providers: { kasko: { ...options, maxBodyBytes: 1024 } } });
    beforeAll(async () => {
      node = await adapters.node(state.webhooks);
      expressJsonFirst = await adapters.expressJsonFirst(state.webhooks);
    });
    afterAll(async () => {
      await node.close();
      await expressJsonFirst.close();
    });
    beforeEach(() => {
      state.records.length = 0;
    });

    const cases = [
      { name: 'a body over maxBodyBytes', send: async () => fetch(`${node.origin}/webhooks/kasko`, { method: 'POST', body: 'x'.repeat(2048) }), provider: 'kasko', code: 'body_too_large', status: 413 },
      { name: 'a path naming no provider', send: async () => fetch(`${node.origin}/webhooks/nope`, { method: 'POST', body: '{}' }), provider: undefined, code: 'not_found', status: 404 },
      { name: 'not POST', send: async () => fetch(`${node.origin}/webhooks/kasko`), provider: 'kasko', code: 'method_not_allowed', status: 405 },
      {
        name: 'a body express.json() read first',
        send: async () => fetch(`${expressJsonFirst.origin}/webhooks/kasko`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
        provider: 'kasko',
        code: 'raw_body_unavailable',
        status: 500,
      },
    ] as const;

    it.for(cases)('$name: refused:$code, $status', async ({ send, provider, code, status }) => {
      expect((await send()).status).toBe(status);
      expect(state.records).toEqual([{ source: 'request', provider, type: undefined, deliveryId: undefined, outcome: `refused:${code}`, status, error: code, durationMs: expect.any(Number) }]);
      expect(state.records[0]!.durationMs).toBeGreaterThanOrEqual(0);
      const attributes = { ...(provider ? { 'webhook.provider': provider } : {}), 'webhook.outcome': `refused:${code}`, 'http.response.status_code': status, 'error.type': code };
      // A refusal at the edge has no children: nothing was verified, stored or handled.
      expect(await spans()).toEqual([{ name: provider ? `webhook ${provider}` : 'webhook', kind: 'SERVER', parent: undefined, attributes, status: status >= 500 ? 'ERROR' : 'UNSET', events: [] }]);
      const metricAttributes = { ...(provider ? { 'webhook.provider': provider } : {}), 'webhook.outcome': `refused:${code}`, 'error.type': code };
      const got = await metrics();
      expect(got['webhook.deliveries']!.points).toEqual([{ attributes: metricAttributes, value: 1 }]);
      expect(got['webhook.delivery.duration']!.points.map((p) => [p.attributes, histogram(p.value).count, histogram(p.value).sum])).toEqual([[metricAttributes, 1, state.records[0]!.durationMs / 1000]]);
      // Not counted in flight: the edge's refusals are answered at once.
      expect(got['webhook.active_deliveries']).toBeUndefined();
    });

    it('a delivery through the adapter is recorded once, by handle()', async () => {
      const { incoming } = await kaskoDelivery();
      const response = await fetch(`${node.origin}/webhooks/kasko`, { method: 'POST', headers: incoming.headers, body: incoming.body });
      expect(response.status).toBe(200);
      expect(state.records.map((r) => r.outcome)).toEqual(['handled']);
    });
  });
});

describe('onDelivery without OpenTelemetry, and what never appears', () => {
  it('telemetry: false: no span and no metric even with an SDK registered; the records are the same', async () => {
    const records: DeliveryRecord[] = [];
    const webhooks = createWebhooks({ providers: { kasko: options }, telemetry: false })
      .on('kasko', 'policy.created', () => {})
      .onDelivery((record) => void records.push(record));
    const { incoming, id } = await kaskoDelivery();
    await webhooks.handle('kasko', incoming);
    await webhooks.handle('kasko', incoming);
    expect(records.map(({ durationMs, ...rest }) => rest)).toEqual([
      { source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'handled', status: 200, error: undefined },
      { source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'duplicate', status: 200, error: undefined },
    ]);
    expect(await spans()).toEqual([]);
    expect(await metrics()).toEqual({});
  });

  it('no observer at all: the router is not observing, and adapters do not time requests', () => {
    expect(createWebhooks({ providers: { kasko: options }, telemetry: false }).observing).toBe(false);
    expect(createWebhooks({ providers: { kasko: options }, telemetry: false }).onDelivery(() => {}).observing).toBe(true);
  });

  it('by default, @opentelemetry/api is imported when installed (here it is), and the first delivery waits for it', async () => {
    const webhooks = createWebhooks({ providers: { kasko: options } }).onError(() => {});
    const { incoming } = await kaskoDelivery();
    await webhooks.handle('kasko', incoming);
    expect((await spans()).map((span) => span.name)).toEqual(['webhook.receive', 'webhook.idempotency.claim', 'webhook.idempotency.complete', 'webhook kasko']);
  });

  it('a delivery sampled out (or no SDK): no span at all, not even the children; metrics and records as usual', async () => {
    const sampledOut = new NodeTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
    const tracer = sampledOut.getTracer('insurance-webhooks');
    const trace = { getTracer: () => tracer, setSpan: api.trace.setSpan, getSpan: api.trace.getSpan };
    const { webhooks, records } = router({ telemetry: { api: { ...api, trace } } });
    webhooks.on('kasko', 'policy.created', () => {});
    await webhooks.handle('kasko', (await kaskoDelivery()).incoming);
    expect(await spans()).toEqual([]);
    expect(records.map((r) => r.outcome)).toEqual(['handled']);
    await expectOneDelivery({ 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.outcome': 'handled' }, records[0]!);
  });

  it('a hook that throws or rejects changes nothing: the answer, the other hooks', async () => {
    const seen: string[] = [];
    const webhooks = createWebhooks({ providers: { kasko: options }, telemetry: false })
      .onDelivery(() => {
        throw new Error('hook bug');
      })
      .onDelivery(() => Promise.reject(new Error('async hook bug')))
      .onDelivery((record) => void seen.push(record.outcome));
    const { incoming } = await kaskoDelivery();
    expect((await webhooks.handle('kasko', incoming)).status).toBe(200);
    expect(seen).toEqual(['handled']);
  });

  it('records are frozen (one hook cannot change what the next sees)', async () => {
    let record: DeliveryRecord | undefined;
    const webhooks = createWebhooks({ providers: { kasko: options }, telemetry: false }).onDelivery((r) => void (record = r));
    await webhooks.handle('kasko', (await kaskoDelivery()).incoming);
    expect(Object.isFrozen(record)).toBe(true);
  });

  it('wrong options are refused at start-up', () => {
    expect(() => createWebhooks({ providers: { kasko: options }, telemetry: {} as never })).toThrow(/telemetry must be false or \{ api \}/);
    expect(() => createWebhooks({ providers: { kasko: options }, telemetry: true as never })).toThrow(TypeError);
    expect(() => createWebhooks({ providers: { kasko: options } }).onDelivery('log' as never)).toThrow(/onDelivery\(\) takes a function/);
  });

  it('never a secret, a signature, the body or the payload: in spans, metrics or records', async () => {
    const { webhooks, records } = router();
    webhooks.on('kasko', 'policy.created', () => {
      throw new Error('handler failed');
    });
    const { incoming } = await kaskoDelivery();
    await webhooks.handle('kasko', incoming);
    const forged = { ...incoming, headers: { ...incoming.headers, [SIGNATURE_HEADER.kasko]: `sha1=${'ab'.repeat(20)}` } };
    await webhooks.handle('kasko', forged);
    const everything = JSON.stringify({ records, spans: await spans(), metrics: await metrics(), events: spanExporter.getFinishedSpans().map((s) => s.events) });
    const policy = examples.kasko['policy.created'] as { policy_id: string };
    for (const secret of [SECRET, incoming.headers[SIGNATURE_HEADER.kasko]!.slice(5), 'ab'.repeat(20), policy.policy_id, incoming.body.slice(0, 40)]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('the vocabulary, once', () => {
  it('README "Operating the endpoint" documents every outcome, and no other', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Operating the endpoint'), readme.indexOf('### Threat model'));
    const documented = [...section.matchAll(/^\| `([a-z_:]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...DELIVERY_OUTCOMES].sort());
  });
});

describe('the packed package in a project without @opentelemetry/api', () => {
  let work = '';
  let consumer = '';
  beforeAll(async () => {
    const packed = await packedPackage();
    work = packed.work;
    consumer = join(work, 'consumer-without-opentelemetry');
    mkdirSync(consumer, { recursive: true });
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer-without-opentelemetry', private: true, type: 'module' }));
    // Only the tarball: its optional peers are not installed (--offline: nothing is fetched).
    run('npm', ['install', packed.tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], consumer);
  }, 180_000);

  it('imports, handles and records deliveries; the OpenTelemetry import fails once, quietly', () => {
    writeFileSync(
      join(consumer, 'run.mjs'),
      `import { createWebhooks } from 'insurance-webhooks';
import { nodeHandler } from 'insurance-webhooks/node';
import { createDelivery } from 'insurance-webhooks/testing';
import http from 'node:http';
const absent = await import('@opentelemetry/api').then(() => false, () => true);
const records = [];
const webhooks = createWebhooks({ providers: { kasko: { secret: 's' } } })
  .on('kasko', 'policy.created', () => {})
  .onDelivery((record) => records.push(record))
  .onError(() => {});
const d = await createDelivery('kasko', 'policy.created', { secret: 's' });
const first = await webhooks.handle('kasko', { body: d.body, headers: d.headers });
const server = http.createServer(nodeHandler(webhooks, 'kasko')).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const get = await fetch('http://127.0.0.1:' + server.address().port + '/', { method: 'GET' });
server.close();
const plain = createWebhooks({ providers: { kasko: { secret: 's' } } }).onError(() => {});
await plain.handle('kasko', { body: d.body, headers: d.headers });
console.log(JSON.stringify({ absent, status: first.status, edge: get.status, outcomes: records.map((r) => r.outcome), observing: plain.observing }));
`,
    );
    const out = JSON.parse(run(process.execPath, ['run.mjs'], consumer)) as unknown;
    // `observing` false: with the API absent and no hook, the router runs as it did without telemetry.
    expect(out).toEqual({ absent: true, status: 200, edge: 405, outcomes: ['handled', 'refused:method_not_allowed'], observing: false });
  });

  it('the bundle keeps @opentelemetry/api a bare dynamic import, never a static one; the manifest makes it an optional peer', () => {
    const installed = join(consumer, 'node_modules', 'insurance-webhooks');
    const root = readFileSync(join(installed, 'dist/src/index.js'), 'utf8');
    expect(root.match(/import\("@opentelemetry\/api"\)/g)).toHaveLength(1);
    expect(root).not.toMatch(/^import[^;]*@opentelemetry/m);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies?: object; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }> };
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies['@opentelemetry/api']).toBe('^1.3.0');
    expect(manifest.peerDependenciesMeta['@opentelemetry/api']).toEqual({ optional: true });
    expect(execFileSync('ls', [join(consumer, 'node_modules')], { encoding: 'utf8' })).not.toMatch(/@opentelemetry/);
  });
});
