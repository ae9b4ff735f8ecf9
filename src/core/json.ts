// JSON.parse that refuses prototype-poisoning keys. JSON.parse itself never pollutes a prototype,
// but a `__proto__` own key becomes one the moment consumer code merges the payload somewhere
// (Object.assign, deep-merge helpers). Like Fastify's default, such bodies are refused. So are
// integers JSON.parse would round (src/core/unsafe-integers.ts): an id or amount must not change.
import { hasLongDigitRun, unsafeIntegerPath } from './unsafe-integers.js';
import { escapePointer } from './validation.js';

export type ParseOutcome = { ok: true; value: unknown } | { ok: false; reason: 'malformed' | 'unsafe'; path?: string; message: string };


/**
 * Deepest nesting accepted. Webhook payloads nest a handful of levels; far deeper bodies make
 * consumer code that recurses (JSON.stringify, structuredClone, deep merges) throw RangeError from
 * about 5000 levels; 1000 keeps bodies under 2000 characters (every documented payload) off the walk.
 */
export const MAX_DEPTH = 1000;

/** Why a node is unsafe (or undefined), judged from its key, value and depth. */
function problemAt(key: string, child: unknown, depth: number): string | undefined {
  if (key === '__proto__') return FORBIDDEN;
  if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return FORBIDDEN;
  if (child !== null && typeof child === 'object' && depth + 1 >= MAX_DEPTH) return `nests deeper than ${MAX_DEPTH} levels`;
  return undefined;
}

/** What the first pass found: a key or depth problem, or a number beyond ±(2^53 − 1). */
const STRUCTURE = 1;
const BIG_NUMBER = 2;

/**
 * First pass: is anything unsafe? Builds no strings (most bodies walked are fine). Iterative. A
 * number beyond ±(2^53 − 1) is only a candidate: `1e20` is exact, `12345678901234567890` is not,
 * and only the text tells them apart.
 */
function scanValue(root: unknown): number {
  const nodes: unknown[] = [root];
  const depths: number[] = [0];
  let found = 0;
  while (nodes.length) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    for (const key of Object.keys(node as object)) {
      const child = (node as Record<string, unknown>)[key];
      if (problemAt(key, child, depth)) return STRUCTURE;
      if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
      } else if (typeof child === 'number' && !(Math.abs(child) <= Number.MAX_SAFE_INTEGER)) found = BIG_NUMBER;
    }
  }
  return found;
}

/** Second pass, only when the first found something: the JSON Pointer of the first problem. */
function unsafePath(root: unknown): { path: string; message: string } | undefined {
  const stack: [unknown, string, number][] = [[root, '', 0]];
  while (stack.length) {
    const [node, path, depth] = stack.pop()!;
    for (const key of Object.keys(node as object)) {
      const child = (node as Record<string, unknown>)[key];
      const childPath = `${path}/${escapePointer(key)}`;
      const message = problemAt(key, child, depth);
      if (message) return { path: message === FORBIDDEN && key === 'constructor' ? `${childPath}/prototype` : childPath, message };
      if (child !== null && typeof child === 'object') stack.push([child, childPath, depth + 1]);
    }
  }
  return undefined;
}

const FORBIDDEN = 'is a prototype-poisoning key and is not accepted';
const UNSAFE_INTEGER = `is an integer beyond 2^53 − 1 (${Number.MAX_SAFE_INTEGER}) that JavaScript cannot hold exactly; refused rather than rounded`;

/** A UTF-8 byte-order mark, as .NET's Encoding.UTF8 writes before the text. */
const BOM = 0xfeff;

/**
 * The body text parsed, or why it is refused: not JSON (`malformed`), or a prototype-poisoning key,
 * nesting of MAX_DEPTH levels, or an integer JavaScript would round (`unsafe`, with its path).
 * A leading byte-order mark is skipped: `receive()` has already checked the MAC over every byte,
 * BOM included, before this runs.
 */
export function parseJson(raw: string): ParseOutcome {
  const text = raw.charCodeAt(0) === BOM ? raw.slice(1) : raw;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8 quotes up to ~10 characters of the body on each side of the error (`…, "{"a": Ay"... is not
    // valid JSON`): dropped, since the message reaches answers and logs, which never carry payloads.
    const reason = (error as Error).message.replace(/,? ".*" is not valid JSON$/s, '');
    return { ok: false, reason: 'malformed', message: `body is not JSON: ${reason}` };
  }
  if (value === null || typeof value !== 'object') return { ok: true, value };
  // Only bodies that could spell a forbidden key, or are long enough to nest MAX_DEPTH levels (two
  // characters a level), are walked. Both `__proto__` and `constructor.prototype` contain "proto",
  // and only a \u escape can re-spell them (PHP's \/ cannot).
  const long = text.length >= 2 * MAX_DEPTH;
  const found = long || text.includes('proto') || text.includes('\\u') ? scanValue(value) : 0;
  if (found === STRUCTURE) {
    const problem = unsafePath(value);
    if (problem) return { ok: false, reason: 'unsafe', ...problem };
  }
  // Long bodies were walked anyway, and a rounded integer is always beyond ±(2^53 − 1) once parsed;
  // short ones are cheaper to skim for a run of 16 digits than to walk.
  if (long ? found === BIG_NUMBER : hasLongDigitRun(text)) {
    const path = unsafeIntegerPath(text);
    if (path !== undefined) return { ok: false, reason: 'unsafe', path, message: UNSAFE_INTEGER };
  }
  return { ok: true, value };
}
