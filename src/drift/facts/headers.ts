// The headers a doc names and the role each has, read from the words describing it (English and
// Turkish): shared by the fact extractors of every doc shape (src/drift/facts/extract.ts for the
// common shape, src/providers/<name>.drift.ts for a doc of its own shape).
import { proseSignatureFacts } from './prose.js';
import { DocText, sectionLines } from './text.js';
import type { DocFact } from './types.js';

/** The transport role of a header from the words describing it (English and Turkish). */
export function roleFromDescription(description: string): string | undefined {
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

export const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/**
 * The headers of a list in the section `heading` matches, `` - `name`: what it carries `` (the name
 * may be bold): each with the role its description names, and the signature rule that description
 * states, as `<where>`'s facts. Read from InsurUp's "Header'lar" and a common-shape doc's "Headers".
 */
export function headerListFacts(doc: DocText, heading: RegExp, where: string): DocFact[] {
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
