// Where each constraint of a schema comes from (docs/schema-policy.md): DOCUMENTED — `x-source`
// names the doc file and the section or sentence that shows it — or DECIDED — `x-inferred` says
// what this project decided and `$comment` why. `required` arrays carry `x-required`: the docs never
// say which fields are always sent, so which ones are required is written down on its own.
// The generator refuses a schema with an unmarked constraint, and renders the markers in every
// output (TypeScript doc comments, docs/events.md, docs/asyncapi.yaml) through `provenanceOf`.
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
 * integer is always a decision.
 */
const SHOWN_BY_EXAMPLE = new Set(['string', 'number', 'boolean', 'object', 'array']);

export interface DocSource {
  doc: string;
  section: string;
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

const isSource = (value: unknown): value is DocSource =>
  value !== null && typeof value === 'object' && typeof (value as DocSource).doc === 'string' && typeof (value as DocSource).section === 'string';

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

/**
 * Every constraint of a schema file that has neither a source nor a decision marker, as
 * `file#/json/pointer: problem`. `documentedContext`: an ancestor's `x-source` cites the example
 * this node is part of, so its plain JSON type is documented by that example.
 */
export function provenanceProblems(file: string, schema: JsonSchema): string[] {
  const problems: string[] = [];
  const report = (pointer: string, problem: string) => problems.push(`${file}#${pointer}: ${problem}`);

  const walk = (node: unknown, pointer: string, documentedContext: boolean, coveredByOwner: boolean): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const schemaNode = node as JsonSchema;
    const own = provenanceOf(schemaNode);
    if ('x-source' in schemaNode && !own.source) report(pointer, 'x-source must be { "doc", "section" }');
    if ('x-inferred' in schemaNode && !own.decision) report(pointer, 'x-inferred must say what was decided');
    if (own.decision && !own.decision.why) report(pointer, 'x-inferred needs a $comment saying why');
    const marked = coveredByOwner || own.source !== undefined || own.decision !== undefined;
    for (const keyword of CONSTRAINT_KEYWORDS) {
      if (!(keyword in schemaNode) || marked) continue;
      const plainType = keyword === 'type' && documentedContext && SHOWN_BY_EXAMPLE.has(schemaNode.type);
      if (!plainType) report(pointer, `"${keyword}" has neither x-source (documented) nor x-inferred + $comment (decided)`);
    }
    if (Array.isArray(schemaNode.required) && schemaNode.required.length > 0 && !own.required) {
      report(pointer, '"required" has no x-required saying why these fields are required');
    }
    // A decision about a node does not document its children; a source does, and so does an
    // unmarked node inside a documented one (the same example shows it).
    const childContext = own.source ? true : own.decision ? false : documentedContext;
    const members = own.source !== undefined || own.decision !== undefined || coveredByOwner;
    for (const [key, value] of Object.entries(schemaNode)) {
      if (key === 'properties' || key === 'patternProperties') {
        for (const [name, child] of Object.entries(value as JsonSchema)) walk(child, `${pointer}/${key}/${name}`, childContext, false);
      } else if (key === 'definitions' || key === '$defs') {
        // Shared definitions stand alone: each is cited where it is defined.
        for (const [name, child] of Object.entries(value as JsonSchema)) walk(child, `${pointer}/${key}/${name}`, false, false);
      } else if (key === 'items' || key === 'additionalProperties' || key === 'not' || key === 'contains') {
        walk(value, `${pointer}/${key}`, childContext, false);
      } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
        // The alternatives are one constraint: the owner's marker covers them.
        (value as unknown[]).forEach((member, index) => walk(member, `${pointer}/${key}/${index}`, childContext, members));
      }
    }
  };
  walk(schema, '', false, false);
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
