// JSON.parse that refuses prototype-poisoning keys. JSON.parse itself never pollutes a prototype,
// but a `__proto__` own key becomes one the moment consumer code merges the payload somewhere
// (Object.assign, deep-merge helpers). Like Fastify's default, such bodies are refused.
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

/** First pass: is anything unsafe? Builds no strings (most bodies walked are fine). Iterative. */
function hasUnsafe(root: unknown): boolean {
  const nodes: unknown[] = [root];
  const depths: number[] = [0];
  while (nodes.length) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    for (const key of Object.keys(node as object)) {
      const child = (node as Record<string, unknown>)[key];
      if (problemAt(key, child, depth)) return true;
      if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
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

export function parseJson(text: string): ParseOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'malformed', message: `body is not JSON: ${(error as Error).message}` };
  }
  // Only bodies that could spell a forbidden key, or are long enough to nest MAX_DEPTH levels (two
  // characters a level), are walked. Both `__proto__` and `constructor.prototype` contain "proto",
  // and only a \u escape can re-spell them (PHP's \/ cannot).
  if ((text.length >= 2 * MAX_DEPTH || text.includes('proto') || text.includes('\\u')) && value !== null && typeof value === 'object' && hasUnsafe(value)) {
    const problem = unsafePath(value);
    if (problem) return { ok: false, reason: 'unsafe', ...problem };
  }
  return { ok: true, value };
}
