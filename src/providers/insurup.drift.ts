// InsurUp's doc, as drift reads it (npm run drift; src/drift/ finds this file by its name). Kept
// apart from insurup.ts so that no drift code is in the runtime entry points.
// InsurUp (insurup-webhooks.md): Markdown in Turkish; each event is a heading
// "### `proposal_premium.received` *async*" under "## Event'ler" (the name in backticks, the
// sync/async marker after it) with a fenced JSON "Örnek Payload" below.
import type { ExtractedDoc } from '../drift/types.js';
import { extractHeadedMarkdown } from '../drift/extract/headed-markdown.js';
import { headerListFacts } from '../drift/facts/headers.js';
import { pageRules, sampleFacts } from '../drift/facts/prose.js';
import { DocText, markdownSamples, sectionLines } from '../drift/facts/text.js';
import type { DocFact, ExtractedFacts } from '../drift/facts/types.js';

/**
 * The events (with their sync/async marker) and examples of InsurUp's doc.
 *
 * @example
 * const doc = extractDoc(readFileSync('docs/providers/insurup-webhooks.md', 'utf8'));
 * doc.events[1]; // { name: 'proposal_premium.purchasing', evidence: 'name', delivery: 'sync' }
 */
export function extractDoc(text: string): ExtractedDoc {
  return extractHeadedMarkdown(text, { eventsSection: /^Event['’]?ler$|^Events$/i, titles: false });
}

/** insurup-webhooks.md: the "Header'lar" list, the sync/async markers of "Event'ler", the five "Signature Validasyonu" samples. */
export function docFacts(text: string): ExtractedFacts {
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
