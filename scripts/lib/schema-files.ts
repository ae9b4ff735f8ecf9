// The schemas/ folder at build time: its loader (src/schema-tree.ts, shared with drift and the
// fast-check arbitraries), the naming conventions and the lint the generator runs before writing.
import type { SchemaTree } from '../../src/schema-tree.js';
import { provenanceProblems, transportProblems } from './provenance.js';

export const SCHEMA_BASE = 'https://insurance-webhooks.dev/schemas/';
export const STRICT_BASE = `${SCHEMA_BASE}strict/`;

/**
 * Annotation keywords used in our schemas; ajv must know them to stay in strict (schema-lint) mode.
 * `x-source`, `x-inferred` and `x-required` are the provenance markers (docs/schema-policy.md).
 */
export const ANNOTATION_KEYWORDS = ['x-source', 'x-inferred', 'x-required', 'x-event', 'x-provider', 'x-delivery', 'x-example'] as const;

export { readSchemaTree as loadSchemaTree, type EventSchemaFile, type JsonSchema, type ProviderFolder, type SchemaTree } from '../../src/schema-tree.js';

/** `policy.created` → `PolicyCreated`, `proposal_premium.purchase_failed` → `ProposalPremiumPurchaseFailed`. */
export const pascalCase = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

/**
 * The conventions every event schema follows; the generator refuses a tree that breaks one,
 * so names, ids and provenance cannot drift apart. Provenance: every constraint is documented
 * or decided (scripts/lib/provenance.ts, docs/schema-policy.md).
 */
export function lintSchemaTree(tree: SchemaTree): string[] {
  const problems: string[] = [];
  for (const provider of tree.providers) {
    if (provider.transport.name !== provider.name) {
      problems.push(`schemas/${provider.name}/provider.json: name must be "${provider.name}"`);
    }
    if (provider.events.length === 0) problems.push(`schemas/${provider.name}: no event schemas`);
    problems.push(...transportProblems(`schemas/${provider.name}/provider.json`, provider.transport));
    if (provider.defs) problems.push(...provenanceProblems(`schemas/${provider.name}/_defs.schema.json`, provider.defs));
    for (const { event, file, schema } of provider.events) {
      const expect = (ok: boolean, what: string) => ok || problems.push(`${file}: ${what}`);
      expect(schema.$id === `${SCHEMA_BASE}${provider.name}/${event}.schema.json`, `$id must be ${SCHEMA_BASE}${provider.name}/${event}.schema.json`);
      expect(schema.title === pascalCase(provider.name) + pascalCase(event), `title must be ${pascalCase(provider.name) + pascalCase(event)}`);
      expect(schema['x-event'] === event, `x-event must be "${event}"`);
      expect(schema['x-provider'] === provider.name, `x-provider must be "${provider.name}"`);
      expect(typeof schema.description === 'string' && schema.description.length > 0, 'description is required');
      expect(typeof schema['x-source']?.doc === 'string' && typeof schema['x-source']?.section === 'string', 'x-source { doc, section } is required');
      expect(Array.isArray(schema.examples) && schema.examples.length > 0, 'at least one example is required');
      expect(schema['x-example'] === 'documented' || schema['x-example'] === 'constructed', 'x-example must be "documented" or "constructed"');
      expect(schema['x-example'] === 'documented' || typeof schema['x-inferred'] === 'string', 'a constructed example needs x-inferred saying what is undocumented');
      problems.push(...provenanceProblems(`schemas/${provider.name}/${event}.schema.json`, schema));
    }
  }
  return problems;
}
