// `inbox`: the durable inbox from the command line: list, show, replay, retry, prune, serve.
import { PROVIDERS } from '../args.js';
import { table, writeJson, type Command } from '../command.js';
import { EXIT, CommandLineError, type CliIo } from '../io.js';
import type { ParsedArgs, Values } from '../args.js';
import { INBOX_STATES, type InboxFilter, type InboxRecord, type InboxState, type InboxStore, type InboxSummary } from '../../inbox/types.js';
import { replayDelivery } from '../../inbox/replay.js';
import { displayBody, redactHeaders, redactUrl } from '../../inbox/dashboard/redact.js';
import { filterOptions, INBOX_ENV, openStore, parseStates, parseWhen } from './inbox-store.js';
import { progressBar } from './inbox-progress.js';
import { serveDashboard } from './inbox-serve.js';

const SUBCOMMANDS = ['list', 'show', 'replay', 'retry', 'prune', 'serve'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** `list` page size: default and bound (decision: the store's own bound). */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
/** Deliveries read per page while a bulk replay or retry walks the inbox. */
const BULK_PAGE = 200;
/** What `replay --all` and `retry --all` act on without `--state` (decision: the states each is for). */
const BULK_DEFAULT_STATES: Record<'replay' | 'retry', InboxState[]> = { replay: ['invalid', 'unknown'], retry: ['dead', 'retrying'] };

const time = (date: Date | null) => (date ? date.toISOString() : '');
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A summary as `--json` prints it: dates as ISO strings. */
const summaryJson = (record: InboxSummary) => ({
  id: record.id,
  provider: record.provider,
  eventType: record.eventType,
  deliveryId: record.deliveryId,
  idempotencyKey: record.idempotencyKey,
  state: record.state,
  attempts: record.attempts,
  receivedAt: time(record.receivedAt),
  nextAttemptAt: record.nextAttemptAt && time(record.nextAttemptAt),
  handledAt: record.handledAt && time(record.handledAt),
  lastError: record.lastError,
  validation: record.validation,
});

/** Which deliveries a subcommand names: the ids given, or `--all` with the filters. */
function selection(name: 'replay' | 'retry', args: ParsedArgs): { ids: string[] } | { all: true } {
  const ids = args.positionals.slice(1);
  const all = args.values.all === true;
  if (all && ids.length) throw new CommandLineError(`inbox ${name}: give ids or --all, not both`);
  if (!all && !ids.length) throw new CommandLineError(`inbox ${name}: give the ids of deliveries, or --all (with --provider, --type, --state, --since)`);
  if (!all && ['provider', 'type', 'state', 'since'].some((option) => args.values[option] !== undefined)) {
    throw new CommandLineError(`inbox ${name}: filters apply to --all only`);
  }
  return all ? { all: true } : { ids };
}

/** Every id matching `filter`, walking the pages (newest first). */
async function* matching(store: InboxStore, filter: InboxFilter): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...filter, limit: BULK_PAGE, ...(cursor !== undefined && { cursor }) });
    for (const record of page.records) yield record.id;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

async function total(store: InboxStore, filter: InboxFilter): Promise<number> {
  const { state, ...rest } = filter;
  const counts = await store.counts(rest);
  const states = state === undefined ? INBOX_STATES : typeof state === 'string' ? [state] : state;
  return states.reduce((sum, s) => sum + counts[s], 0);
}

interface ActionOutcome {
  id: string;
  done: boolean;
  /** replay: where it now stands. */
  state?: InboxState;
  reason?: string;
}

async function act(name: 'replay' | 'retry', store: InboxStore, id: string): Promise<ActionOutcome> {
  if (name === 'replay') {
    const result = await replayDelivery(store, id);
    if (result.replayed) return { id, done: true, state: result.state! };
  } else if (await store.retry(id)) return { id, done: true, state: 'pending' };
  const record = await store.get(id);
  const reason = !record ? 'no such delivery' : name === 'replay' ? `it is ${record.state}` : `it is ${record.state} (only dead and retrying deliveries are retried)`;
  return { id, done: false, ...(record && { state: record.state }), reason };
}

async function bulk(name: 'replay' | 'retry', args: ParsedArgs, store: InboxStore, io: CliIo): Promise<number> {
  const json = args.values.json === true;
  const which = selection(name, args);
  const outcomes: ActionOutcome[] = [];
  const print = (outcome: ActionOutcome) => {
    if (json) return;
    if (!outcome.done) io.stderr(`${outcome.id} not ${name === 'replay' ? 'replayed' : 'retried'}: ${outcome.reason}\n`);
    else if ('ids' in which) io.stdout(`${outcome.id} ${name === 'replay' ? 'replayed' : 'retried'}: now ${outcome.state}\n`);
  };
  if ('ids' in which) {
    for (const id of which.ids) {
      const outcome = await act(name, store, id);
      outcomes.push(outcome);
      print(outcome);
    }
  } else {
    const filter = filterOptions(`inbox ${name}`, args.values, new Date(), BULK_DEFAULT_STATES[name]);
    // The bar's total is counted first; deliveries arriving meanwhile may make the walk longer.
    const progress = await progressBar(io, await total(store, filter), name, json);
    try {
      for await (const id of matching(store, filter)) {
        const outcome = await act(name, store, id);
        outcomes.push(outcome);
        progress.tick();
        if (!outcome.done) print(outcome);
      }
    } finally {
      progress.stop();
    }
  }
  const done = outcomes.filter((o) => o.done).length;
  const byState: Partial<Record<InboxState, number>> = {};
  for (const o of outcomes) if (o.done && o.state) byState[o.state] = (byState[o.state] ?? 0) + 1;
  if (json) writeJson(io, { [name === 'replay' ? 'replayed' : 'retried']: done, refused: outcomes.length - done, byState, deliveries: outcomes });
  else if ('all' in which) {
    const states = Object.entries(byState).map(([state, n]) => `${n} now ${state}`).join(', ');
    io.stdout(`${done} of ${outcomes.length} ${name === 'replay' ? 'replayed' : 'retried'}${states ? ` (${states})` : ''}\n`);
  }
  // A replay that leaves a delivery invalid or unknown did not fix it: scripts see 1 (decision).
  const unresolved = outcomes.some((o) => o.done && (o.state === 'invalid' || o.state === 'unknown'));
  return outcomes.length === done && !unresolved ? EXIT.ok : EXIT.failure;
}

function limitOption(values: Values): number {
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new CommandLineError(`inbox list: --limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return limit;
}

async function list(values: Values, store: InboxStore, io: CliIo): Promise<number> {
  const filter = filterOptions('inbox list', values, new Date());
  const limit = limitOption(values);
  const page = await store.list({ ...filter, limit, ...(typeof values.cursor === 'string' && { cursor: values.cursor }) });
  if (values.json) {
    writeJson(io, { deliveries: page.records.map(summaryJson), ...(page.cursor !== undefined && { cursor: page.cursor }) });
    return EXIT.ok;
  }
  if (!page.records.length) {
    io.stdout('no deliveries match\n');
    return EXIT.ok;
  }
  const rows = page.records.map((r) => {
    const problem = r.lastError ?? (r.validation.ok ? '' : `${r.validation.code ?? 'invalid'}: ${(r.validation.errors ?? []).map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`);
    return [r.id, time(r.receivedAt), r.provider, r.eventType ?? '-', r.state, String(r.attempts), cut(problem.replace(/\s+/g, ' '), 80)];
  });
  io.stdout(table([['id', 'received', 'provider', 'event', 'state', 'attempts', 'error'], ...rows]));
  if (page.cursor !== undefined) io.stdout(`more: --cursor ${page.cursor}\n`);
  return EXIT.ok;
}

/** One delivery, headers and payload redacted as on the dashboard. */
function shown(record: InboxRecord) {
  const body = displayBody(new TextDecoder().decode(record.body));
  return {
    ...summaryJson(record),
    leaseUntil: record.leaseUntil && time(record.leaseUntil),
    workerId: record.workerId,
    request: `${record.method} ${record.url === null ? '' : redactUrl(record.url)}`.trim(),
    response: record.response,
    headers: redactHeaders(record.headers),
    body,
  };
}

async function show(args: ParsedArgs, store: InboxStore, io: CliIo): Promise<number> {
  const [, id, extra] = args.positionals;
  if (id === undefined || extra !== undefined) throw new CommandLineError('inbox show: give exactly one delivery id');
  const record = await store.get(id);
  if (!record) {
    io.stderr(`inbox show: no delivery ${id}\n`);
    return EXIT.failure;
  }
  const view = shown(record);
  if (args.values.json) {
    const { body, ...rest } = view;
    writeJson(io, { ...rest, ...(body.json ? { payload: JSON.parse(body.text) as unknown } : { body: body.text }), ...(body.truncated && { truncated: true }) });
    return EXIT.ok;
  }
  const lines = [
    ['id', view.id],
    ['provider', view.provider],
    ['event', view.eventType ?? '-'],
    ['state', view.state],
    ['attempts', String(view.attempts)],
    ['received', view.receivedAt],
    ['delivery id', view.deliveryId ?? '-'],
    ['idempotency key', view.idempotencyKey ?? '-'],
    ['request', view.request],
    ...(view.nextAttemptAt ? [['next attempt', view.nextAttemptAt]] : []),
    ...(view.handledAt ? [['handled', view.handledAt]] : []),
    ...(view.lastError ? [['last error', view.lastError]] : []),
    ...(view.response ? [['answered', `${view.response.status} ${cut(view.response.body, 200)}`]] : []),
  ];
  let out = table(lines);
  if (!view.validation.ok) {
    out += `\nvalidation: ${view.validation.code ?? 'invalid'}\n${(view.validation.errors ?? []).map((e) => `  ${e.path || '(root)'}: ${e.message}\n`).join('')}`;
  }
  out += `\nheaders (signatures and credentials redacted):\n${Object.entries(view.headers).map(([n, v]) => `  ${n}: ${v}\n`).join('')}`;
  out += `\n${view.body.json ? 'payload (secret-like fields redacted)' : 'body (not JSON)'}:\n${view.body.text}\n${view.body.truncated ? '(cut)\n' : ''}`;
  io.stdout(out);
  return EXIT.ok;
}

async function prune(values: Values, store: InboxStore, io: CliIo): Promise<number> {
  if (typeof values['older-than'] !== 'string') throw new CommandLineError('inbox prune: --older-than is required (e.g. 30d, or a date)');
  const before = parseWhen('inbox prune', 'older-than', values['older-than'], new Date());
  const states = parseStates('inbox prune', values);
  const removed = await store.prune(before, states);
  if (values.json) writeJson(io, { pruned: removed, before: before.toISOString(), states: states ?? ['handled', 'dead', 'sync'] });
  else io.stdout(`pruned ${removed} deliveries received before ${before.toISOString()} (${(states ?? ['handled', 'dead', 'sync']).join(', ')})\n`);
  return EXIT.ok;
}

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
  prune --older-than T  delete deliveries received before T (default --state handled,dead,sync)
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
    store: { type: 'string' },
    'database-url': { type: 'string' },
    table: { type: 'string' },
    provider: { type: 'string' },
    type: { type: 'string' },
    state: { type: 'string' },
    since: { type: 'string' },
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
