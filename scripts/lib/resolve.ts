// `$ref` resolution for the reference docs: a schema node with its refs (and single-entry `allOf`
// wrappers) replaced by what they point to, siblings winning, so a field's own description and
// markers override its definition's.
import { DEFS_FILE, resolveRef } from '../../src/schema-tree.js';
import type { JsonSchema, ProviderFolder } from './schema-files.js';
import { DROP, transformSchema, WALK } from './schema-walk.js';

/**
 * A resolver for one provider folder's refs (`_defs.schema.json#/definitions/x` from an event file,
 * `#/definitions/x` between shared definitions: read as written in _defs.schema.json).
 */
export function resolver(provider: ProviderFolder): (node: JsonSchema) => JsonSchema {
  const read = (file: string) => provider.files.get(file);
  return (node) => {
    let current = node;
    for (;;) {
      const ref: unknown = current.$ref;
      if (typeof ref === 'string') {
        const { $ref: _ref, ...siblings } = current;
        current = { ...(resolveRef(ref, DEFS_FILE, read).node as JsonSchema), ...siblings };
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
  return transformSchema(schema, { enter: resolver(provider), key: (key) => (FILE_KEYWORDS.has(key) ? DROP : WALK) }) as JsonSchema;
}
