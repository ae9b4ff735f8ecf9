// A provider's schema folder as raw JSON (provider.json and every schema file), for what the
// shapes of schema-folder.ts leave out: provenance, rules, patterns, the transport's new facts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** provider.json and the raw JSON of every file of `schemasDir/<provider>/`, by file name. */
export function rawFolder(schemasDir: string, provider: string): { transport: { [key: string]: unknown }; files: Map<string, unknown> } {
  const dir = join(schemasDir, provider);
  const files = new Map<string, unknown>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) files.set(file, JSON.parse(readFileSync(join(dir, file), 'utf8')));
  return { transport: (files.get('provider.json') ?? {}) as { [key: string]: unknown }, files };
}
