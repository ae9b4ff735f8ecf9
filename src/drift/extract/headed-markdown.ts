// KASKO and InsurUp write their docs the same way: a Markdown section of events, one `###`
// heading per event, the example payload as a fenced JSON block under it. They differ in how the
// heading names the event, which the caller decides.
import { EventList, eventFromHeading } from '../event-names.js';
import { parseExample } from '../json-text.js';
import type { ExtractedDoc } from '../types.js';
import { isJsonFence, outlineMarkdown } from './markdown.js';

export interface HeadedMarkdownOptions {
  /** Which `##` section holds the events, e.g. /^Events$/ or /^Event'ler$/. */
  eventsSection: RegExp;
  /** Whether a plain title ("Policy created") may name an event through the title rule. */
  titles: boolean;
}

/**
 * Every event heading of the events section, and every fenced JSON block under one of them.
 * A JSON block under a heading that names no event is a problem, never silently dropped.
 *
 * @example
 * extractHeadedMarkdown(text, { eventsSection: /^Events$/, titles: true }).examples[0]?.event; // 'offer.created'
 */
export function extractHeadedMarkdown(text: string, options: HeadedMarkdownOptions): ExtractedDoc {
  const { headings, blocks } = outlineMarkdown(text);
  const events = new EventList();
  const problems: string[] = [];
  const inEvents = (section: string) => options.eventsSection.test(section);
  for (const { section, heading, line } of headings) {
    if (!inEvents(section)) continue;
    const event = eventFromHeading(heading, options);
    if (event) events.add({ ...event, line });
  }
  const examples: ExtractedDoc['examples'] = [];
  for (const block of blocks) {
    if (!isJsonFence(block.lang) || !inEvents(block.section)) continue;
    const where = `${block.section} › ${block.heading || '(no heading)'}`;
    const event = eventFromHeading(block.heading, options);
    if (!event) {
      problems.push(`${where}: a JSON example under a heading that names no event`);
      continue;
    }
    const parsed = parseExample(block.code);
    if (!parsed.ok) problems.push(`${where}: the example is not JSON (${parsed.reason})`);
    else examples.push({ event: event.name, section: block.heading, payload: parsed.value, line: block.line });
  }
  if (events.list().length === 0) problems.push(`no event headings found in a section matching ${options.eventsSection}`);
  return { events: events.list(), examples, problems };
}

/**
 * A doc in the common shape (docs/adding-a-provider.md): a `## Events` section with one
 * `` ### `event.name` `` heading per event and its JSON example under it. Drift reads a provider's
 * doc this way unless src/providers/<name>.drift.ts has an extractor of its own for it.
 *
 * @example
 * extractStandardDoc('## Events\n\n### `policy.issued`\n\n```json\n{"id":"evt_1"}\n```').events[0]?.name; // 'policy.issued'
 */
export const extractStandardDoc = (text: string): ExtractedDoc => extractHeadedMarkdown(text, { eventsSection: /^Events$/i, titles: false });
