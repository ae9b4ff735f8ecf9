// Part 8: how long the provider waits for its 2xx, capture first (`createWebhooks({ inbox })`: one
// committed INSERT, the handler runs after the answer) beside handling in the request (the
// handler's downstream call is in the answer's latency), on the embedded store and on PostgreSQL
// (a throwaway Debian cluster on loopback, row skipped when the package is missing).
// `webhooks.handle()` directly, no HTTP, one delivery at a time. Variants interleaved round by round
// (A B C D A B C D …) so that other load on the machine falls on all alike; each round's median per
// delivery; a row's ratio is the median of the per-round ratios (min–max beside it). The downstream
// is a sleep of `handlerMs`. Runs the source through tsx, not dist/: the stores' peer dependencies
// resolve from the repository, and at milliseconds per answer the build makes no difference.
import { performance } from 'node:perf_hooks';
import { createWebhooks, type Webhooks } from '../../src/index.js';
import { pgliteInbox } from '../../src/inbox/pglite.js';
import { postgresInbox } from '../../src/inbox/postgres.js';
import { createDelivery } from '../../src/testing/delivery.js';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import { median } from '../lib/measure.js';
import type { Result } from '../lib/table.js';

const SECRET = 'whsec_inbox_bench';

export interface InboxOptions {
  /** Measured rounds (one more warms up first). */
  rounds: number;
  /** Deliveries per variant and round. */
  perRound: number;
  /** The handler's downstream call, ms. */
  handlerMs: number;
  /** Progress and skipped rows, to stderr. */
  progress?: (text: string) => void;
}

/** Per variant, each round's median 2xx latency in ms. */
async function measure(variants: [string, Webhooks][], { rounds, perRound }: InboxOptions): Promise<Map<string, number[]>> {
  const medians = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < rounds + 1; round++) {
    for (const [name, webhooks] of variants) {
      // Fresh identity (the default): every delivery is a new event, none answered as a duplicate.
      const inputs = await Promise.all(Array.from({ length: perRound }, () => createDelivery('kasko', 'policy.created', { secret: SECRET })));
      const times: number[] = [];
      for (const { body, headers } of inputs) {
        const t = performance.now();
        const response = await webhooks.handle('kasko', { body, headers });
        times.push(performance.now() - t);
        if (response.status >= 300) throw new Error(`${name}: answered ${response.status}`);
      }
      if (round > 0) medians.get(name)!.push(median(times)); // round 0 warms up
    }
  }
  return medians;
}

/** Rows comparing each capture-first variant with handling in the request (with and without the downstream call). */
export async function inboxLatency(options: InboxOptions): Promise<Result[]> {
  const { handlerMs } = options;
  const downstream = () => new Promise((resolve) => setTimeout(resolve, handlerMs));
  let server: PostgresServer | undefined;
  try {
    server = await startPostgres();
  } catch (error) {
    options.progress?.(`part 8: PostgreSQL row skipped: ${(error as Error).message.split('\n')[0]} (apt-get install -y postgresql)`);
  }
  const base = { providers: { kasko: { secret: SECRET } }, logger: false as const };
  const embedded = pgliteInbox();
  await embedded.ready();
  const slow = `in the request, handler ${handlerMs} ms`;
  const empty = 'in the request, handler 0 ms';
  const variants: [string, Webhooks][] = [
    [slow, createWebhooks(base).on('kasko', 'policy.created', downstream)],
    [empty, createWebhooks(base).on('kasko', 'policy.created', () => {})],
    // worker: false: the answer's latency alone, no handler competing for the event loop.
    ['capture first, embedded (PGlite)', createWebhooks({ ...base, inbox: { store: embedded, worker: false } }).on('kasko', 'policy.created', downstream)],
  ];
  try {
    if (server) {
      const store = postgresInbox({ connectionString: server.url, max: 2 });
      await store.ready();
      variants.push(['capture first, PostgreSQL', createWebhooks({ ...base, inbox: { store, worker: false } }).on('kasko', 'policy.created', downstream)]);
    }
    const medians = await measure(variants, options);
    const results: Result[] = [];
    for (const [name] of variants.slice(2)) {
      for (const baseline of [slow, empty]) {
        const ratios = medians.get(name)!.map((ms, round) => ms / medians.get(baseline)![round]!);
        results.push({
          part: 8,
          what: `kasko policy.created 2xx latency: ${name} vs ${baseline}`,
          kind: 'latency',
          measured: median(medians.get(name)!),
          baseline: median(medians.get(baseline)!),
          ratio: median(ratios),
          spread: [Math.min(...ratios), Math.max(...ratios)],
        });
      }
    }
    return results;
  } finally {
    for (const [, webhooks] of variants) await webhooks.close();
    await server?.stop();
  }
}
