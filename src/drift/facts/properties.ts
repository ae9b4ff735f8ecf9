// A prose property list (Axitech's "The Event Object" and "The <event> Event") against the event
// schemas: every field it names exists with its type, every field the schema describes is named,
// a "Required" marker is required, and a "Format: '…'" is the format the schema quotes and accepts.
// The flattened page lost the list's nesting, so a name is placed with the schema's help: after an
// `array of objects`, names go to its items until one repeats (Axitech's second `key`) or is not
// an item field; then they are the event data's again.
import { valueAt } from '../../core/pointer.js';
import type { SchemaFolder } from '../schema-folder.js';
import { typeLabel, type ObjectShape, type Shape } from '../shape.js';
import type { ExtractedFacts, PropertyItem } from './types.js';
import type { FactFinding } from './types.js';

/** Raw JSON of one provider's schema files, by file name (`_defs.schema.json`…), to read rules and patterns. */
export type SchemaFiles = ReadonlyMap<string, unknown>;

/** A finding before its doc line is filled in. */
export type FindingInput = Pick<FactFinding, 'kind' | 'subject' | 'file' | 'action'> & { docs?: string; ours?: string; event?: string; line?: number };

type Json = { [key: string]: unknown };
const objectOf = (shape: Shape | undefined): ObjectShape | undefined => (shape?.kind === 'object' ? shape : undefined);

const DOC_TYPES: Record<string, string> = { 'array of objects': 'array<object>', 'array of strings': 'array<string>', 'array of numbers': 'array<number>' };
const docType = (type: string) => DOC_TYPES[type] ?? type;
const typeAgrees = (doc: string, ours: Shape) => {
  const label = typeLabel(ours);
  return ours.kind === 'any' || label === doc || (doc === 'array' && label.startsWith('array')) || (doc === 'number' && /integer|number/.test(label));
};

interface Placed {
  item: PropertyItem;
  /** `created_at`, `data.sessionId`, `data.integrations[].key`. */
  path: string;
  shape?: Shape;
  /** The object that holds it (for `required`). */
  parent: ObjectShape | undefined;
}

/** Places the items of one list in an object shape (the envelope, or an event's data). */
function place(items: readonly PropertyItem[], root: ObjectShape | undefined, prefix: string): Placed[] {
  const placed: Placed[] = [];
  let array: { name: string; items: ObjectShape | undefined; used: Set<string> } | undefined;
  for (const item of items) {
    if (array && (!array.items?.properties.has(item.name) || array.used.has(item.name))) array = undefined;
    if (array) {
      array.used.add(item.name);
      placed.push({ item, path: `${prefix}${array.name}[].${item.name}`, shape: array.items!.properties.get(item.name), parent: array.items });
      continue;
    }
    const shape = root?.properties.get(item.name);
    placed.push({ item, path: `${prefix}${item.name}`, ...(shape ? { shape } : {}), parent: root });
    if (item.type.startsWith('array of objects')) array = { name: item.name, items: shape?.kind === 'array' ? objectOf(shape.items) : undefined, used: new Set() };
  }
  return placed;
}

/** Every field a shape describes, down into arrays of objects, not into open objects (their keys are the integrator's). */
function describedPaths(root: ObjectShape | undefined, prefix: string): string[] {
  if (!root) return [];
  const paths: string[] = [];
  for (const [name, shape] of root.properties) {
    paths.push(`${prefix}${name}`);
    const items = shape.kind === 'array' ? objectOf(shape.items) : undefined;
    if (items && !items.open) for (const inner of items.properties.keys()) paths.push(`${prefix}${name}[].${inner}`);
  }
  return paths;
}

/** Follows `$ref` (same or sibling file) and `allOf` from a raw schema node, collecting every node met. */
function resolved(node: unknown, file: string, files: SchemaFiles, depth = 0): Array<{ node: Json; file: string }> {
  if (!node || typeof node !== 'object' || depth > 16) return [];
  const json = node as Json;
  const out = [{ node: json, file }];
  if (typeof json.$ref === 'string') {
    const [target = '', pointer = ''] = json.$ref.split('#');
    const targetFile = target || file;
    out.push(...resolved(valueAt(files.get(targetFile), pointer, { fragment: true }), targetFile, files, depth + 1));
  }
  if (Array.isArray(json.allOf)) for (const member of json.allOf) out.push(...resolved(member, file, files, depth + 1));
  return out;
}

/** The raw schema nodes at a field path of an event schema (with their refs). */
export function nodesAt(schemaFile: string, path: string, files: SchemaFiles): Array<{ node: Json; file: string }> {
  let nodes = resolved(files.get(schemaFile), schemaFile, files);
  for (const segment of path.split('.')) {
    const [name = '', brackets] = segment.split('[]');
    nodes = nodes.flatMap(({ node, file }) => resolved((node.properties as Json | undefined)?.[name], file, files));
    if (brackets !== undefined) nodes = nodes.flatMap(({ node, file }) => resolved(node.items, file, files));
  }
  return nodes;
}

/**
 * A value written in a documented format, to try the schema's pattern on.
 *
 * @example
 * sampleOfFormat('YYYY-MM-DDTHH:mm:ss'); // '2023-01-02T12:34:56'
 */
export function sampleOfFormat(format: string): string {
  const tokens: Array<[RegExp, string]> = [[/YYYY/g, '2023'], [/MM/g, '01'], [/DD/g, '02'], [/HH/g, '12'], [/mm/g, '34'], [/ss/g, '56'], [/SSS/g, '789']];
  return tokens.reduce((value, [token, digits]) => value.replace(token, digits), format);
}

function compareFormats(provider: string, placed: readonly Placed[], schemaFile: string, event: string, files: SchemaFiles, out: FindingInput[]): void {
  for (const { item, path } of placed) {
    if (!item.format) continue;
    const nodes = nodesAt(schemaFile, path, files);
    const quotes = nodes.flatMap(({ node }) => Object.values(((node['x-source'] as Json | undefined)?.rules as Json | undefined) ?? {})).filter((q): q is string => typeof q === 'string');
    const ours = quotes.map((quote) => /Format:\s*'([^']+)'/i.exec(quote)?.[1]).find(Boolean);
    const patterns = nodes.map(({ node }) => node.pattern).filter((p): p is string => typeof p === 'string');
    const sample = sampleOfFormat(item.format);
    const accepted = patterns.every((pattern) => new RegExp(pattern, 'u').test(sample));
    if (ours === item.format && accepted) continue;
    const file = nodes.find(({ node }) => node.pattern || node['x-source'])?.file ?? schemaFile;
    const refusal = accepted ? '' : ` The schema's pattern refuses "${sample}", a value in the documented format.`;
    out.push({ kind: 'format', subject: `format ${path}`, event, docs: item.format, ...(ours ? { ours } : {}), line: item.formatLine, file: `schemas/${provider}/${file}`, action: `update the pattern and its x-source.rules quote.${refusal}` });
  }
}

/**
 * The property lists of a doc against the event schemas of its provider.
 *
 * @example
 * compareProperties('axitech', folder, files, docFacts('axitech', text)); // [] on the committed snapshot
 */
export function compareProperties(provider: string, folder: SchemaFolder, files: SchemaFiles, extracted: ExtractedFacts): FindingInput[] {
  const out: FindingInput[] = [];
  if (!extracted.properties.length) return out;
  const byScope = new Map<string, PropertyItem[]>();
  for (const item of extracted.properties) byScope.set(item.scope, [...(byScope.get(item.scope) ?? []), item]);
  for (const schema of folder.events.values()) {
    const file = `${schema.event}.schema.json`;
    const root = objectOf(schema.shape);
    const lists: Array<[PropertyItem[] | undefined, ObjectShape | undefined, string]> = [[byScope.get('envelope'), root, '']];
    if (byScope.has(schema.event)) lists.push([byScope.get(schema.event), objectOf(root?.properties.get('data')), 'data.']);
    for (const [items, object, prefix] of lists) {
      if (!items) continue;
      const placed = place(items, object, prefix);
      const where = `schemas/${provider}/${file}`;
      for (const { item, path, shape, parent } of placed) {
        if (!shape) out.push({ kind: 'property', subject: `property ${path}`, event: schema.event, docs: docType(item.type), line: item.line, file: where, action: 'add the field to the schema (optional unless the docs mark it Required), with its x-source' });
        else if (!typeAgrees(docType(item.type), shape)) out.push({ kind: 'property', subject: `property ${path}`, event: schema.event, docs: docType(item.type), ours: typeLabel(shape), line: item.line, file: where, action: 'retype the field, or record why the schema differs (x-inferred + $comment)' });
        if (item.required && shape && !parent?.required.has(item.name)) out.push({ kind: 'property', subject: `required ${path}`, event: schema.event, docs: 'Required', ours: 'optional', line: item.markerLine ?? item.line, file: where, action: 'add the field to required (x-required: the docs now mark it Required)' });
        if (item.optional && shape && parent?.required.has(item.name)) out.push({ kind: 'property', subject: `required ${path}`, event: schema.event, docs: 'optional', ours: 'Required', line: item.markerLine ?? item.line, file: where, action: 'drop the field from required and update x-required: the docs now say it may be absent, and a delivery without it would be refused' });
      }
      const named = new Set(placed.map((p) => p.path));
      for (const path of describedPaths(object, prefix)) {
        if (!named.has(path)) out.push({ kind: 'property', subject: `property ${path}`, event: schema.event, ours: 'described', file: where, action: 'the property list no longer names this field: ask whether it is still sent; keep it optional until then' });
      }
      compareFormats(provider, placed, file, schema.event, files, out);
    }
  }
  return out;
}
