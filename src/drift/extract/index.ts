// One extractor per provider doc: each copes with the shape that provider's doc really has.
import type { ExtractedDoc } from '../types.js';
import { extractAxitech } from './axitech.js';
import { extractCoverkit } from './coverkit.js';
import { extractInsurup } from './insurup.js';
import { extractKasko } from './kasko.js';

export { extractAxitech, extractCoverkit, extractInsurup, extractKasko };

/** Extractors by provider name (the name of the provider's folder in `schemas/`). */
export const extractors: Readonly<Record<string, (text: string) => ExtractedDoc>> = {
  axitech: extractAxitech,
  coverkit: extractCoverkit,
  insurup: extractInsurup,
  kasko: extractKasko,
};

/**
 * Extracts the events and examples of one provider's doc.
 * Throws a TypeError for a provider without an extractor.
 *
 * @example
 * extractDoc('insurup', readFileSync('docs/providers/insurup-webhooks.md', 'utf8')).examples.length; // 4
 */
export function extractDoc(provider: string, text: string): ExtractedDoc {
  const extract = Object.hasOwn(extractors, provider) ? extractors[provider] : undefined;
  if (!extract) throw new TypeError(`insurance-webhooks/drift: no doc extractor for provider "${provider}"; known: ${Object.keys(extractors).join(', ')}`);
  return extract(text);
}
