// KASKO's doc, as drift reads it (npm run drift; src/drift/ finds this file by its name). Kept apart
// from kasko.ts so that no drift code is in the runtime entry points.
// KASKO (kasko-webhooks.md): Markdown; each event is a `### <Title>` under `## Events` with a
// fenced JSON payload. Only `policy.created` is spelled out, as the example value of the
// X-KASKO-Event header; the other names come from the titles by the title rule (an inference).
import { EVENT_NAME, EventList } from '../drift/event-names.js';
import type { ExtractedDoc, ListedEvent } from '../drift/types.js';
import { extractHeadedMarkdown } from '../drift/extract/headed-markdown.js';
import { EVENT_EXAMPLE, UNKNOWN_ROLE, backticked, roleFromDescription } from '../drift/facts/headers.js';
import { exampleSignatureValue, pageRules, proseSignatureFacts, sampleFacts } from '../drift/facts/prose.js';
import { DocText, markdownSamples, sectionLines } from '../drift/facts/text.js';
import type { DocFact, ExtractedFacts } from '../drift/facts/types.js';

/** Backticked values in the `X-KASKO-Event` row of the header table: the event names KASKO spells out. */
function headerTableEventNames(text: string): string[] {
  const rows = text.split(/\r?\n/).filter((line) => /^\|\s*`X-KASKO-Event`\s*\|/i.test(line));
  return rows.flatMap((row) => [...row.matchAll(/`([^`]+)`/g)].map((match) => match[1]!).filter((value) => EVENT_NAME.test(value)));
}

/** The heading line of a listed event, so a name the header table confirms keeps it. */
const lineOf = (events: readonly ListedEvent[], name: string) => {
  const line = events.find((event) => event.name === name)?.line;
  return line ? { line } : {};
};

/**
 * The events and examples of KASKO's doc: titles mapped to names (`Policy created` →
 * `policy.created`), confirmed by the names the header table spells out.
 *
 * @example
 * const doc = extractDoc(readFileSync('docs/providers/kasko-webhooks.md', 'utf8'));
 * doc.events.map((e) => e.name); // ['policy.created', 'offer.created', 'policy.updated', 'policy.cancelled']
 */
export function extractDoc(text: string): ExtractedDoc {
  const fromHeadings = extractHeadedMarkdown(text, { eventsSection: /^Events$/i, titles: true });
  // The header table comes first in the doc, so its names lead; but it is not the event list: a
  // name it spells out only confirms an event an `## Events` heading lists (a removed section is a
  // removed event even while the table still shows its name as an example value).
  const events = new EventList();
  const listed = new Set(fromHeadings.events.map((event) => event.name));
  for (const name of headerTableEventNames(text)) if (listed.has(name)) events.add({ name, evidence: 'name', ...lineOf(fromHeadings.events, name) });
  for (const event of fromHeadings.events) events.add(event);
  return { ...fromHeadings, events: events.list() };
}

/** kasko-webhooks.md: the header table, the "Checking signatures" prose and PHP sample, "Responding to a webhook". */
export function docFacts(text: string): ExtractedFacts {
  const doc = new DocText(text);
  const facts: DocFact[] = [];
  doc.lines.forEach((line, index) => {
    const row = /^\|\s*`([^`]+)`\s*\|([^|]*)\|([^|]*)\|/.exec(line);
    if (!row || !/^x-/i.test(row[1]!)) return;
    const role = roleFromDescription(row[3]!) ?? UNKNOWN_ROLE;
    facts.push({ kind: 'header', subject: `header ${role}`, value: row[1]!.toLowerCase(), line: index + 1 });
    // The table's example event type is the one event name the page spells out (the others are inferred from headings).
    const example = backticked(row[2]!)[0];
    if (role === 'event' && example) facts.push({ kind: 'header', subject: EVENT_EXAMPLE, value: example, line: index + 1 });
    if (role === 'signature') {
      const example = exampleSignatureValue(backticked(row[2]!)[0] ?? '');
      for (const field of ['algorithm', 'label'] as const) {
        const value = example[field];
        if (value) facts.push({ kind: 'signature', subject: `signature ${field} (header table)`, value, line: index + 1 });
      }
      facts.push(...proseSignatureFacts(row[3]!, index + 1, 'header table'));
    }
  });
  for (const [number, line] of sectionLines(doc, /^Checking signatures$/i)) {
    facts.push(...proseSignatureFacts(line, number, 'Checking signatures prose'));
    const header = /included in the `([^`]+)` header/i.exec(line);
    if (header) facts.push({ kind: 'header', subject: 'header signature', value: header[1]!.toLowerCase(), line: number });
  }
  for (const sample of markdownSamples(doc).filter((s) => /^Checking signatures$/i.test(s.section))) facts.push(...sampleFacts(sample, true));
  facts.push(...pageRules(doc));
  return { facts, properties: [], problems: [] };
}
