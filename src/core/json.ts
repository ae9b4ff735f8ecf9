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
 * about 5000 levels; 1000 keeps every body of fewer than 1000 containers off the walk.
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
    if (Array.isArray(node)) {
      // By index: Object.keys of an array makes a string per item (an array of 500 000 numbers
      // cost more than its JSON.parse), and an index is never a forbidden key.
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (child !== null && typeof child === 'object') {
          if (depth + 1 >= MAX_DEPTH) return STRUCTURE;
          nodes.push(child);
          depths.push(depth + 1);
        } else if (typeof child === 'number' && !(Math.abs(child) <= Number.MAX_SAFE_INTEGER)) found = BIG_NUMBER;
      }
      continue;
    }
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

/**
 * Whether any container sits MAX_DEPTH levels deep. Iterative; arrays by index and objects by
 * `for…in` (V8's enumeration cache: no key array per object), leaves only looked at.
 */
function nestsTooDeep(root: unknown): boolean {
  const nodes: object[] = [root as object];
  const depths: number[] = [0];
  while (nodes.length) {
    const node = nodes.pop()!;
    const depth = depths.pop()! + 1;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (child === null || typeof child !== 'object') continue;
        if (depth >= MAX_DEPTH) return true;
        nodes.push(child);
        depths.push(depth);
      }
    } else {
      // JSON.parse makes plain objects with own, enumerable keys only: for…in sees exactly those.
      for (const key in node) {
        const child: unknown = (node as Record<string, unknown>)[key];
        if (child === null || typeof child !== 'object') continue;
        if (depth >= MAX_DEPTH) return true;
        nodes.push(child);
        depths.push(depth);
      }
    }
  }
  return false;
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

/** Text characters per container above which the full walk is cheaper than the digit-run skim. */
const FEW_CONTAINERS = 512;

/**
 * How many `{` and `[` the text holds, counted up to MAX_DEPTH (then it stops): an upper bound of
 * its nesting. indexOf skips the text between them natively, so a long string costs next to nothing.
 */
function openers(text: string): number {
  let count = 0;
  for (let at = text.indexOf('{'); at >= 0 && count < MAX_DEPTH; at = text.indexOf('{', at + 1)) count++;
  for (let at = text.indexOf('['); at >= 0 && count < MAX_DEPTH; at = text.indexOf('[', at + 1)) count++;
  return count;
}

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
    // V8 quotes the body, or ten characters each side of the error with "..." where it cut
    // (`Unexpected token 'X', ..."1,1,X,1,1"... is not valid JSON`), or the whole body alone
    // (`"NaN" is not valid JSON`): dropped, since the message reaches answers and logs, which never
    // carry payloads.
    const reason = (error as Error).message.replace(/(?:^|,? )(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '') || 'Unexpected token';
    return { ok: false, reason: 'malformed', message: `body is not JSON: ${reason}` };
  }
  if (value === null || typeof value !== 'object') return { ok: true, value };
  // The walk of the parsed tree costs a third of JSON.parse on bodies of many keys, so only bodies
  // that could hold a problem are walked (a linear pre-check of the text, native string search):
  // - a forbidden key: `__proto__` and `constructor.prototype` both contain "proto", and only a
  //   \u escape can re-spell them (PHP's \/ cannot);
  // - MAX_DEPTH levels: each level opens a container, so the text needs that many `{` or `[`
  //   (inside strings or not: an overcount only costs the walk).
  // A body that cannot spell a forbidden key but has enough containers gets the depth walk only,
  // which visits containers alone (a third of the full walk's time on bodies of many keys).
  // A body of few containers for its length (a long string, say) is walked too: its tree is small,
  // and walking it is cheaper than skimming all its bytes for a digit run (one in 16 is still
  // 260 000 reads at 4 MiB). Either way the cost is linear in the text.
  // Short texts are neither counted nor walked for depth: MAX_DEPTH levels take 2 * MAX_DEPTH
  // characters, and skimming a short text for digits costs less than counting its containers.
  const short = text.length < 2 * MAX_DEPTH;
  const containers = short ? 0 : openers(text);
  const walked = text.includes('proto') || text.includes('\\u') || (!short && containers < MAX_DEPTH && text.length > FEW_CONTAINERS * containers);
  const found = walked ? scanValue(value) : containers >= MAX_DEPTH && nestsTooDeep(value) ? STRUCTURE : 0;
  if (found === STRUCTURE) {
    const problem = unsafePath(value);
    if (problem) return { ok: false, reason: 'unsafe', ...problem };
  }
  // A walked body says whether a number is beyond ±(2^53 − 1) (a rounded integer always is, once
  // parsed); any other is skimmed for a run of 16 digits, cheaper than a walk.
  if (walked && found !== STRUCTURE ? found === BIG_NUMBER : hasLongDigitRun(text)) {
    const path = unsafeIntegerPath(text);
    if (path !== undefined) return { ok: false, reason: 'unsafe', path, message: UNSAFE_INTEGER };
  }
  return { ok: true, value };
}
