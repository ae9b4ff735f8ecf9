// `$ref` resolution for the reference docs: a schema node with its refs (and single-entry `allOf`
// wrappers) replaced by what they point to, siblings winning, so a field's own description and
// markers override its definition's.
import type { JsonSchema, ProviderFolder } from './schema-files.js';

const DEFS_REF = '_defs.schema.json#/definitions/';
const LOCAL_REF = '#/definitions/';

/** A resolver for one provider folder's refs (`_defs.schema.json#/definitions/x`, `#/definitions/x`). */
export function resolver(provider: ProviderFolder): (node: JsonSchema) => JsonSchema {
  const defs: Record<string, JsonSchema> = provider.defs?.definitions ?? {};
  return (node) => {
    let current = node;
    for (;;) {
      const ref: unknown = current.$ref;
      if (typeof ref === 'string') {
        const name = ref.startsWith(DEFS_REF) ? ref.slice(DEFS_REF.length) : ref.startsWith(LOCAL_REF) ? ref.slice(LOCAL_REF.length) : undefined;
        if (!name || !defs[name]) throw new Error(`${provider.name}: cannot resolve ${ref}`);
        const { $ref: _ref, ...siblings } = current;
        current = { ...defs[name], ...siblings };
      } else if (Array.isArray(current.allOf) && current.allOf.length === 1) {
        const { allOf, ...siblings } = current;
        current = { ...allOf[0], ...siblings };
      } else return current;
    }
  };
}

/** Keywords of the schema files that are about the file, not the payload. */
const FILE_KEYWORDS = new Set(['$id', '$schema', 'definitions', 'x-provider', 'x-event', 'x-delivery', 'x-example']);

/**
 * The fully inlined schema: no refs, so an AsyncAPI payload stands alone. The provenance markers
 * (`x-source`, `x-inferred` + `$comment`, `x-required`) are kept on every node they mark.
 */
export function inline(provider: ProviderFolder, schema: JsonSchema): JsonSchema {
  const resolve = resolver(provider);
  const walk = (node: unknown, isSchema: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, isSchema));
    if (node === null || typeof node !== 'object') return node;
    const source = isSchema ? resolve(node as JsonSchema) : (node as JsonSchema);
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(source)) {
      if (isSchema && FILE_KEYWORDS.has(key)) continue;
      if (key === 'const' || key === 'enum' || key === 'examples' || key === 'x-source') out[key] = value;
      else if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, child]) => [name, walk(child, true)]));
      else out[key] = walk(value, key === 'items' || key === 'additionalProperties' || key === 'anyOf' || key === 'oneOf' || key === 'allOf');
    }
    return out;
  };
  return walk(schema, true) as JsonSchema;
}
