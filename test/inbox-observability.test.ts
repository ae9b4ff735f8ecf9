// Runs from the inbox, observed (README, "Operating the endpoint"; docs/inbox.md): each run of the
// handlers by a worker is one `onDelivery` record (`source: 'inbox'`, its attempt and inbox id) and
// one `webhook.inbox.run <provider>` span with metrics of its own, over a real PGlite inbox and the
// OpenTelemetry SDK's in-memory exporters. A retry, a dead letter, a replay, a permanent failure,
// a timeout, a body that no longer validates, a lost worker and an outcome the store would not take.
import { PGlite } from '@electric-sql/pglite';
import * as api from '@opentelemetry/api';
import type { InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhooks, examples, type DeliveryRecord, type OpenTelemetryApi, type WebhooksOptions } from '../src/index.js';
import { PermanentFailure, replayDelivery, type InboxStore } from '../src/inbox/index.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import { delivery, NOW, SECRET, SIGNATURE_HEADER } from './helpers/deliveries.js';
import { finishedSpans, freshGlobalMeters } from './helpers/telemetry.js';

const telemetry = { api: api satisfies OpenTelemetryApi };

const spanExporter = new InMemorySpanExporter();
// As an application's SDK set-up: the global tracer provider and an AsyncLocalStorage context manager.
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
tracerProvider.register();

let metricExporter: InMemoryMetricExporter;
let meterProvider: MeterProvider;
let reader: PeriodicExportingMetricReader;
let db: PGlite;
let tables = 0;

beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 120_000);
afterAll(async () => {
  await db?.close();
  await tracerProvider.shutdown();
});
beforeEach(() => {
  spanExporter.reset();
  ({ exporter: metricExporter, reader, provider: meterProvider } = freshGlobalMeters());
});
afterEach(() => meterProvider.shutdown());

const freshInbox = () => pgliteInbox({ db, table: `inbox_observed_${++tables}` });
const fast = { baseMs: 20, maxMs: 80, maxAttempts: 3, jitter: false };

/** A router over a fresh inbox with telemetry and an onDelivery hook; its records and reports. */
function observed(extra: { store?: InboxStore; worker?: false | { pollMs?: number; handlerTimeoutMs?: number }; maxAttempts?: number; hook?: boolean; options?: Partial<WebhooksOptions> } = {}) {
  const store = extra.store ?? freshInbox();
  const records: DeliveryRecord[] = [];
  const reports: unknown[] = [];
  const webhooks = createWebhooks({
    providers: { kasko: { secret: SECRET, now: NOW } },
    telemetry,
    inbox: { store, retry: { ...fast, maxAttempts: extra.maxAttempts ?? fast.maxAttempts }, worker: extra.worker ?? { pollMs: 20 } },
    ...extra.options,
  }).onError((error) => void reports.push(error));
  if (extra.hook !== false) webhooks.onDelivery((record) => void records.push(record));
  return { webhooks, store, records, reports };
}

/** A signed KASKO policy.created of its own (its own body, so its own idempotency key). */
async function policy(n: number, payload: Record<string, unknown> = {}) {
  const d = await delivery('kasko', 'policy.created', { ...examples.kasko['policy.created'], policy_id: `P-OBS-${n}`, ...payload });
  return { d, incoming: { body: d.body, headers: d.headers, method: 'POST', url: d.url }, id: d.headers['x-kasko-delivery']! };
}

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The finished spans, in the order they ended, each with its parent's name. */
const spans = () => finishedSpans(tracerProvider, spanExporter);

async function metrics(): Promise<Record<string, { attributes: Record<string, unknown>; value: unknown }[]>> {
  await reader.forceFlush();
  const out: Record<string, { attributes: Record<string, unknown>; value: unknown }[]> = {};
  for (const scope of metricExporter.getMetrics().at(-1)?.scopeMetrics ?? []) {
    if (scope.scope.name !== 'insurance-webhooks') continue;
    for (const metric of scope.metrics) out[metric.descriptor.name] = metric.dataPoints.map((point) => ({ attributes: { ...point.attributes }, value: point.value }));
  }
  return out;
}

/** What an inbox run's record must be, exactly. */
const run = (id: string, inboxId: string, attempt: number, outcome: string, error: string | undefined): DeliveryRecord =>
  ({ source: 'inbox', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome, status: undefined, error, durationMs: expect.any(Number), attempt, inboxId }) as DeliveryRecord;

const inboxRuns = (records: DeliveryRecord[]) => records.filter((record) => record.source === 'inbox');

describe('onDelivery and OpenTelemetry see the runs of inbox workers', () => {
  it('a handler that fails once, then succeeds: the capture, a retrying run, a handled run; spans and metrics of each', async () => {
    const { webhooks, store, records, reports } = observed();
    let calls = 0;
    webhooks.on('kasko', 'policy.created', async () => {
      // A span of the application's own, inside the handler: it nests under the run.
      await api.trace.getTracer('the-application').startActiveSpan('save policy', async (span) => span.end());
      if (++calls === 1) throw new Error('the policy system is down');
    });
    const { incoming, id } = await policy(1);
    const response = await webhooks.handle('kasko', incoming);
    expect(response.status).toBe(202);
    const { inboxId } = JSON.parse(response.body) as { inboxId: string };
    await until(() => records.length === 3);
    expect((await store.get(inboxId))?.state).toBe('handled');
    expect(records[0]).toStrictEqual({ source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: id, outcome: 'captured', status: 202, error: undefined, durationMs: expect.any(Number) });
    expect(records.slice(1)).toStrictEqual([run(id, inboxId, 1, 'retrying', 'handler_failed'), run(id, inboxId, 2, 'handled', undefined)]);
    expect(records.every((record) => Object.isFrozen(record) && record.durationMs >= 0)).toBe(true);
    expect(reports).toEqual([expect.objectContaining({ message: 'the policy system is down' })]);
    await webhooks.close();

    const finished = await spans();
    // The worker's loop started inside the request (the first capture started it): its runs are roots all the same.
    expect(finished.filter((span) => span.name === 'webhook kasko')).toEqual([
      expect.objectContaining({ kind: 'SERVER', parent: undefined, attributes: expect.objectContaining({ 'webhook.outcome': 'captured', 'http.response.status_code': 202 }), status: 'UNSET' }),
    ]);
    const runs = finished.filter((span) => span.name === 'webhook.inbox.run kasko');
    const common = { 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created', 'webhook.delivery_id': id, 'webhook.inbox.id': inboxId };
    expect(runs).toEqual([
      { name: 'webhook.inbox.run kasko', kind: 'CONSUMER', parent: undefined, attributes: { ...common, 'webhook.inbox.attempt': 1, 'webhook.outcome': 'retrying', 'error.type': 'handler_failed' }, status: 'ERROR', events: [] },
      { name: 'webhook.inbox.run kasko', kind: 'CONSUMER', parent: undefined, attributes: { ...common, 'webhook.inbox.attempt': 2, 'webhook.outcome': 'handled' }, status: 'UNSET', events: [] },
    ]);
    const handlers = finished.filter((span) => span.name === 'webhook.handler');
    expect(handlers).toEqual([
      { name: 'webhook.handler', kind: 'INTERNAL', parent: 'webhook.inbox.run kasko', attributes: { 'webhook.handler.index': 0, 'error.type': 'Error' }, status: 'ERROR', events: ['exception'] },
      { name: 'webhook.handler', kind: 'INTERNAL', parent: 'webhook.inbox.run kasko', attributes: { 'webhook.handler.index': 0 }, status: 'UNSET', events: [] },
    ]);
    expect(finished.filter((span) => span.name === 'save policy').map((span) => span.parent)).toEqual(['webhook.handler', 'webhook.handler']);

    const got = await metrics();
    const attributes = { 'webhook.provider': 'kasko', 'webhook.event_type': 'policy.created' };
    // A delivery counted once among requests (captured) and once per run among runs: never a `handled` twice in one metric.
    expect(got['webhook.deliveries']).toEqual([{ attributes: { ...attributes, 'webhook.outcome': 'captured' }, value: 1 }]);
    expect(got['webhook.inbox.runs']).toEqual([
      { attributes: { ...attributes, 'webhook.outcome': 'retrying', 'error.type': 'handler_failed' }, value: 1 },
      { attributes: { ...attributes, 'webhook.outcome': 'handled' }, value: 1 },
    ]);
    expect(got['webhook.inbox.run.duration']?.map((point) => (point.value as { count: number }).count)).toEqual([1, 1]);
  });

  it('a handler that always fails: retrying, retrying, dead; after a replay, attempt 1 again, handled', async () => {
    const { webhooks, store, records } = observed();
    let down = true;
    webhooks.on('kasko', 'policy.created', () => {
      if (down) throw new TypeError('still down');
    });
    const { incoming, id } = await policy(2);
    const { inboxId } = JSON.parse((await webhooks.handle('kasko', incoming)).body) as { inboxId: string };
    await until(() => inboxRuns(records).length === 3);
    expect((await store.get(inboxId))?.state).toBe('dead');
    expect(inboxRuns(records)).toStrictEqual([run(id, inboxId, 1, 'retrying', 'handler_failed'), run(id, inboxId, 2, 'retrying', 'handler_failed'), run(id, inboxId, 3, 'dead', 'handler_failed')]);

    down = false;
    expect(await replayDelivery(store, inboxId)).toEqual({ replayed: true, state: 'pending', validation: { ok: true } });
    webhooks.work().wake();
    await until(() => inboxRuns(records).length === 4);
    expect(inboxRuns(records)[3]).toStrictEqual(run(id, inboxId, 1, 'handled', undefined));
    await webhooks.close();
    const outcomes = (await spans()).filter((span) => span.name === 'webhook.inbox.run kasko').map((span) => [span.attributes['webhook.inbox.attempt'], span.attributes['webhook.outcome'], span.status]);
    expect(outcomes).toEqual([[1, 'retrying', 'ERROR'], [2, 'retrying', 'ERROR'], [3, 'dead', 'ERROR'], [1, 'handled', 'UNSET']]);
  });

  it('why a run went dead or will retry: permanent_failure, handler_timeout, a refusal code, worker_lost', async () => {
    // PermanentFailure: dead at once.
    {
      const { webhooks, records } = observed();
      webhooks.on('kasko', 'policy.created', () => {
        throw new PermanentFailure('unknown policy');
      });
      const { incoming, id } = await policy(3);
      const { inboxId } = JSON.parse((await webhooks.handle('kasko', incoming)).body) as { inboxId: string };
      await until(() => inboxRuns(records).length === 1);
      expect(inboxRuns(records)).toStrictEqual([run(id, inboxId, 1, 'dead', 'permanent_failure')]);
      await webhooks.close();
    }
    // A handler that never settles: each run overruns handlerTimeoutMs.
    {
      const { webhooks, records } = observed({ worker: { pollMs: 20, handlerTimeoutMs: 30 }, maxAttempts: 2 });
      webhooks.on('kasko', 'policy.created', () => new Promise(() => {}));
      const { incoming, id } = await policy(4);
      const { inboxId } = JSON.parse((await webhooks.handle('kasko', incoming)).body) as { inboxId: string };
      await until(() => inboxRuns(records).length === 2);
      expect(inboxRuns(records)).toStrictEqual([run(id, inboxId, 1, 'retrying', 'handler_timeout'), run(id, inboxId, 2, 'dead', 'handler_timeout')]);
      await webhooks.close();
    }
    // A stored body that no longer validates (here: stored as valid by hand): its refusal code.
    {
      const { webhooks, store, records } = observed({ worker: false });
      webhooks.on('kasko', 'policy.created', () => {});
      const { d, id } = await policy(5, { livemode: 'yes' });
      const { id: inboxId } = await store.capture({ provider: 'kasko', eventType: 'policy.created', deliveryId: id, method: 'POST', url: d.url, headers: d.headers, body: new TextEncoder().encode(d.body), validation: { ok: true }, state: 'pending' });
      webhooks.work({ pollMs: 20 });
      await until(() => inboxRuns(records).length === 1);
      expect(inboxRuns(records)).toStrictEqual([run(id, inboxId, 1, 'dead', 'payload_invalid')]);
      await webhooks.close();
    }
    // Its worker died on the last allowed attempt (a claim whose lease lapsed): dead, no run more.
    {
      const { webhooks, store, records } = observed({ worker: false, maxAttempts: 1 });
      webhooks.on('kasko', 'policy.created', () => {});
      const { incoming, id } = await policy(6);
      const { inboxId } = JSON.parse((await webhooks.handle('kasko', incoming)).body) as { inboxId: string };
      expect(await store.claim('a-worker-that-dies', 1, 1)).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      webhooks.work({ pollMs: 20 });
      await until(() => inboxRuns(records).length === 1);
      expect(inboxRuns(records)).toStrictEqual([run(id, inboxId, 2, 'dead', 'worker_lost')]);
      await webhooks.close();
    }
  });

  it('an outcome the inbox store would not take: store_unavailable (the lease lapses, it runs again)', async () => {
    const store = freshInbox();
    // The store's own methods (bound: they use private fields), but `complete` always fails.
    const methods = ['capture', 'claim', 'renew', 'complete', 'fail', 'get', 'list', 'counts', 'replay', 'retry', 'prune', 'close'] as const;
    const failing = Object.fromEntries(methods.map((name) => [name, (store[name] as (...args: unknown[]) => unknown).bind(store)])) as unknown as InboxStore;
    failing.complete = () => Promise.reject(new Error('connection reset'));
    const { webhooks, records } = observed({ store: failing });
    webhooks.on('kasko', 'policy.created', () => {});
    const { incoming, id } = await policy(7);
    const { inboxId } = JSON.parse((await webhooks.handle('kasko', incoming)).body) as { inboxId: string };
    await until(() => inboxRuns(records).length === 1);
    expect(inboxRuns(records)).toStrictEqual([run(id, inboxId, 1, 'store_unavailable', 'store_unavailable')]);
    await webhooks.close();
  });

  it('never a secret, a signature, the body, the payload or an error message in the records and spans of runs', async () => {
    const { webhooks, records } = observed();
    webhooks.on('kasko', 'policy.created', () => {
      throw new Error('the handler failed: a secret detail');
    });
    const { incoming, d } = await policy(8);
    await webhooks.handle('kasko', incoming);
    await until(() => inboxRuns(records).length === 3);
    await webhooks.close();
    const runSpans = (await spans()).filter((span) => span.name.startsWith('webhook.inbox.run'));
    const everything = JSON.stringify({ records, runSpans });
    for (const secret of [SECRET, d.headers[SIGNATURE_HEADER.kasko]!, 'P-OBS-8', d.body.slice(0, 40), 'a secret detail']) expect(everything).not.toContain(secret);
  });

  it('unobserved (no hook, telemetry off): no span, no record; a hook added later is followed from the next run', async () => {
    const { webhooks, store } = observed({ hook: false, options: { telemetry: false } });
    const seen: number[] = [];
    webhooks.on('kasko', 'policy.created', (_event, attempt) => void seen.push(attempt!.attempt));
    expect(webhooks.observing).toBe(false);
    const first = await policy(9);
    const { inboxId } = JSON.parse((await webhooks.handle('kasko', first.incoming)).body) as { inboxId: string };
    await until(async () => (await store.get(inboxId))?.state === 'handled');
    expect(seen).toEqual([1]);
    expect(await spans()).toEqual([]);
    // The worker checks `observing` per run, not once when it started.
    const records: DeliveryRecord[] = [];
    webhooks.onDelivery((record) => void records.push(record));
    const second = await policy(10);
    const { inboxId: secondId } = JSON.parse((await webhooks.handle('kasko', second.incoming)).body) as { inboxId: string };
    await until(() => inboxRuns(records).length === 1);
    expect(records).toStrictEqual([
      { source: 'request', provider: 'kasko', type: 'policy.created', deliveryId: second.id, outcome: 'captured', status: 202, error: undefined, durationMs: expect.any(Number) },
      run(second.id, secondId, 1, 'handled', undefined),
    ]);
    await webhooks.close();
    expect(await spans()).toEqual([]);
  });
});
