// CoverKit's doc, as drift reads it (npm run drift; src/drift/ finds this file by its name). Kept
// apart from coverkit.ts so that no drift code is in the runtime entry points.
// CoverKit (coverkit-webhooks.txt): a web page flattened to text, with the line breaks of the
// event list lost: "quote.created - New quote generatedquote.expired - Quote expired without
// bindingPolicy Events…". Each item is "<name> - <description>"; a name can be glued to the end
// of the previous description, so a word boundary before it cannot be relied on. Glued names are
// split off with the nouns the doc itself uses: its category headings ("Quote Events", "Policy
// Events", "Claim Events") and the names in the registration sample's `events: [...]`. Only the
// list lists: the sample's names help split glued names, they never count as listed.
// The single example follows "Webhook Payload" and belongs to the event its `type` names.
import { EVENT_NAME, EventList } from '../drift/event-names.js';
import { jsonAfterMarkers } from '../drift/json-text.js';
import { lineIndex } from '../drift/line-index.js';
import type { DocExample, ExtractedDoc } from '../drift/types.js';
import { pageRules, proseSignatureFacts, sampleFacts } from '../drift/facts/prose.js';
import { DocText, flatSample } from '../drift/facts/text.js';
import type { DocFact, ExtractedFacts } from '../drift/facts/types.js';

const LIST_START = 'Event Types';
const LIST_END = 'Webhook Payload';
const EXAMPLE_MARKER = 'Webhook Payload';

/** Quoted names inside the `events: [ ... ]` array of the registration code sample. */
export function registeredEventNames(text: string): string[] {
  const array = /\bevents\s*:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
  return [...array.matchAll(/'([^']*)'|"([^"]*)"/g)].map((match) => match[1] ?? match[2] ?? '').filter((name) => EVENT_NAME.test(name));
}

/**
 * The names in the flattened "Event Types" list. An item is "<name> - <description>", so a
 * name is lower-case word(s), a dot and a verb, followed by " - ". Because line breaks were lost,
 * the name's noun may be glued to the previous description's last word ("generatedquote.expired"):
 * when the word before the dot ends with a known noun, only that noun is kept. Known nouns are
 * `knownNouns` plus every "<Noun> Events" category heading in the list.
 *
 * @example
 * listedEventNames('Quote Events\nquote.created - New quote generatedquote.expired - Expired', []);
 * // ['quote.created', 'quote.expired']
 */
export function listedEventNames(list: string, knownNouns: readonly string[]): string[] {
  return listedEventItems(list, knownNouns).map((item) => item.name);
}

/** {@link listedEventNames} with the offset of each name's item in `list`. */
function listedEventItems(list: string, knownNouns: readonly string[]): Array<{ name: string; index: number }> {
  const nouns = new Set(knownNouns);
  for (const match of list.matchAll(/([A-Z][a-z]+) Events\b/g)) nouns.add(match[1]!.toLowerCase());
  // Longest first, so a noun that ends another noun never wins over it.
  const byLength = [...nouns].sort((a, b) => b.length - a.length);
  const item = /(?<![a-z0-9_])([a-z][a-z0-9_]*)(\.[a-z][a-z0-9_]*)(?=\s*[-–—]\s)/g;
  return [...list.matchAll(item)].map(({ 1: word = '', 2: verb = '', index }) => {
    const noun = nouns.has(word) ? word : (byLength.find((known) => word.endsWith(known)) ?? word);
    return { name: noun + verb, index };
  });
}

/**
 * The events and the example of CoverKit's doc: the events are the flattened event list's only;
 * the example belongs to the event its `type` names.
 *
 * @example
 * const doc = extractDoc(readFileSync('docs/providers/coverkit-webhooks.txt', 'utf8'));
 * doc.events.length; // 10
 */
export function extractDoc(text: string): ExtractedDoc {
  const events = new EventList();
  const problems: string[] = [];
  const registered = registeredEventNames(text);
  const start = text.indexOf(LIST_START);
  const end = start === -1 ? -1 : text.indexOf(LIST_END, start);
  if (start === -1) problems.push(`no "${LIST_START}" list found`);
  else {
    const from = start + LIST_START.length;
    const list = text.slice(from, end === -1 ? undefined : end);
    const nouns = registered.map((name) => name.split('.')[0]!);
    const lineAt = lineIndex(text);
    for (const { name, index } of listedEventItems(list, nouns)) events.add({ name, evidence: 'name', line: lineAt(from + index) });
  }
  // The registration sample's names and the example's type are not the event list: an event
  // dropped from the list is drift even while the setup sample still subscribes to it.
  const examples: DocExample[] = [];
  for (const parsed of jsonAfterMarkers(text, EXAMPLE_MARKER)) {
    if (!parsed.ok) {
      problems.push(`${EXAMPLE_MARKER}: the example is not JSON (${parsed.reason})`);
      continue;
    }
    const type = (parsed.value as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') {
      problems.push(`${EXAMPLE_MARKER}: the example has no string type`);
      continue;
    }
    examples.push({ event: type, section: EXAMPLE_MARKER, payload: parsed.value, ...(parsed.line ? { line: parsed.line } : {}) });
  }
  return { events: events.list(), examples, problems };
}

/** coverkit-webhooks.txt: the "Signature Verification" prose and sample, the "Retry Policy". */
export function docFacts(text: string): ExtractedFacts {
  const doc = new DocText(text);
  const facts: DocFact[] = [];
  const problems: string[] = [];
  const signatureStart = doc.find(/Signature Verification\s*$/);
  const sample = flatSample(doc, /^\/\/ Node\.js\/Express example/i, /Retry Policy\s*$/, 'javascript');
  if (signatureStart && sample) {
    for (let number = signatureStart; number < sample.firstLine - 1; number++) facts.push(...proseSignatureFacts(doc.lines[number - 1]!, number, 'Signature Verification prose'));
    // The algorithm is not documented: the sample calls the SDK, so no HMAC idiom is expected.
    facts.push(...sampleFacts(sample, false));
  } else problems.push('no "Signature Verification" section with its Node.js/Express sample found');
  facts.push(...pageRules(doc));
  return { facts, properties: [], problems };
}
