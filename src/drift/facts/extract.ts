// One fact extractor per provider doc of its own shape, each reading the places that doc states its
// rules in (a header table or list, prose, code samples, property lists, the retry policy), and one
// for a doc in the common shape (docs/adding-a-provider.md): its Headers list and Signatures section.
import { acknowledgementFacts, exampleSignatureValue, proseSignatureFacts, retriesHappen, retryFacts, sampleFacts } from './prose.js';
import { DocText, flatSample, markdownSamples, sectionLines } from './text.js';
import type { DocFact } from './types.js';

/** A field a prose property list names (Axitech), before it is placed in a schema. */
export interface PropertyItem {
  /** `envelope` for the Event Object list, else the event whose list it is in. */
  scope: string;
  name: string;
  /** As written: `string`, `object`, `array of objects`… */
  type: string;
  required: boolean;
  /** Marked "Optional" (or "not required"): a schema that requires it refuses deliveries the docs allow. */
  optional: boolean;
  /** The line that carries the Required/Optional marker (the field line or its description). */
  markerLine?: number;
  /** A `Format: '…'` its description states. */
  format?: string;
  line: number;
  /** The line of the description that states the format (or the field line). */
  formatLine: number;
}

/** What the fact extractor of one doc finds. */
export interface ExtractedFacts {
  facts: DocFact[];
  properties: PropertyItem[];
  /** Facts it expected and could not read (a sample in an unknown idiom is a fact, not a problem). */
  problems: string[];
}

/** The transport role of a header from the words describing it (English and Turkish). */
function roleFromDescription(description: string): string | undefined {
  if (/signature|hmac|digest|sha-?\d|imza/i.test(description)) return 'signature';
  // Before `delivery`: "the Unix time the delivery was sent" describes a timestamp.
  if (/timestamp|\btime\b|\bunix\b|zaman/i.test(description)) return 'timestamp';
  if (/webhook'?un tekil|webhook id|id of the webhook/i.test(description)) return 'webhook id';
  if (/guid|identify the payload|delivery|gönderim/i.test(description)) return 'delivery';
  if (/event type|event'?in ismi|name of the event/i.test(description)) return 'event';
  return undefined;
}

/** The subject of the event header's example value (an event name the docs spell out). */
export const EVENT_EXAMPLE = 'header event example';

/** The role of a header a table or list names with a description none of the roles matches: always reported. */
export const UNKNOWN_ROLE = 'of unknown role';

const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/**
 * The headers of a list in the section `heading` matches, `` - `name`: what it carries `` (the name
 * may be bold): each with the role its description names, and the signature rule that description
 * states, as `<where>`'s facts. Read from InsurUp's "Header'lar" and a common-shape doc's "Headers".
 */
function headerListFacts(doc: DocText, heading: RegExp, where: string): DocFact[] {
  const facts: DocFact[] = [];
  for (const [number, line] of sectionLines(doc, heading)) {
    const item = /^\s*-\s*(?:\*\*)?`([^`]+)`(?:\*\*)?\s*:?\s*(.*)$/.exec(line);
    if (!item) continue;
    const role = roleFromDescription(item[2]!) ?? UNKNOWN_ROLE;
    facts.push({ kind: 'header', subject: `header ${role}`, value: item[1]!.toLowerCase(), line: number });
    if (role === 'signature') {
      facts.push(...proseSignatureFacts(item[2]!, number, where));
      // "Bu header eğer `secret` alanı doluysa gönderilir": sent only when the webhook has a secret.
      if (/eğer\b.*\bdoluysa\b|\bonly (?:if|when)\b/i.test(item[2]!)) facts.push({ kind: 'header', subject: 'header signature optional', value: 'yes', line: number });
    }
  }
  return facts;
}

/** kasko-webhooks.md: the header table, the "Checking signatures" prose and PHP sample, "Responding to a webhook". */
export function kaskoFacts(text: string): ExtractedFacts {
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

/** insurup-webhooks.md: the "Header'lar" list, the sync/async markers of "Event'ler", the five "Signature Validasyonu" samples. */
export function insurupFacts(text: string): ExtractedFacts {
  const doc = new DocText(text);
  const facts: DocFact[] = [];
  facts.push(...headerListFacts(doc, /^Header['’]?lar$|^Headers$/i, "Header'lar prose"));
  for (const [number, line] of sectionLines(doc, /^Event['’]?ler$|^Events$/i)) {
    const heading = /^###\s+`([^`]+)`\s*(?:\*(sync|async)\*)?\s*$/.exec(line);
    if (heading) facts.push({ kind: 'delivery-mode', subject: 'delivery mode', event: heading[1]!, value: heading[2] ?? 'unmarked', line: number });
  }
  for (const sample of markdownSamples(doc).filter((s) => /^Signature/i.test(s.section))) facts.push(...sampleFacts(sample, true));
  facts.push(...pageRules(doc));
  return { facts, properties: [], problems: [] };
}

/**
 * The acknowledgement and retry rules of a page, read from every line: a rule added outside the
 * section that used to hold one (CoverKit's first acknowledgement rule, a KASKO retry sentence) is
 * still a rule, so no section is assumed.
 */
function pageRules(doc: DocText): DocFact[] {
  const lines = doc.lines.map((line, index) => [index + 1, line] as [number, string]);
  return [...lines.flatMap(([number, line]) => acknowledgementFacts(line, number)), ...retriesHappen(lines), ...retryFacts(lines)];
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
export function axitechFacts(text: string): ExtractedFacts {
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

/** coverkit-webhooks.txt: the "Signature Verification" prose and sample, the "Retry Policy". */
export function coverkitFacts(text: string): ExtractedFacts {
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

/**
 * A doc in the common shape (docs/adding-a-provider.md): the headers a `## Headers` list names, each
 * with its role (event type, delivery id, timestamp, signature…), and the signature rule of the prose
 * and samples of its `## Signatures` section; a doc without them states no such facts to compare.
 */
export function standardFacts(text: string): ExtractedFacts {
  const doc = new DocText(text);
  const facts: DocFact[] = headerListFacts(doc, /^Headers$/i, 'Headers prose');
  for (const [number, line] of sectionLines(doc, /^Signatures?$/i)) {
    facts.push(...proseSignatureFacts(line, number, 'Signatures prose'));
    const header = /carries an? `([^`]+)` header/i.exec(line);
    if (header) facts.push({ kind: 'header', subject: 'header signature', value: header[1]!.toLowerCase(), line: number });
  }
  for (const sample of markdownSamples(doc).filter((s) => /^Signatures?$/i.test(s.section))) facts.push(...sampleFacts(sample, true));
  return { facts, properties: [], problems: [] };
}

/** Fact extractors by provider name: docs of their own shape; any other doc is read by `standardFacts`. */
export const factExtractors: Readonly<Record<string, (text: string) => ExtractedFacts>> = {
  axitech: axitechFacts,
  coverkit: coverkitFacts,
  insurup: insurupFacts,
  kasko: kaskoFacts,
};

/**
 * The facts of one provider's doc: its own fact extractor's, or `standardFacts` for a provider without one.
 *
 * @example
 * docFacts('kasko', readFileSync('docs/providers/kasko-webhooks.md', 'utf8')).facts.length; // > 0
 */
export function docFacts(provider: string, text: string): ExtractedFacts {
  return (Object.hasOwn(factExtractors, provider) ? factExtractors[provider]! : standardFacts)(text);
}
