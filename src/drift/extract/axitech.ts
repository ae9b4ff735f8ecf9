// Axitech (axitech-webhooks.txt): a web page flattened to text. Events are introduced by a line
// "The <name> Event" followed by its property list; the only example follows
// "Full Payload Example:" and carries a `//` comment inside `meta`, which is not JSON.
// The Event Object's `event_type` line also names an event as an example value ("(e.g.,
// "submission.created")"): an event Axitech sends, only without a payload shown, so it is listed
// too (evidence `mention`), and a schema for it is expected like any other.
import { EVENT_NAME, EventList } from '../event-names.js';
import { jsonAfterMarkers } from '../json-text.js';
import { lineIndex } from '../line-index.js';
import type { DocExample, ExtractedDoc } from '../types.js';

const EVENT_HEADING = /\bThe ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+) Event\b/g;
/** The `event_type` property line and its description, up to an `e.g.` value in quotes. */
const EVENT_TYPE_EXAMPLE = /\bevent_type: string\s*\n-[^\n]*?\(e\.g\.,?\s*"([^"]+)"\)/g;
const EXAMPLE_MARKER = 'Full Payload Example:';

/**
 * The events and examples of Axitech's doc; each example belongs to the event its `event_type` names.
 *
 * @example
 * const doc = extractAxitech(readFileSync('docs/providers/axitech-webhooks.txt', 'utf8'));
 * doc.examples[0]?.event; // 'session.submitted' (the `//` comment in meta is gone)
 */
export function extractAxitech(text: string): ExtractedDoc {
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
