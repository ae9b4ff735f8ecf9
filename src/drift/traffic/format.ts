// The traffic report as a maintainer reads it: per provider and event, each finding with its
// count, the schema file, the doc section and one example capture.
import type { TrafficFinding, TrafficProvider, TrafficReport } from './types.js';

const SIGN: Record<TrafficFinding['kind'], string> = { added: '+', missing: '-', retyped: '~', format: '!' };

function findingLine(finding: TrafficFinding, deliveries: number, doc: string): string {
  const field = finding.path || '(payload)';
  const what =
    finding.kind === 'added' ? `${field} (${finding.detail}): not in the schema`
    : finding.kind === 'missing' ? `${field}: required, ${finding.count === deliveries ? 'never arrives' : 'missing'}`
    : `${field}: ${finding.detail}`;
  const where = [finding.docLine ? `${doc}:${finding.docLine}` : '', finding.docSection].filter(Boolean).join(' ');
  return `    ${SIGN[finding.kind]} ${what} — ${finding.count} of ${deliveries}, e.g. ${finding.example}${where ? `; doc: ${where}` : ''}`;
}

function providerLines(provider: TrafficProvider): string[] {
  const status = provider.changes === 0 ? 'no drift' : `${provider.changes} change${provider.changes === 1 ? '' : 's'}`;
  const lines = [`${provider.displayName}: ${provider.deliveries} deliver${provider.deliveries === 1 ? 'y' : 'ies'}: ${status}`];
  for (const { problem, count, example } of provider.problems) lines.push(`  ! ${problem} — ${count}, e.g. ${example}`);
  for (const { event, count, example } of provider.unknownEvents) lines.push(`  + event ${event}: no schema — ${count} deliver${count === 1 ? 'y' : 'ies'}, e.g. ${example}`);
  if (provider.omittedUnknownEvents) lines.push(`  … and ${provider.omittedUnknownEvents} more unknown event type(s), not listed`);
  for (const event of provider.events) {
    if (!event.findings.length) continue;
    lines.push(`  ${event.event} (${event.schemaFile}; ${event.doc}${event.docLine ? `:${event.docLine}` : ''})`);
    lines.push(...event.findings.map((finding) => findingLine(finding, event.deliveries, event.doc)));
    if (event.omittedFindings) lines.push(`    … and ${event.omittedFindings} more finding(s), not listed`);
  }
  return lines;
}

/**
 * The traffic report as text, ending with `drift: none` or `drift: N change(s)`.
 *
 * @example
 * formatTrafficReport(await runTrafficDrift({ source: 'captured' }));
 * // KASKO: 12 deliveries: 1 change
 * //   policy.created (schemas/kasko/policy.created.schema.json; kasko-webhooks.md:97)
 * //     + phone (string): not in the schema — 12 of 12, e.g. 2026-11-30/kasko-1.json; doc: kasko-webhooks.md:97 Events › Policy created
 * // drift: 1 change(s)
 */
export function formatTrafficReport(report: TrafficReport): string {
  const lines = [`${report.deliveries} deliver${report.deliveries === 1 ? 'y' : 'ies'} from ${report.source}`];
  for (const { ref, problem } of report.unreadable) lines.push(`! ${ref}: ${problem}`);
  if (report.omittedUnreadable) lines.push(`… and ${report.omittedUnreadable} more unreadable entr${report.omittedUnreadable === 1 ? 'y' : 'ies'}, not listed`);
  lines.push(...report.providers.flatMap(providerLines));
  lines.push(report.clean ? 'drift: none' : `drift: ${report.changes} change(s)`);
  return lines.join('\n');
}
