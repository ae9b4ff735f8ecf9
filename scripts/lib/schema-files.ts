// Loads the schemas/ folder: one folder per provider with provider.json (transport),
// _defs.schema.json (shared definitions) and one <event>.schema.json per event.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { provenanceProblems, transportProblems } from './provenance.js';

export const SCHEMA_BASE = 'https://insurance-webhooks.dev/schemas/';
export const STRICT_BASE = `${SCHEMA_BASE}strict/`;

/**
 * Annotation keywords used in our schemas; ajv must know them to stay in strict (schema-lint) mode.
 * `x-source`, `x-inferred` and `x-required` are the provenance markers (docs/schema-policy.md).
 */
export const ANNOTATION_KEYWORDS = ['x-source', 'x-inferred', 'x-required', 'x-event', 'x-provider', 'x-delivery', 'x-example'] as const;

export type JsonSchema = { [key: string]: any };

export interface EventSchemaFile {
  provider: string;
  event: string;
  file: string;
  schema: JsonSchema;
}

export interface ProviderFolder {
  name: string;
  transport: JsonSchema;
  defs: JsonSchema | undefined;
  events: EventSchemaFile[];
}

export interface SchemaTree {
  providerSchema: JsonSchema;
  providers: ProviderFolder[];
}

const readJson = (path: string): JsonSchema => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
};

/** `policy.created` → `PolicyCreated`, `proposal_premium.purchase_failed` → `ProposalPremiumPurchaseFailed`. */
export const pascalCase = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

export function loadSchemaTree(root: string): SchemaTree {
  const providerSchema = readJson(join(root, 'provider.schema.json'));
  const names = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const providers = names.map((name): ProviderFolder => {
    const dir = join(root, name);
    const files = readdirSync(dir).sort();
    const events = files
      .filter((file) => file.endsWith('.schema.json') && !file.startsWith('_'))
      .map((file) => ({
        provider: name,
        event: file.slice(0, -'.schema.json'.length),
        file: join(dir, file),
        schema: readJson(join(dir, file)),
      }));
    return {
      name,
      transport: readJson(join(dir, 'provider.json')),
      defs: files.includes('_defs.schema.json') ? readJson(join(dir, '_defs.schema.json')) : undefined,
      events,
    };
  });
  return { providerSchema, providers };
}

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
