// Reads a schemas/ directory as the drift pipeline needs it: per provider, its doc file (from
// provider.json) and per event its shape, delivery mode and whether its example is documented.
// A runtime module of its own (scripts/lib is build-time only and not shipped).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readProviderFolder } from '../schema-tree.js';
import { schemaShape } from './schema-shape.js';
import type { Shape } from './shape.js';

/** One event schema, reduced to what drift compares. */
export interface EventSchema {
  event: string;
  /** `documented` when the schema's example is the doc's own, `constructed` otherwise. */
  example: 'documented' | 'constructed';
  delivery: 'sync' | 'async';
  shape: Shape;
}

/** One provider's folder in schemas/. */
export interface SchemaFolder {
  provider: string;
  displayName: string;
  /** The provider's doc file name, from provider.json `doc`. */
  doc: string;
  events: Map<string, EventSchema>;
}

function loadFolder(dir: string, provider: string): SchemaFolder {
  const { transport, files } = readProviderFolder(dir, provider);
  if (typeof transport.doc !== 'string') throw new Error(`${join(dir, 'provider.json')}: "doc" (the provider's doc file) is required`);
  const events = new Map<string, EventSchema>();
  for (const [file, schema] of files) {
    if (!file.endsWith('.schema.json') || file.startsWith('_')) continue;
    const event = typeof schema['x-event'] === 'string' ? schema['x-event'] : file.slice(0, -'.schema.json'.length);
    events.set(event, {
      event,
      example: schema['x-example'] === 'documented' ? 'documented' : 'constructed',
      delivery: schema['x-delivery'] === 'sync' ? 'sync' : 'async',
      shape: schemaShape(schema, file, files),
    });
  }
  const displayName = typeof transport.displayName === 'string' ? transport.displayName : provider;
  return { provider, displayName, doc: transport.doc, events };
}

/**
 * Every provider folder (a directory with a provider.json) of a schemas directory, by name.
 *
 * @example
 * loadSchemaFolders('schemas').map((folder) => folder.provider); // ['axitech', 'coverkit', 'insurup', 'kasko']
 */
export function loadSchemaFolders(schemasDir: string): SchemaFolder[] {
  return readdirSync(schemasDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(schemasDir, entry.name, 'provider.json')))
    .map((entry) => entry.name)
    .sort()
    .map((provider) => loadFolder(join(schemasDir, provider), provider));
}
