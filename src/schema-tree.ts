// The schema tree: reading a schemas/ folder (provider.schema.json, and per provider its
// provider.json, _defs.schema.json and one <event>.schema.json per event) and following the `$ref`s
// between its files. The one loader the generator (scripts/), drift (src/drift/) and the fast-check
// arbitraries (src/testing/fast-check.ts) share. Node only (node:fs); never imported by the
// receiving runtime.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { valueAt } from './core/pointer.js';

export type JsonSchema = { [key: string]: any };

/** The file of a provider folder that holds the definitions its events share. */
export const DEFS_FILE = '_defs.schema.json';
/** How an event file refers to a shared definition: `_defs.schema.json#/definitions/<name>`. */
export const DEFS_REF = `${DEFS_FILE}#/definitions/`;
/** How a file refers to a definition of its own: `#/definitions/<name>`. */
export const LOCAL_REF = '#/definitions/';
const EVENT_SUFFIX = '.schema.json';

export interface EventSchemaFile {
  provider: string;
  /** The event name, from the file name (`policy.created.schema.json`). */
  event: string;
  /** The file's path. */
  file: string;
  schema: JsonSchema;
}

export interface ProviderFolder {
  name: string;
  /** provider.json. */
  transport: JsonSchema;
  /** _defs.schema.json, if the folder has one. */
  defs: JsonSchema | undefined;
  /** One per `<event>.schema.json`, by file name. */
  events: EventSchemaFile[];
  /** Every JSON file of the folder by file name: what a `$ref` may point into. */
  files: ReadonlyMap<string, JsonSchema>;
}

export interface SchemaTree {
  /** provider.schema.json: what every provider.json must look like. */
  providerSchema: JsonSchema;
  providers: ProviderFolder[];
}

/**
 * A JSON file, parsed; an Error naming the path when it cannot be read or parsed.
 *
 * @example
 * readJsonFile('schemas/kasko/provider.json').name; // 'kasko'
 */
export function readJsonFile(path: string): JsonSchema {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * One provider folder: its transport, shared definitions and event schemas (sorted by file name).
 *
 * @example
 * readProviderFolder('schemas/kasko').events.map((e) => e.event); // ['offer.created', 'policy.cancelled', …]
 */
export function readProviderFolder(dir: string, name: string): ProviderFolder {
  const names = readdirSync(dir).filter((file) => file.endsWith('.json')).sort();
  const files = new Map(names.map((file) => [file, readJsonFile(join(dir, file))]));
  const events = names
    .filter((file) => file.endsWith(EVENT_SUFFIX) && !file.startsWith('_'))
    .map((file) => ({ provider: name, event: file.slice(0, -EVENT_SUFFIX.length), file: join(dir, file), schema: files.get(file)! }));
  const transport = files.get('provider.json');
  if (!transport) throw new Error(`${join(dir, 'provider.json')}: every provider folder needs one (docs/adding-a-provider.md)`);
  return { name, transport, defs: files.get(DEFS_FILE), events, files };
}

/**
 * Every provider folder of a schemas/ directory (each directory below it), sorted by name.
 *
 * @example
 * providerFolders('schemas').map((folder) => folder.name); // ['axitech', 'coverkit', 'insurup', 'kasko']
 */
export function providerFolders(root: string): ProviderFolder[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => readProviderFolder(join(root, name), name));
}

/**
 * The whole tree: provider.schema.json and every provider folder.
 *
 * @example
 * readSchemaTree('schemas').providers.length; // 4
 */
export function readSchemaTree(root: string): SchemaTree {
  return { providerSchema: readJsonFile(join(root, 'provider.schema.json')), providers: providerFolders(root) };
}

/** Where a `$ref` leads: the node, the file it is in, and a key that names the target (for cycle checks). */
export interface ResolvedRef {
  node: unknown;
  file: string;
  key: string;
}

/**
 * Follows `ref`, written in the file named `from`: `#/definitions/x` within it, or
 * `_defs.schema.json#/definitions/x` in a file next to it, read through `read` (by file name;
 * undefined when there is no such file). `#/` is the whole document, as quicktype writes it.
 * Throws an Error naming `from` when the ref leaves the folder or leads nowhere.
 *
 * @example
 * resolveRef('_defs.schema.json#/definitions/money', 'policy.created.schema.json', (file) => folder.files.get(file)).node; // { type: 'number', … }
 */
export function resolveRef(ref: string, from: string, read: (file: string) => unknown): ResolvedRef {
  const hash = ref.indexOf('#');
  const named = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? '' : ref.slice(hash + 1);
  if (named !== '' && !/^[\w.-]+\.json$/.test(named)) throw new Error(`${from}: $ref "${ref}" must point into a file of the same folder`);
  const file = named || from;
  const document = read(file);
  if (document === undefined) throw new Error(`${from}: $ref "${ref}" points to a file that is not there`);
  const node = fragment === '/' ? document : valueAt(document, fragment, { fragment: true });
  if (node === undefined) throw new Error(`${from}: $ref "${ref}" does not resolve`);
  return { node, file, key: `${file}#${fragment}` };
}
