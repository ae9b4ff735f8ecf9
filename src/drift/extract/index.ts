// A provider's doc, read for its events and examples: by the provider's own extractor when its doc
// has a shape of its own (`extractDoc` of src/providers/<name>.drift.ts, found through the
// generated src/drift/doc-readers.ts), else as a doc in the common shape (docs/adding-a-provider.md).
import { docReaders } from '../doc-readers.js';
import type { ExtractedDoc } from '../types.js';
import { extractStandardDoc } from './headed-markdown.js';

/**
 * Extracts the events and examples of one provider's doc: with the provider's own extractor, or,
 * for a provider without one, as a doc in the common shape (`extractStandardDoc`).
 *
 * @example
 * extractDoc('insurup', readFileSync('docs/providers/insurup-webhooks.md', 'utf8')).examples.length; // 4
 */
export function extractDoc(provider: string, text: string): ExtractedDoc {
  const own = Object.hasOwn(docReaders, provider) ? docReaders[provider]!.extractDoc : undefined;
  return (own ?? extractStandardDoc)(text);
}
