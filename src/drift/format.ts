// The report as a maintainer reads it: one line per provider, then its findings grouped by event.
// Structural example changes: `+ field (type)`, `- field`, `~ field: integer → string`,
// `! field: message`; documented facts: `≠ subject: docs … / ours …`, then the doc line it was read
// from and the file to change with what to do. Ends with `drift: none` / `drift: N change(s)`.
import type { FactFinding } from './facts/types.js';
import type { DriftReport, EventDrift, ProviderDrift } from './types.js';

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const field = (path: string) => path || '(payload)';

/** One documented-fact finding: what changed, the doc line, our file and what to do. */
export function factLines(finding: FactFinding, indent: string): string[] {
  const docs = finding.docs ?? '(no longer stated)';
  const ours = finding.ours ?? '(not recorded)';
  const where = finding.docLine ? `${finding.docLine.doc}:${finding.docLine.line}: ${finding.docLine.text}` : 'the docs: no line states it any more';
  return [`${indent}≠ ${finding.subject}: docs ${docs} / ours ${ours}`, `${indent}    doc   ${where}`, `${indent}    fix   ${finding.file}: ${finding.action}`];
}

function exampleLines(provider: ProviderDrift, event: EventDrift): string[] {
  if (event.changes === 0) return [];
  const at = (line: number | undefined) => (line ? ` — ${provider.doc}:${line}` : '');
  const lines = [`    example under "${event.section}"${event.line ? ` (${provider.doc}:${event.line})` : ''} vs schemas/${provider.provider}/${event.event}.schema.json`];
  if (event.newlyDocumented) lines.push("    * example now documented (the schema's example is constructed)");
  for (const { path, type, line } of event.added) lines.push(`    + ${field(path)} (${type})${at(line)}`);
  for (const { path } of event.removed) lines.push(`    - ${field(path)}`);
  for (const { path, schema, docs, line } of event.retyped) lines.push(`    ~ ${field(path)}: ${schema} → ${docs}${at(line)}`);
  for (const { path, message } of event.violations) lines.push(`    ! ${field(path)}: ${message}`);
  return lines;
}

function providerLines(provider: ProviderDrift): string[] {
  const summary = [count(provider.listedEvents.length, 'event'), count(provider.examples, 'example')];
  if (provider.namedOnly.length) summary.push(`${provider.namedOnly.length} named only`);
  const status = provider.changes === 0 ? 'no drift' : count(provider.changes, 'change');
  const schemaFile = (name: string) => `schemas/${provider.provider}/${name}.schema.json`;
  const lines = [
    `${provider.displayName} (${provider.doc}): ${summary.join(', ')}: ${status}`,
    ...provider.problems.map((problem) => `  ! ${problem}`),
    ...provider.newEvents.map((name) => {
      const line = provider.eventLines[name];
      return `  + event ${name}: in the docs' event list${line ? ` (${provider.doc}:${line})` : ''}, no schema (add ${schemaFile(name)})`;
    }),
    ...provider.missingEvents.map((name) => `  - event ${name}: ${schemaFile(name)} exists, the docs' event list no longer names it`),
    ...provider.examplesMissing.map((name) => `  - example of ${name}: the schema's example is documented, the docs show none`),
    ...provider.facts.filter((f) => !f.event).flatMap((f) => factLines(f, '  ')),
  ];
  const events = [...new Set([...provider.events.filter((e) => e.changes).map((e) => e.event), ...provider.facts.flatMap((f) => (f.event ? [f.event] : []))])];
  for (const event of events) {
    lines.push(`  ${event}`);
    for (const drift of provider.events.filter((e) => e.event === event)) lines.push(...exampleLines(provider, drift));
    for (const finding of provider.facts.filter((f) => f.event === event)) lines.push(...factLines(finding, '    '));
  }
  return lines;
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
