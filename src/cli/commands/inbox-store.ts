// Which inbox an `inbox` subcommand works on: `--database-url` (PostgreSQL), `--store` (an embedded
// PGlite directory), or $INSURANCE_WEBHOOKS_INBOX (either); and the filter options shared by
// list, replay, retry and prune.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROVIDERS, type Values } from '../args.js';
import { CommandLineError, type CliIo } from '../io.js';
import { INBOX_STATES, type InboxFilter, type InboxState, type InboxStore } from '../../inbox/types.js';
import type { Provider } from '../../core/event.js';

/** The environment variable naming the inbox: a `postgres://` URL or an embedded store's directory. */
export const INBOX_ENV = 'INSURANCE_WEBHOOKS_INBOX';

/** The options that name an inbox (`storeLocation`) and filter it by provider and age, for every command that reads one. */
export const INBOX_OPTIONS = {
  store: { type: 'string' },
  'database-url': { type: 'string' },
  table: { type: 'string' },
  provider: { type: 'string' },
  since: { type: 'string' },
} as const;

const isPostgresUrl = (text: string) => /^postgres(?:ql)?:\/\//i.test(text);

/** Where the store is, from the options or the environment; a CommandLineError when nowhere. */
export function storeLocation(command: string, values: Values, io: CliIo): { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string } {
  const url = typeof values['database-url'] === 'string' ? values['database-url'] : undefined;
  const dir = typeof values.store === 'string' ? values.store : undefined;
  if (url !== undefined && dir !== undefined) throw new CommandLineError(`${command}: give --store or --database-url, not both`);
  const named = url ?? dir ?? io.env[INBOX_ENV];
  if (!named) throw new CommandLineError(`${command}: --store DIR or --database-url URL is required (or set ${INBOX_ENV})`);
  if (url !== undefined && !isPostgresUrl(url)) throw new CommandLineError(`${command}: --database-url must be a postgres:// URL`);
  if (isPostgresUrl(named) && dir === undefined) return { kind: 'postgres', url: named };
  const path = resolve(io.cwd, named);
  // PGlite would create an empty database in a mistyped directory; a store it wrote has PG_VERSION.
  if (!existsSync(join(path, 'PG_VERSION'))) throw new CommandLineError(`${command}: no embedded inbox at ${path} (expected the directory given to pgliteInbox({ dataDir }))`);
  return { kind: 'pglite', dir: path };
}

/** A peer dependency the store needs is not installed: say which. */
function missingPeer(command: string, error: unknown, name: string): never {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
    throw new CommandLineError(`${command}: this store needs the optional dependency ${name}: npm install ${name}`);
  }
  throw error;
}

/**
 * Opens the inbox the options name (the peer dependency loaded only then), with its table made ready.
 * The caller closes it.
 *
 * @example
 * const store = await openStore('inbox list', values, io);
 * try { … } finally { await store.close(); }
 */
export async function openStore(command: string, values: Values, io: CliIo): Promise<InboxStore> {
  const location = storeLocation(command, values, io);
  const table = typeof values.table === 'string' ? { table: values.table } : {};
  let store: InboxStore & { ready(): Promise<void> };
  if (location.kind === 'postgres') {
    const { postgresInbox } = await import('../../inbox/postgres.js').catch((error: unknown) => missingPeer(command, error, 'pg'));
    store = postgresInbox({ connectionString: location.url, max: 4, ...table });
  } else {
    const { pgliteInbox } = await import('../../inbox/pglite.js').catch((error: unknown) => missingPeer(command, error, '@electric-sql/pglite'));
    store = pgliteInbox({ dataDir: location.dir, ...table });
  }
  try {
    await store.ready();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

/**
 * A date from `--since` / `--older-than`: ISO 8601 (`2026-01-31`, `2026-01-31T12:00Z`) or an age
 * before `now` (`90s`, `15m`, `24h`, `7d`).
 *
 * @example
 * parseWhen('inbox list', 'since', '24h', now); // now − 24 h
 */
export function parseWhen(command: string, option: string, text: string, now: Date): Date {
  const age = /^(\d{1,9})(s|m|h|d)$/.exec(text);
  if (age) return new Date(now.getTime() - Number(age[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[age[2] as 's' | 'm' | 'h' | 'd']);
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new CommandLineError(`${command}: --${option} must be an ISO 8601 date or an age like 30m, 24h, 7d (got "${text}")`);
  return date;
}

/** `--state a,b` (repeatable) as states; a CommandLineError naming the known ones otherwise. */
export function parseStates(command: string, values: Values): InboxState[] | undefined {
  const raw = values.state;
  if (typeof raw !== 'string') return undefined;
  const states = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const state of states) if (!INBOX_STATES.includes(state as InboxState)) throw new CommandLineError(`${command}: unknown state "${state}"; known: ${INBOX_STATES.join(', ')}`);
  return states as InboxState[];
}

/** The filter from `--provider`, `--type`, `--state`, `--since` (no paging). */
export function filterOptions(command: string, values: Values, now: Date, defaultStates?: InboxState[]): InboxFilter {
  const filter: InboxFilter = {};
  if (typeof values.provider === 'string') {
    if (!PROVIDERS.includes(values.provider as Provider)) throw new CommandLineError(`${command}: unknown provider "${values.provider}"; known: ${PROVIDERS.join(', ')}`);
    filter.provider = values.provider as Provider;
  }
  if (typeof values.type === 'string') filter.eventType = values.type;
  const states = parseStates(command, values) ?? defaultStates;
  if (states) filter.state = states;
  if (typeof values.since === 'string') filter.since = parseWhen(command, 'since', values.since, now);
  return filter;
}
