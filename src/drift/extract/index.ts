// One extractor per provider doc of its own shape: each copes with the shape that provider's doc
// really has. Any other provider's doc is in the common shape (docs/adding-a-provider.md).
import type { ExtractedDoc } from '../types.js';
import { extractAxitech } from './axitech.js';
import { extractStandardDoc } from './headed-markdown.js';
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
 * Extracts the events and examples of one provider's doc: with the provider's own extractor, or,
 * for a provider without one, as a doc in the common shape (`extractStandardDoc`).
 *
 * @example
 * extractDoc('insurup', readFileSync('docs/providers/insurup-webhooks.md', 'utf8')).examples.length; // 4
 */
export function extractDoc(provider: string, text: string): ExtractedDoc {
  return (Object.hasOwn(extractors, provider) ? extractors[provider]! : extractStandardDoc)(text);
}
