// KASKO (kasko-webhooks.md): Markdown; each event is a `### <Title>` under `## Events` with a
// fenced JSON payload. Only `policy.created` is spelled out, as the example value of the
// X-KASKO-Event header; the other names come from the titles by the title rule (an inference).
import { EVENT_NAME, EventList } from '../event-names.js';
import type { ExtractedDoc, ListedEvent } from '../types.js';
import { extractHeadedMarkdown } from './headed-markdown.js';

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
 * const doc = extractKasko(readFileSync('docs/providers/kasko-webhooks.md', 'utf8'));
 * doc.events.map((e) => e.name); // ['policy.created', 'offer.created', 'policy.updated', 'policy.cancelled']
 */
export function extractKasko(text: string): ExtractedDoc {
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
