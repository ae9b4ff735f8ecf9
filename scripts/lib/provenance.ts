// Where each constraint of a schema comes from (docs/schema-policy.md): DOCUMENTED — `x-source`
// names the doc file and the section or example that shows it — or DECIDED — `x-inferred` says
// what this project decided and `$comment` why. An example documents a field's plain JSON type and
// nothing more: a narrowing constraint (pattern, const, enum, integer, a bound, …) is documented
// only where the doc states that rule in words, and then `x-source.rules` quotes the sentence, per
// keyword, verbatim. `required` arrays carry `x-required`: the docs never say which fields are
// always sent, so which ones are required is written down on its own.
// The generator refuses a schema with an unmarked constraint, and renders the markers in every
// output (TypeScript doc comments, docs/events.md, docs/asyncapi.yaml) through `provenanceOf`.
import { readFileSync } from 'node:fs';
import type { JsonSchema } from './schema-files.js';

/** Keywords that change what validates, in production or strict mode. Each needs a marker. */
export const CONSTRAINT_KEYWORDS = [
  'type', 'pattern', 'format', 'enum', 'const',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
  'additionalProperties', 'anyOf', 'oneOf', 'not', 'contains', 'propertyNames', 'dependencies', 'if',
] as const;

/**
 * JSON types an example shows by itself: a field's `"type": "string"` is documented by the cited
 * example of the object it sits in. `integer` is not among them: JSON has only numbers, so an
 * integer is always a rule (`isRule`).
 */
const SHOWN_BY_EXAMPLE = new Set(['string', 'number', 'boolean', 'object', 'array']);

/**
 * Whether `keyword` on `node` is a RULE: a constraint that no example value documents, because a
 * value shows at most its plain JSON type. A pattern, a format, an enum or const, a bound on a
 * length, a size or a number, `multipleOf`, a type other than one plain JSON type (integer-ness),
 * a closed or typed `additionalProperties`, and the rest below. A rule is documented only where a
 * doc states it in words (`x-source.rules`); otherwise it is a decision (`x-inferred` + `$comment`).
 * `anyOf`/`oneOf` and `additionalProperties: true` are shape, not rules: any marker covers them,
 * and each union member's own rules are checked on the member.
 */
export function isRule(node: JsonSchema, keyword: string): boolean {
  if (!(keyword in node)) return false;
  if (keyword === 'type') return !(typeof node.type === 'string' && SHOWN_BY_EXAMPLE.has(node.type));
  if (keyword === 'additionalProperties') return node.additionalProperties !== true;
  if (keyword === 'uniqueItems') return node.uniqueItems === true;
  return keyword !== 'anyOf' && keyword !== 'oneOf' && (CONSTRAINT_KEYWORDS as readonly string[]).includes(keyword);
}

export interface DocSource {
  /** The doc file in docs/providers/. */
  doc: string;
  /** Its section, with the sentence or example value in parentheses. */
  section: string;
  /**
   * The doc's own words that state a rule, per constraint keyword of this node, verbatim (only
   * whitespace may differ): `{ "pattern": "Format: 'YYYY-MM-DDTHH:mm:ss'." }`. Only a sentence
   * stating the rule counts; an example value never does (docs/schema-policy.md).
   */
  rules?: Record<string, string>;
}

/** A node's own markers, as the outputs render them. */
export interface Provenance {
  /** Where the docs show it. */
  source?: DocSource;
  /** What this project decided where the docs are silent, and why. */
  decision?: { what: string; why: string };
  /** Why the node's `required` list is what it is. */
  required?: string | DocSource;
}

const isRules = (value: unknown): value is Record<string, string> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((quote) => typeof quote === 'string');

const isSource = (value: unknown): value is DocSource =>
  value !== null &&
  typeof value === 'object' &&
  typeof (value as DocSource).doc === 'string' &&
  typeof (value as DocSource).section === 'string' &&
  ((value as DocSource).rules === undefined || isRules((value as DocSource).rules));

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** The markers of one schema node (after `$ref` resolution, where the caller resolves). */
export function provenanceOf(node: JsonSchema): Provenance {
  const out: Provenance = {};
  if (isSource(node['x-source'])) out.source = node['x-source'];
  const what = text(node['x-inferred']);
  if (what) out.decision = { what, why: text(node.$comment) ?? '' };
  const required = node['x-required'];
  if (isSource(required) || text(required)) out.required = required as string | DocSource;
  return out;
}

/** `doc › section`, the way every output cites a source. */
export const citation = (source: DocSource) => `${source.doc} › ${source.section}`;

/** The rules a source quotes, as every output shows them: `const: "Type of the event …"`. */
export const ruleQuotes = (source: DocSource): string[] =>
  Object.entries(source.rules ?? {}).map(([keyword, quote]) => `${keyword}: "${quote}"`);

const normalize = (value: string) => value.replace(/\s+/g, ' ').trim();
const docsDir = new URL('../../docs/providers/', import.meta.url);
const docCache = new Map<string, string | undefined>();

/** The text of a provider doc in docs/providers/ (the project's snapshot), or undefined. */
export function providerDoc(doc: string): string | undefined {
  if (!docCache.has(doc)) {
    let content: string | undefined;
    try {
      content = /^[\w.-]+$/.test(doc) ? readFileSync(new URL(doc, docsDir), 'utf8') : undefined;
    } catch {
      content = undefined;
    }
    docCache.set(doc, content);
  }
  return docCache.get(doc);
}

/**
 * Every constraint of a schema file that is not documented or decided, as
 * `file#/json/pointer: problem`:
 * - any constraint with neither marker;
 * - a rule (`isRule`: pattern, const, integer, a bound, …) whose node has a plain `x-source` only:
 *   an example shows a value, not a rule, so the source must quote the doc's sentence stating it
 *   (`x-source.rules.<keyword>`, checked verbatim against the doc) or the rule is a decision;
 * - an `x-inferred` without its `$comment`, a malformed `x-source`, a `required` without `x-required`.
 * `documentedContext`: an ancestor's `x-source` cites the example this node is part of, so its
 * plain JSON type is documented by that example (never a rule).
 */
export function provenanceProblems(file: string, schema: JsonSchema, docText: (doc: string) => string | undefined = providerDoc): string[] {
  const problems: string[] = [];
  const report = (pointer: string, problem: string) => problems.push(`${file}#${pointer}: ${problem}`);
  interface Owner {
    decided: boolean;
    marked: boolean;
  }

  const checkRules = (node: JsonSchema, pointer: string, source: DocSource) => {
    const content = docText(source.doc);
    for (const [keyword, quote] of Object.entries(source.rules ?? {})) {
      if (!(CONSTRAINT_KEYWORDS as readonly string[]).includes(keyword) || !(keyword in node)) {
        report(pointer, `x-source.rules.${keyword} quotes a rule for a constraint this node does not have`);
      } else if (normalize(quote) === '') {
        report(pointer, `x-source.rules.${keyword} is empty: quote the doc's sentence that states the rule`);
      } else if (content === undefined) {
        report(pointer, `x-source.rules.${keyword}: ${source.doc} is not in docs/providers/`);
      } else if (!normalize(content).includes(normalize(quote))) {
        report(pointer, `x-source.rules.${keyword} is not a verbatim quote of ${source.doc}: "${quote}"`);
      }
    }
  };

  const walk = (node: unknown, pointer: string, documentedContext: boolean, owner: Owner | undefined): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const schemaNode = node as JsonSchema;
    const own = provenanceOf(schemaNode);
    if ('x-source' in schemaNode && !own.source) report(pointer, 'x-source must be { "doc", "section" } with optional "rules": { keyword: "the doc\'s sentence" }');
    if ('x-inferred' in schemaNode && !own.decision) report(pointer, 'x-inferred must say what was decided');
    if (own.decision && !own.decision.why) report(pointer, 'x-inferred needs a $comment saying why');
    if (own.source) checkRules(schemaNode, pointer, own.source);
    const decided = own.decision !== undefined || owner?.decided === true;
    const marked = decided || own.source !== undefined || owner?.marked === true;
    for (const keyword of CONSTRAINT_KEYWORDS) {
      if (!(keyword in schemaNode) || decided) continue;
      if (isRule(schemaNode, keyword)) {
        if (own.source?.rules?.[keyword]) continue;
        if (marked || documentedContext) {
          report(pointer, `"${keyword}" is a rule no example shows: quote the doc's sentence that states it (x-source.rules.${keyword}) or mark it decided (x-inferred + $comment)`);
        } else report(pointer, `"${keyword}" has neither x-source (documented) nor x-inferred + $comment (decided)`);
      } else if (!marked && !(keyword === 'type' && documentedContext)) {
        report(pointer, `"${keyword}" has neither x-source (documented) nor x-inferred + $comment (decided)`);
      }
    }
    if (Array.isArray(schemaNode.required) && schemaNode.required.length > 0 && !own.required) {
      report(pointer, '"required" has no x-required saying why these fields are required');
    }
    // A decision about a node does not document its children; a source does, and so does an
    // unmarked node inside a documented one (the same example shows it).
    const childContext = own.source ? true : own.decision ? false : documentedContext;
    for (const [key, value] of Object.entries(schemaNode)) {
      if (key === 'properties' || key === 'patternProperties') {
        for (const [name, child] of Object.entries(value as JsonSchema)) walk(child, `${pointer}/${key}/${name}`, childContext, undefined);
      } else if (key === 'definitions' || key === '$defs') {
        // Shared definitions stand alone: each is cited where it is defined.
        for (const [name, child] of Object.entries(value as JsonSchema)) walk(child, `${pointer}/${key}/${name}`, false, undefined);
      } else if (key === 'items' || key === 'additionalProperties' || key === 'not' || key === 'contains') {
        walk(value, `${pointer}/${key}`, childContext, undefined);
      } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
        // The alternatives are one constraint: the owner's marker covers their shape, and its
        // decision their rules; a quoted rule covers only the keyword it names, on its own node.
        const members: Owner = { decided, marked };
        (value as unknown[]).forEach((member, index) => walk(member, `${pointer}/${key}/${index}`, childContext, members));
      }
    }
  };
  walk(schema, '', false, undefined);
  return problems;
}

/**
 * Transport locations (provider.json): each is documented (its own `x-source`, or the file's) or
 * decided. A signed timestamp always brings a decision: the replay window is this package's
 * (`toleranceSeconds`), never a provider's, so its location must say so in `x-inferred`.
 */
export function transportProblems(file: string, transport: JsonSchema): string[] {
  const problems: string[] = [];
  const fileDocumented = isSource(transport['x-source']);
  for (const key of ['eventType', 'deliveryId', 'webhookId', 'timestamp', 'signature']) {
    const location = transport[key] as JsonSchema | undefined;
    if (!location) continue;
    const own = provenanceOf(location);
    if (own.decision && !own.decision.why) problems.push(`${file}: ${key} has x-inferred without a $comment saying why`);
    if (key === 'timestamp' && !own.decision) problems.push(`${file}: timestamp needs x-inferred naming the replay window (a decision)`);
    else if (!own.source && !own.decision && !fileDocumented) problems.push(`${file}: ${key} has neither x-source nor x-inferred`);
  }
  return problems;
}
