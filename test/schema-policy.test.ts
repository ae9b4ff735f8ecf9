// docs/schema-policy.md, enforced: every constraint in schemas/ is documented (x-source) or
// decided (x-inferred + $comment), every required list says why (x-required), and the check
// really fails when a marker is missing — for every marker that guards something, not one sample.
// An example documents a plain JSON type only: a rule (pattern, const, enum, integer, a bound, …)
// is documented only by a quoted sentence of the docs (x-source.rules), or else it is a decision.
import { describe, expect, it } from 'vitest';
import { eventsMarkdown } from '../scripts/lib/events-markdown.js';
import { CONSTRAINT_KEYWORDS, isRule, provenanceProblems, providerDoc, transportProblems } from '../scripts/lib/provenance.js';
import { docComment } from '../scripts/lib/types.js';
import { lintSchemaTree, loadSchemaTree, type JsonSchema } from '../scripts/lib/schema-files.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../src/index.js';
import { valueAt } from '../src/core/pointer.js';

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
  const target = valueAt(copy, pointer) as JsonSchema;
  for (const key of keys) delete target[key];
  return copy;
}

const MARKERS = ['x-source', 'x-inferred', '$comment'];
const DECISION = ['x-inferred', '$comment'];
/** Constraints an example never documents by itself: the rules (`isRule`), `integer` among them. */
const rulesOf = (node: JsonSchema) => CONSTRAINT_KEYWORDS.filter((k) => isRule(node, k));
const needsOwnMarker = (node: JsonSchema) => rulesOf(node).length > 0;
/** Either failure message: no marker at all, or a rule that a plain x-source does not document. */
const UNMARKED = /has neither x-source \(documented\) nor x-inferred|is a rule no example shows/;
const RULE_UNDOCUMENTED = /is a rule no example shows: quote the doc's sentence that states it \(x-source\.rules\.[a-zA-Z]+\) or mark it decided/;

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
        out.push({ what: 'x-source/x-inferred', file, schema, pointer, keys: MARKERS, expected: UNMARKED });
      }
      // A decision that covers a rule the docs do not state: without it, the plain source left
      // behind documents the value, not the rule.
      const quoted = (node['x-source']?.rules ?? {}) as Record<string, string>;
      if ('x-inferred' in node && 'x-source' in node && rulesOf(node).some((k) => !quoted[k])) {
        out.push({ what: 'x-inferred (a rule kept with a plain x-source)', file, schema, pointer, keys: DECISION, expected: RULE_UNDOCUMENTED });
      }
      return out;
    }),
  );

  it('covers every required list and every marker that guards a constraint', () => {
    // Far more than a sample: each of these is removed, one at a time, below.
    expect(cases.filter((c) => c.what === 'x-required').length).toBeGreaterThan(25);
    expect(cases.filter((c) => c.what === 'x-source/x-inferred').length).toBeGreaterThan(35);
    // Every decided date pattern, integer and CoverKit type const, with its plain source left behind.
    expect(cases.filter((c) => c.what.startsWith('x-inferred (')).length).toBe(15);
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
    expect(provenanceProblems('k', bad)).toContain('k#/definitions/asset: x-source must be { "doc", "section" } with optional "rules": { keyword: "the doc\'s sentence" }');
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
    const date = broken.providers.find((p) => p.name === 'insurup')!.defs!.definitions.date;
    delete date['x-inferred'];
    delete date.$comment;
    expect(lintSchemaTree(broken)).toEqual([
      'schemas/insurup/_defs.schema.json#/definitions/date: "pattern" is a rule no example shows: quote the doc\'s sentence that states it (x-source.rules.pattern) or mark it decided (x-inferred + $comment)',
    ]);
    delete date['x-source'];
    expect(lintSchemaTree(broken)).toEqual([
      'schemas/insurup/_defs.schema.json#/definitions/date: "type" has neither x-source (documented) nor x-inferred + $comment (decided)',
      'schemas/insurup/_defs.schema.json#/definitions/date: "pattern" has neither x-source (documented) nor x-inferred + $comment (decided)',
    ]);
  });
});

describe('schema policy: an example documents a value, never a rule', () => {
  /** One of each rule keyword, as someone might add it "because the docs show it". */
  const RULES: Record<string, unknown> = {
    pattern: '^2024-11-20$',
    format: 'date',
    enum: ['All', 'CreditCard'],
    const: 'CreditCard',
    minLength: 24,
    maxLength: 24,
    minimum: 0,
    maximum: 99999,
    exclusiveMinimum: 0,
    multipleOf: 1,
    minItems: 1,
    maxItems: 3,
    uniqueItems: true,
    minProperties: 1,
    type: 'integer',
    additionalProperties: false,
  };
  const withRule = (schema: JsonSchema, pointer: string, keyword: string) => {
    const copy = structuredClone(schema);
    const target = valueAt(copy, pointer) as JsonSchema;
    target[keyword] = RULES[keyword];
    return copy;
  };
  const insurup = tree.providers.find((p) => p.name === 'insurup')!.defs!;

  it.each(Object.keys(RULES))('"%s" added to an InsurUp definition that has only x-source fails, naming the missing rule quote', (keyword) => {
    const problems = provenanceProblems('i', withRule(insurup, '/definitions/proposalId', keyword));
    expect(problems).toEqual([
      `i#/definitions/proposalId: "${keyword}" is a rule no example shows: quote the doc's sentence that states it (x-source.rules.${keyword}) or mark it decided (x-inferred + $comment)`,
    ]);
  });

  // Every node of every schema that is documented by a plain x-source alone (its own, or the example
  // around it), and every rule keyword: each addition fails at that node.
  const plainNodes = files.flatMap(({ file, schema }) =>
    [...nodes(schema)]
      .filter(([pointer, node]) => pointer !== '' && !/\/(x-source|rules)(\/|$)/.test(pointer) && !('x-inferred' in node) && ('x-source' in node || ('type' in node && !('$ref' in node))))
      .filter(([pointer]) => !/\/(properties|definitions)$/.test(pointer) && !/\/(anyOf|oneOf|allOf)\/\d+$/.test(pointer))
      .map(([pointer, node]) => ({ file, schema, pointer, quoted: Object.keys(node['x-source']?.rules ?? {}) })),
  );

  it('applies to every node a plain source documents, in every schema', () => {
    expect(plainNodes.length).toBeGreaterThanOrEqual(60);
    const passed: string[] = [];
    for (const { file, schema, pointer, quoted } of plainNodes) {
      // A keyword the node's source already quotes a sentence for stays documented (the next test).
      for (const keyword of Object.keys(RULES).filter((k) => !quoted.includes(k))) {
        const problems = provenanceProblems(file, withRule(schema, pointer, keyword)).filter((p) => p.startsWith(`${file}#${pointer}:`));
        if (!problems.some((p) => UNMARKED.test(p) && p.includes(`"${keyword}"`))) passed.push(`${file}#${pointer} + ${keyword}`);
      }
    }
    expect(passed).toEqual([]);
  });

  it('a rule is documented only by a verbatim quote of the cited doc, for a keyword the node has', () => {
    const axitech = tree.providers.find((p) => p.name === 'axitech')!.defs!;
    const quoted = (rules: Record<string, string>, doc = 'axitech-webhooks.txt') => {
      const copy = withRule(axitech, '/definitions/apiVersion', 'pattern');
      copy.definitions.apiVersion['x-source'] = { ...copy.definitions.apiVersion['x-source'], doc, rules };
      return provenanceProblems('a', copy);
    };
    // The doc's sentence, as flattened text (line breaks are whitespace): accepted.
    expect(quoted({ pattern: "Format:   'YYYY-MM-DDTHH:mm:ss'." })).toEqual([]);
    expect(quoted({ pattern: 'Version must be v1.' })).toEqual(['a#/definitions/apiVersion: x-source.rules.pattern is not a verbatim quote of axitech-webhooks.txt: "Version must be v1."']);
    expect(quoted({ pattern: "Format: 'YYYY-MM-DDTHH:mm:ss'." }, 'kasko-webhooks.md')).toEqual([
      'a#/definitions/apiVersion: x-source.rules.pattern is not a verbatim quote of kasko-webhooks.md: "Format: \'YYYY-MM-DDTHH:mm:ss\'."',
    ]);
    expect(quoted({ pattern: ' ' })[0]).toMatch(/x-source\.rules\.pattern is empty/);
    expect(quoted({ pattern: "Format: 'YYYY-MM-DDTHH:mm:ss'.", minLength: "Format: 'YYYY-MM-DDTHH:mm:ss'." })).toEqual([
      'a#/definitions/apiVersion: x-source.rules.minLength quotes a rule for a constraint this node does not have',
    ]);
    expect(quoted({ pattern: "Format: 'YYYY-MM-DDTHH:mm:ss'." }, 'missing.md')).toEqual(['a#/definitions/apiVersion: x-source.rules.pattern: missing.md is not in docs/providers/']);
  });

  it('every rule quote in schemas/ is in the cited doc, and only Axitech states rules in words', () => {
    const quotes = files.flatMap(({ file, schema }) =>
      [...nodes(schema)].flatMap(([pointer, node]) => Object.entries<string>(node['x-source']?.rules ?? {}).map(([keyword, quote]) => ({ file, pointer, keyword, quote, doc: node['x-source'].doc as string }))),
    );
    expect(quotes.map((q) => `${q.file}#${q.pointer} ${q.keyword}`).sort()).toEqual([
      'schemas/axitech/_defs.schema.json#/definitions/timestamp pattern',
      'schemas/axitech/session.submitted.schema.json#/properties/event_type const',
      'schemas/axitech/submission.created.schema.json#/properties/event_type const',
    ]);
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    for (const q of quotes) expect(flat(providerDoc(q.doc)!)).toContain(flat(q.quote));
  });

  it('the date rules the docs do not state are decisions, each with its reason', () => {
    const def = (provider: string, name: string) => tree.providers.find((p) => p.name === provider)!.defs!.definitions[name];
    for (const [provider, name] of [['kasko', 'dateTime'], ['coverkit', 'createdAt'], ['insurup', 'date'], ['axitech', 'timestamp']] as const) {
      const node = def(provider, name);
      expect(node.pattern, `${provider} ${name}`).toBeDefined();
      expect(node['x-inferred'], `${provider} ${name}`).toEqual(expect.any(String));
      expect(node.$comment, `${provider} ${name}`).toMatch(/Still refused/);
    }
  });
});

describe('outputs show a decision with its own reason, never a source inherited from around it', () => {
  const markdown = eventsMarkdown(tree);
  const row = (provider: string, event: string, path: string) => {
    const section = markdown.split(new RegExp(`### \\S+ \`${event.replace('.', '\\.')}\``))[1]!.split('\n### ')[0]!;
    expect(section, `${provider} ${event}`).toBeDefined();
    return section.split('\n').find((line) => line.startsWith(`| \`${path}\` |`))!;
  };

  it('a decided field without a source of its own cites no section', () => {
    for (const event of ['claim.paid', 'quote.created']) {
      const id = row('coverkit', event, 'data.id');
      expect(id).toMatch(/\| decided \| An optional string id\. Why: .*\|$/);
      expect(id).not.toMatch(/Event Types|shown in|where the docs show it/);
    }
    expect(row('axitech', 'submission.created', 'data.sessionId')).not.toMatch(/The Event Object|where the docs show it/);
    expect(row('axitech', 'session.submitted', 'data.integrations[].status')).not.toMatch(/where the docs show it/);
  });

  it('a decided field with its own source cites that source, not the example around it', () => {
    const key = row('axitech', 'session.submitted', 'data.key');
    expect(key).toMatch(/\| decided \| .* \(where the docs show it: axitech-webhooks\.txt › The session\.submitted Event \("key: string", after integrations; the Full Payload Example has no data-level key\)\) \|$/);
    expect(key).not.toContain('The session.submitted Event; Full Payload Example');
    expect(row('coverkit', 'policy.created', 'type')).toMatch(/\| decided \| type is exactly this event's name.*where the docs show it: coverkit-webhooks\.txt › Webhook Payload \("type": "policy\.created"\)\) \|$/);
  });

  it('a rule the docs state is shown with its quote; a documented field under a decision does not exist', () => {
    expect(row('axitech', 'session.submitted', 'event_type')).toMatch(/\| documented \| .*the docs state the rule, const: "event_type: string - Type of the event inside the specified group" \|$/);
    expect(markdown).not.toMatch(/\| unconstrained \|/);
    expect(markdown).not.toMatch(/\(shown in /);
  });

  it('a synthetic decided child of a documented object: the row and the type comment carry only its own markers', () => {
    const provider = structuredClone(tree.providers.find((p) => p.name === 'coverkit')!);
    const event = provider.events.find((e) => e.event === 'policy.created')!.schema;
    event.properties.data.properties.extra = { type: 'integer', description: 'x', 'x-inferred': 'Whole.', $comment: 'Because.' };
    const line = eventsMarkdown({ ...tree, providers: [provider] }).split('\n').find((l) => l.startsWith('| `data.extra` |'))!;
    expect(line).toBe('| `data.extra` | integer | no | x | decided | Whole. Why: Because. |');
    expect(docComment(event.properties.data.properties.extra)).toBe('x\n\nDecided here, not in the docs (docs/schema-policy.md): Whole. Why: Because.');
  });
});
