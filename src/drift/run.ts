// The pipeline: per provider, extract the doc's events and examples, compare each example with
// our schema of its event (quicktype-inferred shape vs our shape, plus strict validation), and
// compare the doc's event list with our schema files.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareShapes } from './compare.js';
import { extractDoc } from './extract/index.js';
import { compareFacts } from './facts/compare.js';
import { docFacts } from './facts/extract.js';
import { DocText } from './facts/text.js';
import { fieldLine } from './doc-lines.js';
import { inferShape } from './infer.js';
import { defaultDocsDir, defaultSchemasDir } from './paths.js';
import { readProviderFolder } from '../schema-tree.js';
import { loadSchemaFolders, type EventSchema, type SchemaFolder } from './schema-folder.js';
import type { DocExample, DriftOptions, DriftReport, EventDrift, ProviderDrift } from './types.js';
import { unexplainedViolations } from './violations.js';

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

async function eventDrift(provider: string, schema: EventSchema, example: DocExample, doc: DocText): Promise<EventDrift> {
  const inferred = compareShapes(await inferShape(example.payload), schema.shape);
  const at = (path: string) => {
    const line = fieldLine(doc, example, path);
    return line ? { line } : {};
  };
  const diff = { ...inferred, added: inferred.added.map((f) => ({ ...f, ...at(f.path) })), retyped: inferred.retyped.map((f) => ({ ...f, ...at(f.path) })) };
  const violations = unexplainedViolations(provider, schema.event, example.payload, diff);
  const newlyDocumented = schema.example === 'constructed';
  const drift: EventDrift = { event: schema.event, section: example.section, ...(example.line ? { line: example.line } : {}), newlyDocumented, ...diff, violations, changes: 0 };
  // Sync/async is compared with the other documented facts (facts/compare.ts), with its doc line.
  drift.changes = diff.added.length + diff.removed.length + diff.retyped.length + violations.length + (newlyDocumented ? 1 : 0);
  return drift;
}

function emptyDrift(folder: SchemaFolder, problems: string[]): ProviderDrift {
  const { provider, displayName, doc } = folder;
  return { provider, displayName, doc, listedEvents: [], examples: 0, namedOnly: [], newEvents: [], eventLines: {}, missingEvents: [], examplesMissing: [], problems, events: [], facts: [], changes: problems.length };
}

async function providerDrift(folder: SchemaFolder, docsDir: string, schemasDir: string): Promise<ProviderDrift> {
  const { provider, displayName, doc, events: schemas } = folder;
  const path = join(docsDir, doc);
  if (!existsSync(path)) return emptyDrift(folder, [`${doc} is not in ${docsDir}`]);
  // A doc in the common shape needs no extractor of its own (docs/adding-a-provider.md).
  const text = readFileSync(path, 'utf8');
  const extracted = extractDoc(provider, text);
  const factsFound = docFacts(provider, text);
  const { transport, files } = readProviderFolder(join(schemasDir, provider), provider);
  const docText = new DocText(text);
  const facts = compareFacts({ provider, doc, text: docText, transport, folder, files }, factsFound);

  const listed = new Set(extracted.events.map((event) => event.name));
  const exampled = new Set(extracted.examples.map((example) => example.event));
  const schemaNames = [...schemas.keys()];
  const events: EventDrift[] = [];
  for (const example of extracted.examples) {
    const schema = schemas.get(example.event);
    // An example of an event without a schema is reported once, as a new event.
    if (schema) events.push(await eventDrift(provider, schema, example, docText));
  }
  const drift: ProviderDrift = {
    provider,
    displayName,
    doc,
    listedEvents: sorted(listed),
    examples: extracted.examples.length,
    namedOnly: sorted(schemaNames.filter((name) => listed.has(name) && !exampled.has(name) && schemas.get(name)!.example === 'constructed')),
    newEvents: sorted([...listed].filter((name) => !schemas.has(name))),
    eventLines: Object.fromEntries(extracted.events.flatMap((event) => (event.line ? [[event.name, event.line]] : [])).sort(([a], [b]) => String(a).localeCompare(String(b)))),
    missingEvents: sorted(schemaNames.filter((name) => !listed.has(name))),
    examplesMissing: sorted(schemaNames.filter((name) => listed.has(name) && !exampled.has(name) && schemas.get(name)!.example === 'documented')),
    problems: [...extracted.problems, ...factsFound.problems],
    events,
    facts,
    changes: 0,
  };
  drift.changes =
    drift.newEvents.length + drift.missingEvents.length + drift.examplesMissing.length + drift.problems.length + facts.length + events.reduce((sum, event) => sum + event.changes, 0);
  return drift;
}

function existingDirectory(dir: string, what: string, hint: string): string {
  const absolute = resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) throw new Error(`insurance-webhooks/drift: ${what} ${absolute} does not exist${hint}`);
  return absolute;
}

/**
 * Compares the providers' webhook docs with our schemas and reports every drift: fields added,
 * removed or retyped in a doc example, strict-validation errors those do not explain, sync/async
 * changes, events the docs list without a schema and schemas whose event the docs no longer list.
 * `docsDir` defaults to the package's docs/providers/ snapshot, `schemasDir` to its schemas/.
 * Needs the optional peer dependency quicktype-core (imported on first use).
 *
 * @example
 * const report = await runDrift({ docsDir: 'captured-docs' });
 * console.log(formatDriftReport(report));
 * process.exit(report.clean ? 0 : 1);
 */
export async function runDrift(options: DriftOptions = {}): Promise<DriftReport> {
  const docsDir = existingDirectory(
    options.docsDir ?? defaultDocsDir(),
    'the provider docs directory',
    options.docsDir === undefined ? '; pass { docsDir } (the directory holding the providers\' doc files)' : '',
  );
  const schemasDir = existingDirectory(options.schemasDir ?? defaultSchemasDir(), 'the schemas directory', '');
  const providers: ProviderDrift[] = [];
  for (const folder of loadSchemaFolders(schemasDir)) providers.push(await providerDrift(folder, docsDir, schemasDir));
  const changes = providers.reduce((sum, provider) => sum + provider.changes, 0);
  return { clean: changes === 0, changes, docsDir, schemasDir, providers };
}
