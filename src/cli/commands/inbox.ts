// `inbox`: the durable inbox from the command line: list, show, replay, retry, prune, serve.
import { PROVIDERS } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, CommandLineError } from '../io.js';
import { INBOX_STATES, type InboxStore } from '../../inbox/types.js';
import { filterOptions, INBOX_ENV, INBOX_OPTIONS, openStore, parseWhen } from './inbox-store.js';
import { DEFAULT_LIMIT, limitOption, list, MAX_LIMIT, show } from './inbox-read.js';
import { bulk, prune, selection } from './inbox-bulk.js';
import { serveDashboard } from './inbox-serve.js';

const SUBCOMMANDS = ['list', 'show', 'replay', 'retry', 'prune', 'serve'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** Options each subcommand accepts (the command parses their union). */
const ACCEPTS: Record<Subcommand, readonly string[]> = {
  list: ['provider', 'type', 'state', 'since', 'limit', 'cursor', 'json'],
  show: ['json'],
  replay: ['all', 'provider', 'type', 'state', 'since', 'json'],
  retry: ['all', 'provider', 'type', 'state', 'since', 'json'],
  prune: ['older-than', 'state', 'json'],
  serve: ['port', 'host', 'base-path'],
};
const STORE_OPTIONS = ['store', 'database-url', 'table'];

export const inbox: Command = {
  name: 'inbox',
  summary: 'list, show, replay, retry and prune captured deliveries; serve the dashboard',
  operands: '<list|show|replay|retry|prune|serve> [id…]',
  help: `Usage: insurance-webhooks inbox <subcommand> (--store DIR | --database-url URL) [options]

Works on the durable inbox (docs/inbox.md): the embedded store's directory (PGlite, the dataDir given
to pgliteInbox; do not point it at a store a running receiver has open: PGlite is single-process),
or a PostgreSQL URL. Without either, $${INBOX_ENV} is read (a postgres:// URL or a directory).

Subcommands:
  list                  newest first: id, received, provider, event, state, attempts, error
  show <id>             one delivery: state, errors, headers and payload (secrets and signatures redacted)
  replay <id…>          re-validate with this build's schemas and queue for the handlers again
  replay --all          every delivery matching the filters (default --state invalid,unknown)
  retry <id…>           a dead or retrying delivery: queued again now, attempts reset
  retry --all           every match (default --state dead,retrying)
  prune --older-than T  delete deliveries received before T (default --state handled,sync;
                        pending, processing and retrying are refused)
  serve [--port N]      the dashboard on http://127.0.0.1:N (no authentication: keep it on loopback)

Options:
  --store DIR           an embedded (PGlite) inbox directory
  --database-url URL    a PostgreSQL inbox (postgres://user:password@host:5432/db)
  --table NAME          the inbox table (default insurance_webhooks_inbox)
  --provider P          filter: ${PROVIDERS.join(', ')}
  --type T              filter: the event type, e.g. policy.created
  --state S[,S…]        filter: ${INBOX_STATES.join(', ')}
  --since T             filter: received at or after T: ISO 8601 (2026-01-31T00:00Z) or an age (30m, 24h, 7d)
  --limit N             list: page size, default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}
  --cursor C            list: the next page (printed after a full page)
  --older-than T        prune: an age (30d) or an ISO 8601 date
  --all                 replay/retry: every delivery matching the filters (a progress bar on a terminal)
  --port N              serve: default 3001; 0 for any free port
  --host H              serve: default 127.0.0.1
  --base-path P         serve: mount the pages under P (default /)
  --json                JSON on standard output (no progress bar)
  -h, --help            this help

Exit codes: 0 done; 1 a delivery was not found, not replayed or retried (its state does not allow
it), or still invalid or unknown after its replay; 2 the command could not run (arguments, no store
at DIR, missing peer dependency).

Examples:
  insurance-webhooks inbox list --store ./inbox --state dead,invalid --since 24h
  insurance-webhooks inbox show 0b7c2d1e-… --database-url "$DATABASE_URL" --json
  insurance-webhooks inbox replay --all --provider coverkit --state invalid --store ./inbox
  insurance-webhooks inbox prune --older-than 30d --store ./inbox
  insurance-webhooks inbox serve --port 3001 --store ./inbox
`,
  options: {
    ...INBOX_OPTIONS,
    type: { type: 'string' },
    state: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    'older-than': { type: 'string' },
    all: { type: 'boolean' },
    port: { type: 'string' },
    host: { type: 'string' },
    'base-path': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const sub = args.positionals[0];
    if (sub === undefined) throw new CommandLineError(`inbox: give a subcommand: ${SUBCOMMANDS.join(', ')}`);
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) throw new CommandLineError(`inbox: unknown subcommand "${sub}"; subcommands: ${SUBCOMMANDS.join(', ')}`);
    const name = sub as Subcommand;
    const stray = Object.keys(args.values).find((option) => option !== 'help' && args.values[option] !== undefined && !STORE_OPTIONS.includes(option) && !ACCEPTS[name].includes(option));
    if (stray) throw new CommandLineError(`inbox ${name}: --${stray} does not apply to ${name}`);
    if ((name === 'list' || name === 'prune' || name === 'serve') && args.positionals.length > 1) {
      throw new CommandLineError(`inbox ${name}: unexpected argument "${args.positionals[1]}"`);
    }
    // Arguments are checked before the store opens, so a typo costs nothing.
    if (name === 'replay' || name === 'retry') selection(name, args);
    if (name === 'list') limitOption(args.values);
    if (name === 'show' && args.positionals.length !== 2) throw new CommandLineError('inbox show: give exactly one delivery id');
    filterOptions(`inbox ${name}`, args.values, new Date());
    if (name === 'prune' && typeof args.values['older-than'] !== 'string') throw new CommandLineError('inbox prune: --older-than is required (e.g. 30d, or a date)');
    if (name === 'prune') parseWhen('inbox prune', 'older-than', args.values['older-than'] as string, new Date());
    let store: InboxStore;
    try {
      store = await openStore(`inbox ${name}`, args.values, io);
    } catch (error) {
      if (error instanceof CommandLineError) throw error;
      io.stderr(`inbox ${name}: cannot open the inbox: ${(error as Error)?.message ?? String(error)}\n`);
      return EXIT.failure;
    }
    try {
      switch (name) {
        case 'list':
          return await list(args.values, store, io);
        case 'show':
          return await show(args, store, io);
        case 'replay':
        case 'retry':
          return await bulk(name, args, store, io);
        case 'prune':
          return await prune(args.values, store, io);
        case 'serve':
          return await serveDashboard(args.values, store, io);
      }
    } finally {
      await store.close();
    }
  },
};
