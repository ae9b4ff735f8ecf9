// docs/schema-policy.md, enforced: every constraint in schemas/ is documented (x-source) or
// decided (x-inferred + $comment), every required list says why (x-required), and the check
// really fails when a marker is missing — for every marker that guards something, not one sample.
import { describe, expect, it } from 'vitest';
import { CONSTRAINT_KEYWORDS, provenanceProblems, transportProblems } from '../scripts/lib/provenance.js';
import { lintSchemaTree, loadSchemaTree, type JsonSchema } from '../scripts/lib/schema-files.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../src/index.js';

const tree = loadSchemaTree(new URL('../schemas', import.meta.url).pathname);
const files = tree.providers.flatMap((provider) => [
  ...(provider.defs ? [{ file: `schemas/${provider.name}/_defs.schema.json`, schema: provider.defs }] : []),
  ...provider.events.map(({ event, schema }) => ({ file: `schemas/${provider.name}/${event}.schema.json`, schema })),
]);

/** Every object inside a schema file with its JSON Pointer (examples skipped: they are data). */
function* nodes(node: unknown, pointer = ''): Generator<[string, JsonSchema]> {
  if (node === null || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield [pointer, node as JsonSchema];
  for (const [key, value] of Object.entries(node)) if (key !== 'examples') yield* nodes(value, `${pointer}/${key}`);
}

/** A deep copy with the keys removed from the node at `pointer`. */
function without(schema: JsonSchema, pointer: string, keys: string[]): JsonSchema {
  const copy = structuredClone(schema);
  const target = pointer.split('/').slice(1).reduce<JsonSchema>((node, key) => node[key], copy);
  for (const key of keys) delete target[key];
  return copy;
}

const MARKERS = ['x-source', 'x-inferred', '$comment'];
const PLAIN = new Set(['string', 'number', 'boolean', 'object', 'array']);
/** Constraints an example never documents by itself: anything but a plain JSON type. */
const needsOwnMarker = (node: JsonSchema) => CONSTRAINT_KEYWORDS.some((k) => k in node && !(k === 'type' && PLAIN.has(node.type)));

describe('schema policy: every constraint is documented or decided', () => {
  it.each(files)('$file', ({ file, schema }) => {
    expect(provenanceProblems(file, schema)).toEqual([]);
  });

  it('every provider.json location too, and the generator lint includes both', () => {
    for (const provider of tree.providers) expect(transportProblems(`schemas/${provider.name}/provider.json`, provider.transport)).toEqual([]);
    expect(lintSchemaTree(tree)).toEqual([]);
  });

  it('marks the Axitech replay window as a decision, with the runtime default', () => {
    const timestamp = tree.providers.find((p) => p.name === 'axitech')!.transport.timestamp;
    expect(timestamp['x-inferred']).toContain(`replay window ${DEFAULT_TOLERANCE_SECONDS} s`);
    expect(timestamp.$comment).toMatch(/never show a value nor say how old/);
  });
});

describe('schema policy: the check fails when a marker is missing', () => {
  const cases = files.flatMap(({ file, schema }) =>
    [...nodes(schema)].flatMap(([pointer, node]) => {
      const out: { what: string; file: string; schema: JsonSchema; pointer: string; keys: string[]; expected: RegExp }[] = [];
      if (Array.isArray(node.required) && node.required.length) out.push({ what: 'x-required', file, schema, pointer, keys: ['x-required'], expected: /"required" has no x-required/ });
      const marked = 'x-source' in node || 'x-inferred' in node;
      const isDefinition = /^\/definitions\/[^/]+$/.test(pointer);
      if (marked && (needsOwnMarker(node) || (isDefinition && CONSTRAINT_KEYWORDS.some((k) => k in node)))) {
        out.push({ what: 'x-source/x-inferred', file, schema, pointer, keys: MARKERS, expected: /has neither x-source \(documented\) nor x-inferred/ });
      }
      return out;
    }),
  );

  it('covers every required list and every marker that guards a constraint', () => {
    // Far more than a sample: each of these is removed, one at a time, below.
    expect(cases.filter((c) => c.what === 'x-required').length).toBeGreaterThan(25);
    expect(cases.filter((c) => c.what !== 'x-required').length).toBeGreaterThan(35);
  });

  it.each(cases.map((c) => [`${c.file}#${c.pointer} without ${c.what}`, c] as const))('%s', (_name, { file, schema, pointer, keys, expected }) => {
    const problems = provenanceProblems(file, without(schema, pointer, keys)).filter((p) => p.startsWith(`${file}#${pointer}:`));
    expect(problems.length, `no problem reported at ${pointer}`).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(expected);
  });

  it('a decision without its reason, a malformed source, and a plain type under a decided parent fail too', () => {
    const kasko = tree.providers.find((p) => p.name === 'kasko')!.defs!;
    expect(provenanceProblems('k', without(kasko, '/definitions/money', ['$comment']))).toEqual(['k#/definitions/money: x-inferred needs a $comment saying why']);
    const bad = structuredClone(kasko);
    bad.definitions.asset['x-source'] = 'kasko-webhooks.md';
    expect(provenanceProblems('k', bad)).toContain('k#/definitions/asset: x-source must be { "doc", "section" }');
    // A decision documents nothing below it: the open data's typed sessionId must carry its own marker.
    const axitech = tree.providers.find((p) => p.name === 'axitech')!.defs!;
    expect(provenanceProblems('a', without(axitech, '/definitions/undocumentedData/properties/sessionId', MARKERS))).toEqual([
      'a#/definitions/undocumentedData/properties/sessionId: "type" has neither x-source (documented) nor x-inferred + $comment (decided)',
    ]);
  });

  it('a transport timestamp without its window decision, and an unmarked location, fail', () => {
    const axitech = tree.providers.find((p) => p.name === 'axitech')!.transport;
    expect(transportProblems('p', without(axitech, '/timestamp', ['x-inferred', '$comment']))).toEqual(['p: timestamp needs x-inferred naming the replay window (a decision)']);
    expect(transportProblems('p', without(without(axitech, '', ['x-source']), '/signature', ['x-source']))).toEqual(['p: eventType has neither x-source nor x-inferred', 'p: signature has neither x-source nor x-inferred']);
  });

  it('the generator refuses such a tree', () => {
    const broken = structuredClone(tree);
    delete broken.providers.find((p) => p.name === 'insurup')!.defs!.definitions.date['x-source'];
    expect(lintSchemaTree(broken)).toEqual(['schemas/insurup/_defs.schema.json#/definitions/date: "type" has neither x-source (documented) nor x-inferred + $comment (decided)', 'schemas/insurup/_defs.schema.json#/definitions/date: "pattern" has neither x-source (documented) nor x-inferred + $comment (decided)']);
  });
});
