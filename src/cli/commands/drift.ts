// `drift`: delegates to the drift pipeline (src/drift, another module of this package) and turns
// its report into output and an exit code. `--deliveries inbox` opens the inbox as the `inbox`
// commands do (src/cli/commands/inbox-store.ts: the store's peer loaded only then).
import { resolve } from 'node:path';
import type { Values } from '../args.js';
import { writeJson, type Command } from '../command.js';
import { CommandLineError, EXIT, type CliIo } from '../io.js';
import type { InboxStore } from '../../inbox/types.js';
import { filterOptions, INBOX_OPTIONS, openStore, storeLocation } from './inbox-store.js';

/** The part of the drift module's API the CLI relies on. */
interface DriftModule {
  runDrift(options?: { docsDir?: string; schemasDir?: string }): Promise<{ clean: boolean }>;
  formatDriftReport(report: { clean: boolean }): string;
  /** Drift from traffic (`--deliveries`): a folder of captured deliveries against the schemas. */
  runTrafficDrift?(options: { source: unknown; schemasDir?: string }): Promise<{ clean: boolean }>;
  formatTrafficReport?(report: { clean: boolean }): string;
  /** `--deliveries inbox`: an inbox store as the source of deliveries. */
  inboxSource?(store: InboxStore, filter: object, options: { description: string }): unknown;
}

/** The `--deliveries` value that means the inbox (a folder of that name: `./inbox`). A decision. */
export const INBOX_SOURCE = 'inbox';

/** Options that only mean something with `--deliveries inbox`. */
const INBOX_OPTION_NAMES = Object.keys(INBOX_OPTIONS) as (keyof typeof INBOX_OPTIONS)[];

// A literal specifier, loaded only when asked for: tsc checks it, and scripts/bundle.ts rewrites it
// to the drift entry's built file (a specifier in a variable is right for src/ and wrong in dist/).
const importDrift = (): Promise<unknown> => import('../../drift/index.js');

function isDriftModule(module: unknown): module is DriftModule {
  const candidate = module as Partial<DriftModule> | null;
  return typeof candidate?.runDrift === 'function' && typeof candidate.formatDriftReport === 'function';
}

async function loadDrift(io: CliIo): Promise<DriftModule | undefined> {
  let module: unknown;
  try {
    module = await (io.loadDrift ?? importDrift)();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const hint = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' ? ' (is this a build without the drift pipeline, or is an optional peer such as quicktype-core missing?)' : '';
    io.stderr(`drift: the drift pipeline could not be loaded: ${message}${hint}\n`);
    return undefined;
  }
  if (!isDriftModule(module)) {
    io.stderr('drift: the drift module does not export runDrift() and formatDriftReport()\n');
    return undefined;
  }
  return module;
}

/** `--deliveries`: the traffic comparison, same output and exit rules as the docs comparison. */
async function traffic(module: DriftModule, values: Values, io: CliIo): Promise<number> {
  if (!module.runTrafficDrift || !module.formatTrafficReport) {
    io.stderr('drift: this drift module has no traffic comparison (runTrafficDrift)\n');
    return EXIT.usage;
  }
  const run = module.runTrafficDrift;
  const schemas = typeof values.schemas === 'string' ? { schemasDir: resolve(io.cwd, values.schemas) } : {};
  if (values.deliveries !== INBOX_SOURCE) return printReport(() => run({ source: resolve(io.cwd, String(values.deliveries)), ...schemas }), module.formatTrafficReport, values.json === true, io);
  if (!module.inboxSource) {
    io.stderr('drift: this drift module cannot read the inbox (inboxSource)\n');
    return EXIT.usage;
  }
  const filter = filterOptions('drift', values, new Date());
  const description = inboxDescription(values, io);
  let store: InboxStore;
  try {
    store = await openStore('drift', values, io);
  } catch (error) {
    if (error instanceof CommandLineError) throw error;
    io.stderr(`drift: the inbox could not be opened: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const source = module.inboxSource(store, filter, { description });
  try {
    return await printReport(() => run({ source, ...schemas }), module.formatTrafficReport, values.json === true, io);
  } finally {
    await store.close().catch(() => {});
  }
}

/** `inbox <dir>` or `inbox postgres://host/db` for the report: never the URL's user or password. */
function inboxDescription(values: Values, io: CliIo): string {
  const location = storeLocation('drift', values, io);
  if (location.kind === 'pglite') return `inbox ${location.dir}`;
  const url = new URL(location.url);
  url.username = '';
  url.password = '';
  url.search = '';
  return `inbox ${url.href}`;
}

/** Runs a comparison and prints its report (text, or JSON with --json): exit 0 clean, 1 drift, 2 when it cannot run. */
async function printReport(run: () => Promise<{ clean: boolean }>, format: (report: { clean: boolean }) => string, json: boolean, io: CliIo): Promise<number> {
  let report: { clean: boolean };
  try {
    report = await run();
  } catch (error) {
    io.stderr(`drift: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  if (json) writeJson(io, report);
  else io.stdout(`${format(report).replace(/\n?$/, '\n')}`);
  return report.clean ? EXIT.ok : EXIT.failure;
}

export const drift: Command = {
  name: 'drift',
  summary: "compare the providers' docs with the schemas and report what changed",
  help: `Usage: insurance-webhooks drift [--docs dir] [--schemas dir] [--json]
       insurance-webhooks drift --deliveries dir [--schemas dir] [--json]
       insurance-webhooks drift --deliveries inbox [--store dir | --database-url url] [--table name]
                                [--provider p] [--since when] [--schemas dir] [--json]

Runs the drift pipeline: reads the providers' documentation snapshots, compares every fact they
state (events, examples, headers, signature, formats, property lists, sync/async, retries,
acknowledgement) with this package's schemas, provider.json files and runtime, and reports the
differences with the doc line each comes from.

With --deliveries, compares captured deliveries instead: a folder with one JSON file per delivery,
{ "provider": "kasko", "headers": { … }, "body": "<raw body>" } (docs/drift.md), and reports per
provider and event the fields the schema lacks, required fields that never arrive, type and format
mismatches and unknown event types, with counts and one example file each.

With --deliveries inbox, compares the deliveries the inbox kept (every state: pending, handled,
dead, invalid, unknown…; body and headers as received), read page by page; each example is
inbox:<id> (see "insurance-webhooks inbox show <id>"). The inbox is named as for the inbox
commands: --store (an embedded PGlite directory), --database-url (PostgreSQL), or
$INSURANCE_WEBHOOKS_INBOX. A folder named "inbox" is --deliveries ./inbox.

Exit code 0 when there is no drift, 1 when there is, 2 when the pipeline cannot run.

Options:
  --docs dir        the documentation snapshots to compare (default: the package's docs/providers/)
  --deliveries dir  a folder of captured deliveries to compare instead of the docs,
                    or the word inbox: the deliveries in the inbox
  --store dir       with --deliveries inbox: the embedded inbox's directory
  --database-url u  with --deliveries inbox: the PostgreSQL inbox (postgres://…)
  --table name      with --deliveries inbox: the inbox table (default: the store's)
  --provider p      with --deliveries inbox: only this provider's deliveries
  --since when      with --deliveries inbox: only deliveries received since an ISO 8601 date
                    or an age (30m, 24h, 7d)
  --schemas dir     the schemas to compare them with (default: the package's schemas/)
  --json            the report as JSON
  -h, --help        this help

Examples:
  insurance-webhooks drift --docs ./provider-docs
  insurance-webhooks drift --deliveries ./captured --json
  insurance-webhooks drift --deliveries inbox --store ./inbox-data --since 7d
  insurance-webhooks drift --deliveries inbox --database-url postgres://localhost/app --provider kasko
`,
  options: {
    docs: { type: 'string' },
    deliveries: { type: 'string' },
    schemas: { type: 'string' },
    json: { type: 'boolean' },
    ...INBOX_OPTIONS,
  },
  async run({ values }, io) {
    if (typeof values.deliveries === 'string' && typeof values.docs === 'string') {
      io.stderr('drift: --docs and --deliveries compare different things with the schemas; run them one at a time\n');
      return EXIT.usage;
    }
    const stray = INBOX_OPTION_NAMES.find((name) => values[name] !== undefined);
    if (stray && values.deliveries !== INBOX_SOURCE) throw new CommandLineError(`drift: --${stray} names or filters the inbox; use it with --deliveries inbox`);
    const module = await loadDrift(io);
    if (!module) return EXIT.usage;
    if (typeof values.deliveries === 'string') return traffic(module, values, io);
    const options = {
      ...(typeof values.docs === 'string' ? { docsDir: resolve(io.cwd, values.docs) } : {}),
      ...(typeof values.schemas === 'string' ? { schemasDir: resolve(io.cwd, values.schemas) } : {}),
    };
    return printReport(() => module.runDrift(options), module.formatDriftReport, values.json === true, io);
  },
};
