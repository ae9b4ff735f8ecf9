// Axitech's doc, as drift reads it (npm run drift; src/drift/ finds this file by its name). Kept
// apart from axitech.ts so that no drift code is in the runtime entry points.
// Axitech (axitech-webhooks.txt): a web page flattened to text. Events are introduced by a line
// "The <name> Event" followed by its property list; the only example follows
// "Full Payload Example:" and carries a `//` comment inside `meta`, which is not JSON.
// The Event Object's `event_type` line also names an event as an example value ("(e.g.,
// "submission.created")"): an event Axitech sends, only without a payload shown, so it is listed
// too (evidence `mention`), and a schema for it is expected like any other.
import { EVENT_NAME, EventList } from '../drift/event-names.js';
import { jsonAfterMarkers } from '../drift/json-text.js';
import { lineIndex } from '../drift/line-index.js';
import type { DocExample, ExtractedDoc } from '../drift/types.js';
import { pageRules, sampleFacts } from '../drift/facts/prose.js';
import { DocText, flatSample } from '../drift/facts/text.js';
import type { DocFact, ExtractedFacts, PropertyItem } from '../drift/facts/types.js';

const EVENT_HEADING = /\bThe ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+) Event\b/g;
/** The `event_type` property line and its description, up to an `e.g.` value in quotes. */
const EVENT_TYPE_EXAMPLE = /\bevent_type: string\s*\n-[^\n]*?\(e\.g\.,?\s*"([^"]+)"\)/g;
const EXAMPLE_MARKER = 'Full Payload Example:';

/**
 * The events and examples of Axitech's doc; each example belongs to the event its `event_type` names.
 *
 * @example
 * const doc = extractDoc(readFileSync('docs/providers/axitech-webhooks.txt', 'utf8'));
 * doc.examples[0]?.event; // 'session.submitted' (the `//` comment in meta is gone)
 */
export function extractDoc(text: string): ExtractedDoc {
  const events = new EventList();
  const problems: string[] = [];
  const lineAt = lineIndex(text);
  for (const match of text.matchAll(EVENT_HEADING)) events.add({ name: match[1]!, evidence: 'name', line: lineAt(match.index) });
  for (const match of text.matchAll(EVENT_TYPE_EXAMPLE)) {
    // The e.g. value sits on the description line below `event_type: string`.
    if (EVENT_NAME.test(match[1]!)) events.add({ name: match[1]!, evidence: 'mention', line: lineAt(match.index) + 1 });
  }
  const examples: DocExample[] = [];
  for (const parsed of jsonAfterMarkers(text, EXAMPLE_MARKER)) {
    if (!parsed.ok) {
      problems.push(`${EXAMPLE_MARKER} the example is not JSON (${parsed.reason})`);
      continue;
    }
    const type = (parsed.value as { event_type?: unknown } | null)?.event_type;
    if (typeof type !== 'string') {
      problems.push(`${EXAMPLE_MARKER} the example has no string event_type`);
      continue;
    }
    // The example is not the event list: an event whose "The <event> Event" section is gone is
    // drift even while the example still carries its name.
    examples.push({ event: type, section: 'Full Payload Example', payload: parsed.value, ...(parsed.line ? { line: parsed.line } : {}) });
  }
  if (events.list().length === 0) problems.push('no "The <event> Event" heading and no example found');
  return { events: events.list(), examples, problems };
}

const PROPERTY = /^-\s*([A-Za-z_][A-Za-z0-9_]*):\s*(string|number|integer|boolean|object|array(?: of \w+)?)\s*(.*)$/;
const OPTIONAL = /\boptional\b|\bnot required\b/i;
const EVENT_SECTION = /^The ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+) Event\b/;

/** The property lists of Axitech's page: `- name: type`, then `- description` (maybe `Format: '…'`, maybe `Required`). */
function axitechProperties(doc: DocText): PropertyItem[] {
  const items: PropertyItem[] = [];
  let scope: string | undefined;
  doc.lines.forEach((raw, index) => {
    const line = raw.trim();
    if (/^The Event Object\b/.test(line)) scope = 'envelope';
    else if (EVENT_SECTION.test(line)) scope = EVENT_SECTION.exec(line)![1]!;
    else if (/^(?:Full Payload )?Example:|^Implementation Example:/.test(line)) scope = undefined;
    if (!scope) return;
    const property = PROPERTY.exec(line);
    if (property) {
      const [, name = '', type = '', rest = ''] = property;
      const optional = OPTIONAL.test(rest);
      const required = !optional && /\brequired\b/i.test(rest);
      items.push({ scope, name, type, required, optional, ...(required || optional ? { markerLine: index + 1 } : {}), line: index + 1, formatLine: index + 1 });
      return;
    }
    const last = items.at(-1);
    if (last && last.line === index && /^-\s/.test(line)) {
      // The description line of the property above.
      if (OPTIONAL.test(line)) Object.assign(last, { optional: true, required: false, markerLine: index + 1 });
      else if (/\brequired\b/i.test(line)) Object.assign(last, { required: true, markerLine: index + 1 });
      const format = /Format:\s*'([^']+)'/i.exec(line);
      if (format) Object.assign(last, { format: format[1]!, formatLine: index + 1 });
    }
  });
  return items;
}

/** axitech-webhooks.txt: the property lists, the setup steps (acknowledgement, retries) and the Node.js sample. */
export function docFacts(text: string): ExtractedFacts {
  const doc = new DocText(text);
  const facts: DocFact[] = [];
  const problems: string[] = [];
  facts.push(...pageRules(doc));
  const sample = flatSample(doc, /^Node\.js \(Javascript\)\s*$/i, /^This Node\.js example\b/i, 'javascript');
  if (sample) facts.push(...sampleFacts(sample, true));
  else problems.push('no "Node.js (Javascript)" sample found');
  const properties = axitechProperties(doc);
  for (const item of properties) if (item.format) facts.push({ kind: 'format', subject: `format ${item.scope} ${item.name}`, value: item.format, line: item.formatLine });
  return { facts, properties, problems };
}
