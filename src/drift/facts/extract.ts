// The facts of a provider's doc: read by the provider's own fact extractor when its doc has a shape
// of its own (`docFacts` of src/providers/<name>.drift.ts, found through the generated
// src/drift/doc-readers.ts), else as a doc in the common shape (docs/adding-a-provider.md): its
// Headers list and Signatures section.
import { docReaders } from '../doc-readers.js';
import { headerListFacts } from './headers.js';
import { proseSignatureFacts, sampleFacts } from './prose.js';
import { DocText, markdownSamples, sectionLines } from './text.js';
import type { DocFact, ExtractedFacts } from './types.js';

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

/**
 * The facts of one provider's doc: its own fact extractor's (`docFacts` of
 * src/providers/<provider>.drift.ts), or `standardFacts` for a provider without one.
 *
 * @example
 * docFacts('kasko', readFileSync('docs/providers/kasko-webhooks.md', 'utf8')).facts.length; // > 0
 */
export function docFacts(provider: string, text: string): ExtractedFacts {
  const own = Object.hasOwn(docReaders, provider) ? docReaders[provider]!.docFacts : undefined;
  return (own ?? standardFacts)(text);
}
