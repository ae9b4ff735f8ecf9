// Facts stated in words: a signature's algorithm and encoding, an example header value's label,
// a retry schedule, an acknowledgement rule. Each reader takes one line and returns what it states.
import type { DocFact } from './types.js';
import { readSignatureSample } from './signature-code.js';
import type { CodeSample, DocText } from './text.js';

/** `HMAC-SHA256`, `SHA-256`, `sha1` in prose → `SHA-256` / `SHA-1`. */
export function proseAlgorithm(line: string): string | undefined {
  const match = /\b(?:HMAC[- ]?)?SHA-?(1|224|256|384|512)\b/i.exec(line);
  return match ? `SHA-${match[1]}` : undefined;
}

/** `hex digest`, `hexadecimal`, `Base64` in prose. */
export function proseEncoding(line: string): string | undefined {
  if (/\bbase-?64\b/i.test(line)) return 'base64';
  if (/\bhex(?:adecimal)?\b/i.test(line)) return 'hex';
  return undefined;
}

/**
 * An example signature value (`sha1=88dd…`): its label and, from the MAC's length, the algorithm.
 *
 * @example
 * exampleSignatureValue('sha1=88dd4948bf8fc1e991a574179fc668c76d329db2'); // { label: 'sha1=', algorithm: 'SHA-1', encoding: 'hex' }
 */
export function exampleSignatureValue(value: string): { label?: string; algorithm?: string; encoding?: string } {
  const match = /^([a-z0-9]+=)?([0-9a-f]+)$/i.exec(value.trim());
  if (!match) return {};
  const bytes = match[2]!.length / 2;
  const algorithm = ({ 20: 'SHA-1', 32: 'SHA-256', 48: 'SHA-384', 64: 'SHA-512' } as Record<number, string>)[bytes];
  return { ...(match[1] ? { label: match[1] } : {}), ...(algorithm ? { algorithm } : {}), encoding: 'hex' };
}

/** The signature facts of one line of prose, under `place` (e.g. `Checking signatures prose`). */
export function proseSignatureFacts(line: string, lineNumber: number, place: string): DocFact[] {
  const facts: DocFact[] = [];
  const algorithm = proseAlgorithm(line);
  if (algorithm) facts.push({ kind: 'signature', subject: `signature algorithm (${place})`, value: algorithm, line: lineNumber });
  const encoding = proseEncoding(line);
  if (encoding) facts.push({ kind: 'signature', subject: `signature encoding (${place})`, value: encoding, line: lineNumber });
  return facts;
}

/**
 * The facts of a signature sample, each under `<field> (<place>)`; a sample that states no
 * algorithm and no encoding adds a `signature sample` fact `unrecognised`, so a rewrite into an
 * idiom the reader does not know is reported rather than taken for silence.
 */
export function sampleFacts(sample: CodeSample, expectsHmac: boolean): DocFact[] {
  const facts: DocFact[] = [];
  const statements = readSignatureSample(sample.lines);
  for (const { field, value, role, index } of statements) {
    const line = sample.firstLine + index;
    if (field === 'header') facts.push({ kind: 'header', subject: `header ${role}`, value, line });
    else facts.push({ kind: 'signature', subject: `signature ${field} (${sample.place})`, value, line });
  }
  if (expectsHmac && !statements.some((s) => s.field === 'algorithm' || s.field === 'encoding')) {
    facts.push({ kind: 'signature', subject: `signature sample (${sample.place})`, value: 'unrecognised', line: sample.firstLine });
  }
  return facts;
}

/** `retry`, `retries`, `retried`, `retrying`. */
const RETRY_WORD = /\bretr(?:y|ies|ied|ying)\b/i;

const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86_400 };

/**
 * A retry schedule in a list (`- 1st retry: 1 minute`, `- 4th retry: 2 hours`) and the attempt
 * limit (`After 5 failed attempts`), from the lines given.
 */
export function retryFacts(lines: ReadonlyArray<[number, string]>): DocFact[] {
  const facts: DocFact[] = [];
  const delays: number[] = [];
  const partLines: number[] = [];
  for (const [number, line] of lines) {
    const step = /^\s*-?\s*\d+(?:st|nd|rd|th)\s+retry:\s*(\d+)\s*(second|minute|hour|day)s?\b/i.exec(line);
    if (step) {
      delays.push(Number(step[1]) * UNIT_SECONDS[step[2]!.toLowerCase()]!);
      partLines.push(number);
    } else if (RETRY_WORD.test(line)) {
      // A schedule in a sentence: "failed deliveries are retried after 1 minute, 10 minutes and 1 hour".
      const sentence = [...line.matchAll(/\b(\d+)\s*(second|minute|hour|day)s?\b/gi)].map((m) => `${Number(m[1]) * UNIT_SECONDS[m[2]!.toLowerCase()]!}s`);
      if (sentence.length) facts.push({ kind: 'retries', subject: 'retries schedule', value: sentence.join(' '), line: number });
    }
    const attempts = /\bafter\s+(\d+)\s+failed\s+attempts\b/i.exec(line);
    if (attempts) facts.push({ kind: 'retries', subject: 'retries attempts', value: attempts[1]!, line: number });
  }
  if (delays.length) facts.unshift({ kind: 'retries', subject: 'retries schedule', value: delays.map((s) => `${s}s`).join(' '), line: partLines[0]!, partLines });
  return facts;
}

/** `retries` `yes` where a line says deliveries are retried (`retries failed webhook deliveries`, `prevent retries`). */
export function retriesHappen(lines: ReadonlyArray<[number, string]>): DocFact[] {
  const found = lines.find(([, line]) => RETRY_WORD.test(line));
  return found ? [{ kind: 'retries', subject: 'retries', value: 'yes', line: found[0] }] : [];
}

/**
 * What a line says counts as acknowledged: `return a 2xx status code` → success `2xx`; `including
 * 3xx codes … did not receive` → redirects `failure`.
 */
export function acknowledgementFacts(line: string, lineNumber: number): DocFact[] {
  const facts: DocFact[] = [];
  const success = /\b(?:return(?:s|ing)?|(?:respond|reply|answer)(?:s|ing)?\s+with)\s+(?:a|an|the)?\s*`?([1-5](?:xx|\d\d))`?\s+(?:HTTP\s+)?status/i.exec(line);
  if (success) facts.push({ kind: 'acknowledgement', subject: 'acknowledgement success', value: success[1]!.toLowerCase(), line: lineNumber });
  const redirects = /\bincluding\s+`?3xx`?\s+codes?\b.*\b(?:not|failure)\b/i.test(line);
  if (redirects) facts.push({ kind: 'acknowledgement', subject: 'acknowledgement redirects', value: 'failure', line: lineNumber });
  return facts;
}

/**
 * The acknowledgement and retry rules of a page, read from every line: a rule added outside the
 * section that used to hold one (CoverKit's first acknowledgement rule, a KASKO retry sentence) is
 * still a rule, so no section is assumed.
 */
export function pageRules(doc: DocText): DocFact[] {
  const lines = doc.lines.map((line, index) => [index + 1, line] as [number, string]);
  return [...lines.flatMap(([number, line]) => acknowledgementFacts(line, number)), ...retriesHappen(lines), ...retryFacts(lines)];
}
