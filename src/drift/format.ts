// The report as a person reads it: one line per provider, then per event `+ field (type)`,
// `- field`, `~ field: integer → string`, and a final `drift: none` / `drift: N change(s)`.
import type { DriftReport, EventDrift, ProviderDrift } from './types.js';

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const field = (path: string) => path || '(payload)';

function eventLines(event: EventDrift): string[] {
  if (event.changes === 0) return [];
  const lines = [`  ${event.event}`];
  if (event.newlyDocumented) lines.push("    * example now documented (the schema's example is constructed)");
  if (event.delivery) lines.push(`    ~ delivery: ${event.delivery.schema} → ${event.delivery.docs}`);
  for (const { path, type } of event.added) lines.push(`    + ${field(path)} (${type})`);
  for (const { path } of event.removed) lines.push(`    - ${field(path)}`);
  for (const { path, schema, docs } of event.retyped) lines.push(`    ~ ${field(path)}: ${schema} → ${docs}`);
  for (const { path, message } of event.violations) lines.push(`    ! ${field(path)}: ${message}`);
  return lines;
}

function providerLines(provider: ProviderDrift): string[] {
  const summary = [count(provider.listedEvents.length, 'event'), count(provider.examples, 'example')];
  if (provider.namedOnly.length) summary.push(`${provider.namedOnly.length} named only`);
  const status = provider.changes === 0 ? 'no drift' : count(provider.changes, 'change');
  return [
    `${provider.displayName} (${provider.doc}): ${summary.join(', ')}: ${status}`,
    ...provider.problems.map((problem) => `  ! ${problem}`),
    ...provider.newEvents.map((name) => `  + event ${name}: in the docs, no schema`),
    ...provider.missingEvents.map((name) => `  - event ${name}: has a schema, not in the docs`),
    ...provider.examplesMissing.map((name) => `  - example of ${name}: the schema's example is documented, the docs show none`),
    ...provider.events.flatMap(eventLines),
  ];
}

/**
 * The report as text, one provider after another, ending with `drift: none` or `drift: N change(s)`.
 *
 * @example
 * formatDriftReport(await runDrift());
 * // KASKO (kasko-webhooks.md): 4 events, 4 examples: no drift
 * // …
 * // drift: none
 */
export function formatDriftReport(report: DriftReport): string {
  const total = report.clean ? 'drift: none' : `drift: ${report.changes} change(s)`;
  return [...report.providers.flatMap(providerLines), total].join('\n');
}
