// OpenTelemetry in tests: the finished spans of an in-memory exporter as tests compare them (each
// with its kind and status by name and its parent's name, not its id, in the order they ended),
// and a fresh global meter provider per test.
import { metrics, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface SpanView {
  name: string;
  kind: string;
  parent: string | undefined;
  attributes: Record<string, unknown>;
  status: string;
  events: string[];
}

/** The spans `exporter` holds once `provider` has flushed; a parent not among them is `(outside: <id>)`. */
export async function finishedSpans(provider: { forceFlush(): Promise<void> }, exporter: InMemorySpanExporter): Promise<SpanView[]> {
  await provider.forceFlush();
  const finished = exporter.getFinishedSpans();
  const names = new Map(finished.map((span) => [span.spanContext().spanId, span.name]));
  const parentOf = (span: ReadableSpan) => {
    const id = span.parentSpanContext?.spanId;
    return id === undefined ? undefined : (names.get(id) ?? `(outside: ${id})`);
  };
  return finished.map((span) => ({
    name: span.name,
    kind: SpanKind[span.kind],
    parent: parentOf(span),
    attributes: { ...span.attributes },
    status: SpanStatusCode[span.status.code],
    events: span.events.map((event) => event.name),
  }));
}

/**
 * A new global meter provider reading into an in-memory exporter (cumulative; exported only when a
 * test asks): the metrics API has no proxy, so the router picks up the new one.
 */
export function freshGlobalMeters(): { exporter: InMemoryMetricExporter; reader: PeriodicExportingMetricReader; provider: MeterProvider } {
  metrics.disable();
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  return { exporter, reader, provider };
}
