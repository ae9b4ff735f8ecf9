// JSON as docs print it: inside prose, sometimes with a `//` comment the author added, and in
// flattened pages followed directly by the next heading ("}Signature Verification"). These helpers
// find where an example starts and ends and make it parseable, without touching its strings.

import { lineIndex } from './line-index.js';

/** A JSON value cut out of surrounding text, with its comments removed. */
export interface JsonSlice {
  /** The JSON text without comments. */
  json: string;
  /** Index in the source just after the value's closing bracket. */
  end: number;
}

/**
 * Reads the object or array that starts at `text[start]` (a `{` or `[`) up to its matching closing
 * bracket, dropping `//` line comments and `/* *\/` block comments that are outside strings.
 * Returns undefined when the brackets never balance.
 *
 * @example
 * readJsonValue('{"a": 1, // note\n"b": "http://x"}Next heading', 0);
 * // { json: '{"a": 1, \n"b": "http://x"}', end: 33 }
 */
export function readJsonValue(text: string, start: number): JsonSlice | undefined {
  let json = '';
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      json += char;
      if (char === '\\' && i + 1 < text.length) json += text[++i];
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '/' && text[i + 1] === '/') {
      // A line comment runs to the end of its line; the newline itself is kept.
      const newline = text.indexOf('\n', i);
      i = (newline === -1 ? text.length : newline) - 1;
      continue;
    }
    if (char === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) return undefined;
      i = close + 1;
      continue;
    }
    json += char;
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return { json, end: i + 1 };
    }
  }
  return undefined;
}

/**
 * Removes the comments of a whole JSON text (a fenced block), keeping everything in strings.
 *
 * @example
 * stripJsonComments('{ // id\n"url": "https://a.b" }'); // '{ \n"url": "https://a.b" }'
 */
export function stripJsonComments(text: string): string {
  const start = text.search(/[[{]/);
  if (start === -1) return text;
  const slice = readJsonValue(text, start);
  return slice ? text.slice(0, start) + slice.json + text.slice(slice.end) : text;
}

/** The outcome of parsing one example: the value, or why it is not JSON. */
/** A parsed example; `line` (1-based, where the value starts) when it was found in a longer text. */
export type ParsedExample = { ok: true; value: unknown; line?: number } | { ok: false; reason: string };

/**
 * Parses an example's text after removing its comments.
 *
 * @example
 * parseExample('{"a": 1 // one\n}'); // { ok: true, value: { a: 1 } }
 */
export function parseExample(text: string): ParsedExample {
  try {
    return { ok: true, value: JSON.parse(stripJsonComments(text)) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Examples read after one marker per page (a decision: the pages show one; a page with more is reported past this many). */
export const MAX_MARKERS = 10;

/**
 * Finds each `marker` in a flattened page and reads the JSON object that follows it directly
 * (only whitespace or a colon in between, so a marker whose example was removed does not pick up
 * the next code sample's braces). A marker without such an object yields `{ ok: false }`.
 *
 * @example
 * jsonAfterMarkers('Webhook Payload\n{"type":"policy.created"}Signature', 'Webhook Payload');
 * // [{ ok: true, value: { type: 'policy.created' }, line: 2 }]
 */
export function jsonAfterMarkers(text: string, marker: string): ParsedExample[] {
  const found: ParsedExample[] = [];
  const lineAt = lineIndex(text);
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) {
    if (found.length === MAX_MARKERS) {
      // Each read may scan to the end of the page (an unclosed brace): bounding the count keeps the whole linear.
      found.push({ ok: false, reason: `more than ${MAX_MARKERS} "${marker}" markers: the rest are not read` });
      break;
    }
    const gap = /^[\s:]*/.exec(text.slice(at + marker.length))![0].length;
    const open = at + marker.length + gap;
    const slice = text[open] === '{' ? readJsonValue(text, open) : undefined;
    if (!slice) {
      found.push({ ok: false, reason: `no complete JSON object after "${marker}"` });
      continue;
    }
    try {
      found.push({ ok: true, value: JSON.parse(slice.json), line: lineAt(open) });
    } catch (error) {
      found.push({ ok: false, reason: (error as Error).message });
    }
  }
  return found;
}
