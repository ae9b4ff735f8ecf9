// JSON.parse that refuses prototype-poisoning keys. JSON.parse itself never pollutes a prototype,
// but a `__proto__` own key becomes one the moment consumer code merges the payload somewhere
// (Object.assign, deep-merge helpers). Like Fastify's default, such bodies are refused.

export type ParseOutcome = { ok: true; value: unknown } | { ok: false; reason: 'malformed' | 'unsafe'; path?: string; message: string };

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Deepest nesting accepted. Webhook payloads nest a handful of levels; far deeper bodies make
 * consumer code that recurses (JSON.stringify, structuredClone, deep merges) throw RangeError from
 * about 5000 levels; 1000 keeps bodies under 2000 characters (every documented payload) off the walk.
 */
export const MAX_DEPTH = 1000;

/**
 * The first problem in a parsed body: a `__proto__` key, a `constructor.prototype` pair, or nesting
 * beyond MAX_DEPTH. Iterative, so deep bodies cannot overflow the stack here.
 */
function unsafePath(root: unknown): { path: string; message: string } | undefined {
  const stack: [unknown, string, number][] = [[root, '', 0]];
  while (stack.length) {
    const [node, path, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_DEPTH) return { path, message: `nests deeper than ${MAX_DEPTH} levels` };
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key];
      const childPath = `${path}/${escape(key)}`;
      if (key === '__proto__') return { path: childPath, message: FORBIDDEN };
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
        return { path: `${childPath}/prototype`, message: FORBIDDEN };
      }
      stack.push([child, childPath, depth + 1]);
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
  // and any escaped spelling contains a backslash; single-character search is the cheapest there is.
  if (text.length >= 2 * MAX_DEPTH || text.includes('proto') || text.includes('\\')) {
    const problem = unsafePath(value);
    if (problem) return { ok: false, reason: 'unsafe', ...problem };
  }
  return { ok: true, value };
}
