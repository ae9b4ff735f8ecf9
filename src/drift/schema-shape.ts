// JSON Schema → Shape, following $refs with the shared schema-tree loader: `_defs.schema.json#/definitions/x`
// from an event file, `#/definitions/x` inside a file. Used for our schemas and for quicktype's inferred schema.
import { resolveRef } from '../schema-tree.js';
import { ANY, intersectionOf, scalarOrAny, shapeOfValue, unionOf, type Shape } from './shape.js';

type SchemaNode = { readonly [key: string]: unknown };

const isNode = (value: unknown): value is SchemaNode => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The schema documents a `$ref` may point into, by file name (`_defs.schema.json`). */
export type SchemaFiles = ReadonlyMap<string, unknown>;

class Converter {
  constructor(private readonly files: SchemaFiles) {}

  /** `stack` holds the refs being expanded, so a recursive schema stops instead of looping. */
  convert(node: unknown, file: string, stack: readonly string[]): Shape {
    if (!isNode(node)) return ANY;
    const parts: Shape[] = [];
    if (typeof node.$ref === 'string') parts.push(this.resolve(node.$ref, file, stack));
    if (Array.isArray(node.allOf)) for (const member of node.allOf) parts.push(this.convert(member, file, stack));
    const alternatives = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
    if (alternatives) parts.push(unionOf(alternatives.map((member) => this.convert(member, file, stack))));
    if (Object.hasOwn(node, 'const')) parts.push(shapeOfValue(node.const));
    else if (Array.isArray(node.enum)) parts.push(unionOf(node.enum.map(shapeOfValue)));
    const typed = this.typed(node, file, stack);
    if (typed) parts.push(typed);
    return intersectionOf(parts);
  }

  private resolve(ref: string, file: string, stack: readonly string[]): Shape {
    const target = resolveRef(ref, file, (name) => this.files.get(name));
    if (stack.includes(target.key)) return ANY;
    return this.convert(target.node, target.file, [...stack, target.key]);
  }

  /** The node's own `type` (or the type its keywords imply), with properties and items. */
  private typed(node: SchemaNode, file: string, stack: readonly string[]): Shape | undefined {
    const declared = typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type.filter((t) => typeof t === 'string') : undefined;
    const implied = isNode(node.properties) || Array.isArray(node.required) || node.additionalProperties !== undefined ? ['object'] : node.items !== undefined ? ['array'] : undefined;
    const types = declared ?? implied;
    if (!types) return undefined;
    return unionOf(
      types.map((type): Shape => {
        if (type === 'object') return this.object(node, file, stack);
        if (type === 'array') return { kind: 'array', items: this.convert(node.items, file, stack) };
        return scalarOrAny(type);
      }),
    );
  }

  private object(node: SchemaNode, file: string, stack: readonly string[]): Shape {
    const properties = new Map<string, Shape>();
    if (isNode(node.properties)) {
      for (const [key, value] of Object.entries(node.properties)) properties.set(key, this.convert(value, file, stack));
    }
    const required = new Set(Array.isArray(node.required) ? node.required.filter((key): key is string => typeof key === 'string') : []);
    // Mirrors how the strict validators close objects: one that describes properties and says
    // nothing about others is closed; `additionalProperties: true` (or a schema) keeps it open,
    // and so does an object that describes no properties at all.
    const extra = node.additionalProperties;
    const open = extra === true || isNode(extra) || (extra === undefined && !isNode(node.properties));
    return { kind: 'object', properties, required, open };
  }
}

/**
 * The shape of a schema document. `file` names the document itself, `files` every document a
 * `$ref` may point into (the same provider folder). Throws when a `$ref` does not resolve.
 *
 * @example
 * const files = new Map([['_defs.schema.json', defs], ['policy.created.schema.json', schema]]);
 * schemaShape(schema, 'policy.created.schema.json', files); // { kind: 'object', properties: Map { 'id' => … }, … }
 */
export function schemaShape(schema: unknown, file: string, files: SchemaFiles): Shape {
  return new Converter(files).convert(schema, file, []);
}
