// The one walker behind the generator's schema transforms (inline refs for AsyncAPI, localise refs
// for the types, strip annotations and close objects for the validators): it knows which keywords
// hold schemas, so each transform only says what it does to one node.
import type { JsonSchema } from './schema-files.js';

/** Keywords whose value is a schema or an array of schemas (draft-07). */
const SCHEMA_KEYWORDS = new Set(['items', 'additionalItems', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else', 'anyOf', 'oneOf', 'allOf']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);

/** Returned by `SchemaTransform.key` to leave the keyword out of the result. */
export const DROP = Symbol('drop');
/** Returned by `SchemaTransform.key` to walk (schemas) or copy (anything else) the keyword as usual. */
export const WALK = Symbol('walk');

export interface SchemaTransform {
  /** The node to read instead of `node` (e.g. with its `$ref` resolved). */
  enter?(node: JsonSchema): JsonSchema;
  /** What becomes of one keyword of a schema node: DROP, WALK (the default), or the value to put. */
  key?(key: string, value: unknown): unknown;
  /** Last changes to the result `out` of the schema node `node`. */
  leave?(out: JsonSchema, node: JsonSchema): void;
}

/**
 * A new schema: `transform` applied to every schema node, depth first. Values that are not schemas
 * (`const`, `enum`, `examples`, `required`, annotations) are kept as they are, never walked.
 *
 * @example
 * transformSchema(schema, { key: (key) => (key === 'description' ? DROP : WALK) }); // without descriptions
 */
export function transformSchema(schema: unknown, transform: SchemaTransform): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const source = transform.enter ? transform.enter(node as JsonSchema) : (node as JsonSchema);
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(source)) {
      const decided = transform.key ? transform.key(key, value) : WALK;
      if (decided === DROP) continue;
      if (decided !== WALK) out[key] = decided;
      else if (SCHEMA_KEYWORDS.has(key)) out[key] = walk(value);
      else if (SCHEMA_MAP_KEYWORDS.has(key) && value !== null && typeof value === 'object') {
        out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, Array.isArray(child) ? child : walk(child)]));
      } else out[key] = value;
    }
    transform.leave?.(out, source);
    return out;
  };
  return walk(schema);
}
