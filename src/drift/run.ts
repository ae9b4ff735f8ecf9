// The pipeline: per provider, extract the doc's events and examples, compare each example with
// our schema of its event (quicktype-inferred shape vs our shape, plus strict validation), and
// compare the doc's event list with our schema files.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareShapes } from './compare.js';
import { extractors } from './extract/index.js';
import { extractStandardDoc } from './extract/headed-markdown.js';
import { inferShape } from './infer.js';
import { defaultDocsDir, defaultSchemasDir } from './paths.js';
import { loadSchemaFolders, type EventSchema, type SchemaFolder } from './schema-folder.js';
import type { DocExample, DriftOptions, DriftReport, EventDrift, ListedEvent, ProviderDrift } from './types.js';
import { unexplainedViolations } from './violations.js';

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

async function eventDrift(provider: string, schema: EventSchema, example: DocExample, listed: ListedEvent | undefined): Promise<EventDrift> {
  const diff = compareShapes(await inferShape(example.payload), schema.shape);
  const violations = unexplainedViolations(provider, schema.event, example.payload, diff);
  const newlyDocumented = schema.example === 'constructed';
  const drift: EventDrift = { event: schema.event, section: example.section, newlyDocumented, ...diff, violations, changes: 0 };
  // Only docs that mark sync/async (InsurUp) say anything about delivery; silence is not drift.
  if (listed?.delivery && listed.delivery !== schema.delivery) drift.delivery = { schema: schema.delivery, docs: listed.delivery };
  drift.changes = diff.added.length + diff.removed.length + diff.retyped.length + violations.length + (drift.delivery ? 1 : 0) + (newlyDocumented ? 1 : 0);
  return drift;
}

function emptyDrift(folder: SchemaFolder, problems: string[]): ProviderDrift {
  const { provider, displayName, doc } = folder;
  return { provider, displayName, doc, listedEvents: [], examples: 0, namedOnly: [], newEvents: [], missingEvents: [], examplesMissing: [], problems, events: [], changes: problems.length };
}

async function providerDrift(folder: SchemaFolder, docsDir: string): Promise<ProviderDrift> {
  const { provider, displayName, doc, events: schemas } = folder;
  const path = join(docsDir, doc);
  if (!existsSync(path)) return emptyDrift(folder, [`${doc} is not in ${docsDir}`]);
  // A doc in the common shape needs no extractor of its own (docs/adding-a-provider.md).
  const extract = Object.hasOwn(extractors, provider) ? extractors[provider]! : extractStandardDoc;
  const extracted = extract(readFileSync(path, 'utf8'));

  const listed = new Map(extracted.events.map((event) => [event.name, event]));
  const exampled = new Set(extracted.examples.map((example) => example.event));
  const schemaNames = [...schemas.keys()];
  const events: EventDrift[] = [];
  for (const example of extracted.examples) {
    const schema = schemas.get(example.event);
    // An example of an event without a schema is reported once, as a new event.
    if (schema) events.push(await eventDrift(provider, schema, example, listed.get(example.event)));
  }
  const drift: ProviderDrift = {
    provider,
    displayName,
    doc,
    listedEvents: sorted(listed.keys()),
    examples: extracted.examples.length,
    namedOnly: sorted(schemaNames.filter((name) => listed.has(name) && !exampled.has(name) && schemas.get(name)!.example === 'constructed')),
    newEvents: sorted([...listed.keys()].filter((name) => !schemas.has(name))),
    missingEvents: sorted(schemaNames.filter((name) => !listed.has(name))),
    examplesMissing: sorted(schemaNames.filter((name) => listed.has(name) && !exampled.has(name) && schemas.get(name)!.example === 'documented')),
    problems: extracted.problems,
    events,
    changes: 0,
  };
  drift.changes =
    drift.newEvents.length + drift.missingEvents.length + drift.examplesMissing.length + drift.problems.length + events.reduce((sum, event) => sum + event.changes, 0);
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
  for (const folder of loadSchemaFolders(schemasDir)) providers.push(await providerDrift(folder, docsDir));
  const changes = providers.reduce((sum, provider) => sum + provider.changes, 0);
  return { clean: changes === 0, changes, docsDir, schemasDir, providers };
}
