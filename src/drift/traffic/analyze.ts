// Drift from traffic: each captured delivery against the schema of its event (the event type read
// where provider.json says it travels), counted per provider, event and field.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readLocation } from '../../core/provider.js';
import type { Location } from '../../core/types.js';
import { compareShapes } from '../compare.js';
import { fieldLine } from '../doc-lines.js';
import { extractDoc } from '../extract/index.js';
import { DocText } from '../facts/text.js';
import type { ExtractedDoc } from '../types.js';
import { nodesAt } from '../facts/properties.js';
import { defaultDocsDir, defaultSchemasDir } from '../paths.js';
import { readProviderFolder } from '../../schema-tree.js';
import { loadSchemaFolders, type SchemaFolder } from '../schema-folder.js';
import { unexplainedViolations } from '../violations.js';
import { folderSource } from './folder.js';
import { valueShape } from './shape-of.js';
import type { CapturedDelivery, DeliverySource, TrafficEvent, TrafficFinding, TrafficFindingKind, TrafficProvider, TrafficReport, UnreadableEntry } from './types.js';

/** Where to read deliveries from and which schemas to compare them with. */
export interface TrafficOptions {
  /** A folder of captures (docs/drift.md, "Drift from traffic"), or any DeliverySource (an inbox). */
  source: string | DeliverySource;
  /** Default: the package's schemas/. */
  schemasDir?: string;
  /** The doc snapshots findings are located in (doc lines); default: the package's docs/providers/. */
  docsDir?: string;
}

type Json = { [key: string]: unknown };

/** A provider's schemas, loaded once, and its doc as extracted (for doc lines), when there is one. */
interface ProviderSchemas {
  folder: SchemaFolder;
  transport: Json;
  files: ReadonlyMap<string, unknown>;
  doc?: { text: DocText; extracted: ExtractedDoc };
}

/** The doc of a provider, read and extracted (its own extractor, or the common shape); undefined when the file is missing. */
function readDoc(docsDir: string, folder: SchemaFolder): ProviderSchemas['doc'] {
  const path = join(docsDir, folder.doc);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  return { text: new DocText(text), extracted: extractDoc(folder.provider, text) };
}

/** The doc line of an event's example (or of the field in it), else of the event in the list. */
function docLineOf(schemas: ProviderSchemas, event: string, path?: string): number | undefined {
  if (!schemas.doc) return undefined;
  const example = schemas.doc.extracted.examples.find((candidate) => candidate.event === event);
  const inExample = example && (path === undefined ? example.line : fieldLine(schemas.doc.text, example, path));
  return inExample ?? schemas.doc.extracted.events.find((listed) => listed.name === event)?.line;
}

/**
 * Bounds of the report (a decision: the report is for a maintainer and CI logs, and a hostile or
 * broken capture must not make it unbounded): distinct findings listed per event, unknown event
 * types and unreadable entries listed, and characters of any name taken from a capture (a field
 * path, an event type, a provider). Beyond a bound, entries are counted (`omitted…`), not listed.
 */
export const REPORT_LIMITS = { findingsPerEvent: 100, unknownEvents: 100, unreadable: 100, nameChars: 200 } as const;

/** A name from a capture, cut to REPORT_LIMITS.nameChars (with `…`). */
const clip = (text: string) => (text.length > REPORT_LIMITS.nameChars ? `${text.slice(0, REPORT_LIMITS.nameChars)}…` : text);

class Tally {
  /** Distinct findings listed per event, and those beyond REPORT_LIMITS.findingsPerEvent. */
  readonly listed = new Map<string, number>();
  readonly omittedFindings = new Map<string, number>();
  /** Distinct unknown event types beyond REPORT_LIMITS.unknownEvents (their names are not kept). */
  readonly omittedUnknown = new Set<string>();
  readonly deliveries = new Map<string, number>();
  readonly findings = new Map<string, TrafficFinding & { event: string }>();
  readonly unknown = new Map<string, { event: string; count: number; example: string }>();
  readonly problems = new Map<string, { problem: string; count: number; example: string }>();
  total = 0;

  finding(event: string, kind: TrafficFindingKind, fullPath: string, fullDetail: string, ref: string, schemas: ProviderSchemas): void {
    const path = clip(fullPath);
    const detail = clip(fullDetail);
    const key = JSON.stringify([event, kind, path, detail]);
    const known = this.findings.get(key);
    if (known) known.count++;
    else if ((this.listed.get(event) ?? 0) >= REPORT_LIMITS.findingsPerEvent) this.omittedFindings.set(event, (this.omittedFindings.get(event) ?? 0) + 1);
    else {
      this.listed.set(event, (this.listed.get(event) ?? 0) + 1);
      const docLine = docLineOf(schemas, event, path);
      this.findings.set(key, { event, kind, path, detail, count: 1, example: ref, docSection: docSectionOf(schemas, event, path), ...(docLine ? { docLine } : {}) });
    }
  }

  count<T extends { count: number }>(map: Map<string, T>, key: string, fresh: () => T): void {
    const known = map.get(key);
    if (known) known.count++;
    else map.set(key, fresh());
  }
}

/** The doc section a schema traces a field to: the nearest `x-source` on its node, else the event's. */
function docSectionOf(schemas: ProviderSchemas, event: string, path: string): string {
  const file = `${event}.schema.json`;
  const segments = path.split('.');
  for (let n = segments.length; n > 0; n--) {
    const source = nodesAt(file, segments.slice(0, n).join('.'), schemas.files).map(({ node }) => node['x-source'] as Json | undefined).find(Boolean);
    if (typeof source?.section === 'string') return source.section;
  }
  const own = (schemas.files.get(file) as Json | undefined)?.['x-source'] as Json | undefined;
  return typeof own?.section === 'string' ? own.section : '';
}

function compareDelivery(delivery: CapturedDelivery, schemas: ProviderSchemas, tally: Tally): void {
  const { ref } = delivery;
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.body);
  } catch {
    tally.count(tally.problems, 'not JSON', () => ({ problem: 'body is not JSON', count: 1, example: ref }));
    return;
  }
  let type: string | undefined;
  try {
    type = readLocation(schemas.transport.eventType as Location, delivery.headers, payload);
  } catch (error) {
    tally.count(tally.problems, 'event header', () => ({ problem: `event type header unreadable (${(error as Error).message})`, count: 1, example: ref }));
    return;
  }
  if (!type) {
    tally.count(tally.problems, 'no event', () => ({ problem: 'no event type where provider.json says it travels', count: 1, example: ref }));
    return;
  }
  const schema = schemas.folder.events.get(type);
  if (!schema) {
    const name = clip(type);
    if (tally.unknown.has(name) || tally.unknown.size < REPORT_LIMITS.unknownEvents) tally.count(tally.unknown, name, () => ({ event: name, count: 1, example: ref }));
    else tally.omittedUnknown.add(name);
    return;
  }
  tally.deliveries.set(type, (tally.deliveries.get(type) ?? 0) + 1);
  const diff = compareShapes(valueShape(payload), schema.shape);
  // One delivery counts once per finding, however many array items show it.
  const seen = new Set<string>();
  const add = (kind: TrafficFindingKind, path: string, detail: string) => {
    const key = `${kind} ${path} ${detail}`;
    if (seen.has(key)) return;
    seen.add(key);
    tally.finding(type, kind, path, detail, ref, schemas);
  };
  for (const { path, type: seenType } of diff.added) add('added', path, seenType);
  for (const { path } of diff.removed) add('missing', path, '');
  for (const { path, schema: ours, docs } of diff.retyped) add('retyped', path, `${ours} → ${docs}`);
  for (const { path, message } of unexplainedViolations(schemas.folder.provider, type, payload, diff)) add('format', path.replace(/\[\d+\]/g, '[]'), message);
}

function providerReport(name: string, schemas: ProviderSchemas | undefined, tally: Tally): TrafficProvider {
  const events = new Map<string, TrafficEvent>();
  const doc = schemas?.folder.doc ?? '';
  for (const [event, deliveries] of [...tally.deliveries].sort(([a], [b]) => a.localeCompare(b))) {
    const docLine = schemas && docLineOf(schemas, event);
    const omittedFindings = tally.omittedFindings.get(event);
    events.set(event, { event, schemaFile: `schemas/${name}/${event}.schema.json`, doc, ...(docLine ? { docLine } : {}), deliveries, findings: [], ...(omittedFindings ? { omittedFindings } : {}) });
  }
  for (const { event, ...finding } of tally.findings.values()) events.get(event)!.findings.push(finding);
  const unknownEvents = [...tally.unknown.values()].sort((a, b) => a.event.localeCompare(b.event));
  const problems = [...tally.problems.values()];
  const list = [...events.values()];
  const omittedUnknownEvents = tally.omittedUnknown.size;
  const changes = list.reduce((sum, event) => sum + event.findings.length + (event.omittedFindings ?? 0), 0) + unknownEvents.length + omittedUnknownEvents + problems.length;
  return { provider: name, displayName: schemas?.folder.displayName ?? name, deliveries: tally.total, events: list, unknownEvents, ...(omittedUnknownEvents ? { omittedUnknownEvents } : {}), problems, changes };
}

/**
 * Compares captured deliveries with the schemas and reports, per provider and event, fields seen
 * that the schema lacks, required fields that do not arrive (with how many deliveries lacked
 * them), type mismatches, format mismatches (strict validation), unknown event types, and entries
 * that could not be read, each with a count and one example. Signatures are not checked: captures
 * are compared for shape, and a capture folder holds no secrets.
 * Throws an Error when the folder or schemas directory does not exist.
 *
 * @example
 * const report = await runTrafficDrift({ source: 'captured-deliveries' });
 * console.log(formatTrafficReport(report));
 * process.exit(report.clean ? 0 : 1);
 */
export async function runTrafficDrift(options: TrafficOptions): Promise<TrafficReport> {
  const source = typeof options.source === 'string' ? folderSource(resolve(options.source)) : options.source;
  const schemasDir = resolve(options.schemasDir ?? defaultSchemasDir());
  const docsDir = resolve(options.docsDir ?? defaultDocsDir());
  const schemas = new Map<string, ProviderSchemas>();
  for (const folder of loadSchemaFolders(schemasDir)) {
    const doc = readDoc(docsDir, folder);
    const { transport, files } = readProviderFolder(join(schemasDir, folder.provider), folder.provider);
    schemas.set(folder.provider, { folder, transport, files, ...(doc ? { doc } : {}) });
  }
  const tallies = new Map<string, Tally>();
  const unreadable: UnreadableEntry[] = [];
  let omittedUnreadable = 0;
  const unread = (entry: UnreadableEntry) => {
    if (unreadable.length < REPORT_LIMITS.unreadable) unreadable.push({ ref: clip(entry.ref), problem: clip(entry.problem) });
    else omittedUnreadable++;
  };
  let deliveries = 0;
  for await (const entry of source.entries()) {
    if ('problem' in entry) {
      unread(entry);
      continue;
    }
    const own = schemas.get(entry.provider);
    if (!own) {
      unread({ ref: entry.ref, problem: `unknown provider "${clip(entry.provider)}" (known: ${[...schemas.keys()].join(', ')})` });
      continue;
    }
    deliveries++;
    const tally = tallies.get(entry.provider) ?? new Tally();
    tallies.set(entry.provider, tally);
    tally.total++;
    try {
      compareDelivery(entry, own, tally);
    } catch (error) {
      // A body nested deeper than a recursive step (the validator) can follow: that delivery is reported, the rest still compared.
      if (!(error instanceof RangeError)) throw error;
      tally.count(tally.problems, 'too deep', () => ({ problem: `body could not be compared (${error.message}: nested too deeply)`, count: 1, example: entry.ref }));
    }
  }
  const providers = [...tallies].sort(([a], [b]) => a.localeCompare(b)).map(([name, tally]) => providerReport(name, schemas.get(name), tally));
  const changes = providers.reduce((sum, provider) => sum + provider.changes, 0) + unreadable.length + omittedUnreadable;
  return { clean: changes === 0, changes, source: source.description, deliveries, providers, unreadable, ...(omittedUnreadable ? { omittedUnreadable } : {}) };
}
