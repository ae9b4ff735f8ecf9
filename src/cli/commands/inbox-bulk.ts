// `inbox replay`, `inbox retry` (ids, or --all with filters, with a progress bar) and `inbox prune`.
import { writeJson } from '../command.js';
import { EXIT, CommandLineError, type CliIo } from '../io.js';
import type { ParsedArgs, Values } from '../args.js';
import { INBOX_STATES, type InboxFilter, type InboxState, type InboxStore } from '../../inbox/types.js';
import { replayDelivery } from '../../inbox/replay.js';
import { PRUNED_BY_DEFAULT } from '../../inbox/sql.js';
import { filterOptions, parseStates, parseWhen } from './inbox-store.js';
import { progressBar } from './inbox-progress.js';

/** Deliveries read per page while a bulk replay or retry walks the inbox. */
const BULK_PAGE = 200;
/** What `replay --all` and `retry --all` act on without `--state` (decision: the states each is for). */
const BULK_DEFAULT_STATES: Record<'replay' | 'retry', InboxState[]> = { replay: ['invalid', 'unknown'], retry: ['dead', 'retrying'] };

/** Which deliveries a subcommand names: the ids given, or `--all` with the filters. */
export function selection(name: 'replay' | 'retry', args: ParsedArgs): { ids: string[] } | { all: true } {
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

export async function bulk(name: 'replay' | 'retry', args: ParsedArgs, store: InboxStore, io: CliIo): Promise<number> {
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

/** States a delivery is still on its way to being handled in (decision: `inbox prune` refuses them). */
const UNFINISHED: readonly InboxState[] = ['pending', 'processing', 'retrying'];

export async function prune(values: Values, store: InboxStore, io: CliIo): Promise<number> {
  if (typeof values['older-than'] !== 'string') throw new CommandLineError('inbox prune: --older-than is required (e.g. 30d, or a date)');
  const before = parseWhen('inbox prune', 'older-than', values['older-than'], new Date());
  const states = parseStates('inbox prune', values);
  // Deliveries not yet done are never pruned from the command line: a typo must not lose them.
  const unfinished = states?.filter((state) => UNFINISHED.includes(state)) ?? [];
  if (unfinished.length) throw new CommandLineError(`inbox prune: ${unfinished.join(', ')} deliveries are not done (a worker will run them); prune handled, dead, sync, invalid or unknown ones`);
  const removed = await store.prune(before, states);
  if (values.json) writeJson(io, { pruned: removed, before: before.toISOString(), states: states ?? PRUNED_BY_DEFAULT });
  else io.stdout(`pruned ${removed} deliveries received before ${before.toISOString()} (${(states ?? PRUNED_BY_DEFAULT).join(', ')})\n`);
  return EXIT.ok;
}
