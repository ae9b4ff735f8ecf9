// InsurUp (insurup-webhooks.md): Markdown in Turkish; each event is a heading
// "### `proposal_premium.received` *async*" under "## Event'ler" (the name in backticks, the
// sync/async marker after it) with a fenced JSON "Örnek Payload" below.
import type { ExtractedDoc } from '../types.js';
import { extractHeadedMarkdown } from './headed-markdown.js';

/**
 * The events (with their sync/async marker) and examples of InsurUp's doc.
 *
 * @example
 * const doc = extractInsurup(readFileSync('docs/providers/insurup-webhooks.md', 'utf8'));
 * doc.events[1]; // { name: 'proposal_premium.purchasing', evidence: 'name', delivery: 'sync' }
 */
export function extractInsurup(text: string): ExtractedDoc {
  return extractHeadedMarkdown(text, { eventsSection: /^Event['’]?ler$|^Events$/i, titles: false });
}
