// The folder format of captured deliveries: one JSON file per delivery, anywhere below the folder
// (sorted paths, so reports are stable), each
//   { "provider": "kasko", "headers": { "x-kasko-event": "policy.created", … }, "body": "<raw body>" }
// `body` is the raw body as received, a string (what a receiver logs); a JSON object or array is
// accepted too, for hand-written captures, and stands for its JSON text. Other files are ignored.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CapturedDelivery, DeliverySource, UnreadableEntry } from './types.js';

/** Largest capture file read, in bytes: a capture is one delivery; anything larger is refused unread. */
export const MAX_CAPTURE_BYTES = 10 * 1024 * 1024;

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jsonFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(path);
  }
  return out;
}

/**
 * One capture file's text as a delivery, or why it is not one (never throws).
 *
 * @example
 * readCapture('{"provider":"kasko","headers":{"x-kasko-event":"policy.created"},"body":"{}"}', 'a.json');
 * // { ref: 'a.json', provider: 'kasko', headers: { 'x-kasko-event': 'policy.created' }, body: '{}' }
 * readCapture('{', 'b.json'); // { ref: 'b.json', problem: 'not JSON (…)' }
 */
export function readCapture(text: string, ref: string): CapturedDelivery | UnreadableEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ref, problem: `not JSON (${(error as Error).message})` };
  }
  const capture = value as { provider?: unknown; headers?: unknown; body?: unknown } | null;
  if (!capture || typeof capture !== 'object' || Array.isArray(capture)) return { ref, problem: 'not a capture object { provider, headers, body }' };
  if (typeof capture.provider !== 'string' || capture.provider === '') return { ref, problem: '"provider" must be a provider name' };
  const headers = capture.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || !Object.values(headers).every((v) => typeof v === 'string')) {
    return { ref, problem: '"headers" must be an object of strings' };
  }
  let body: string | undefined;
  try {
    body = typeof capture.body === 'string' ? capture.body : capture.body !== null && typeof capture.body === 'object' ? JSON.stringify(capture.body) : undefined;
  } catch {
    // JSON.parse is iterative but JSON.stringify recurses: a body object nested ~10 000 deep overflows the stack.
    return { ref, problem: '"body" is nested too deeply to be read' };
  }
  if (body === undefined) return { ref, problem: '"body" must be the raw body (a string) or a JSON object or array' };
  return { ref, provider: capture.provider, headers: headers as Record<string, string>, body };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A capture file's bytes: JSON text is UTF-8 (RFC 8259 §8.1); other bytes are reported, not replaced by U+FFFD (that would change the body). */
function captureFile(bytes: Uint8Array, ref: string): CapturedDelivery | UnreadableEntry {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ref, problem: 'not UTF-8 text (a capture is JSON, which is UTF-8; a body in another encoding must be escaped in it)' };
  }
  return readCapture(text, ref);
}

/**
 * Captured deliveries in a folder (the format above). Throws an Error when `dir` is not a
 * directory (the CLI exits 2); a file that is not a capture is an unreadable entry, reported.
 *
 * @example
 * const report = await runTrafficDrift({ source: folderSource('captured') });
 */
export function folderSource(dir: string): DeliverySource {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`insurance-webhooks/drift: the deliveries folder ${dir} does not exist or is not a directory`);
  return {
    description: `folder ${dir}`,
    async *entries() {
      for (const path of jsonFiles(dir)) {
        const ref = relative(dir, path);
        if (statSync(path).size > MAX_CAPTURE_BYTES) yield { ref, problem: `larger than ${MAX_CAPTURE_BYTES} bytes` };
        else yield captureFile(readFileSync(path), ref);
      }
    },
  };
}
