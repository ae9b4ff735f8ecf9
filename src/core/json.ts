// JSON.parse that refuses prototype-poisoning keys. JSON.parse itself never pollutes a prototype,
// but a `__proto__` own key becomes one the moment consumer code merges the payload somewhere
// (Object.assign, deep-merge helpers). Like Fastify's default, such bodies are refused.

export type ParseOutcome = { ok: true; value: unknown } | { ok: false; reason: 'malformed' | 'forbidden'; path?: string; message: string };

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** JSON Pointer of the first `__proto__` key or `constructor.prototype` pair, iteratively (deep bodies cannot overflow the stack). */
function forbiddenKeyPath(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key];
      const childPath = `${path}/${escape(key)}`;
      if (key === '__proto__') return childPath;
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
        return `${childPath}/prototype`;
      }
      stack.push([child, childPath]);
    }
  }
  return undefined;
}

export function parseJson(text: string): ParseOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'malformed', message: `body is not JSON: ${(error as Error).message}` };
  }
  // Only bodies that could spell a forbidden key (directly or through \u escapes) are walked.
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const path = forbiddenKeyPath(value);
    if (path !== undefined) return { ok: false, reason: 'forbidden', path, message: 'is a prototype-poisoning key and is not accepted' };
  }
  return { ok: true, value };
}
