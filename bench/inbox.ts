// npx tsx bench/inbox.ts [--rounds 7 --per-round 40 --handler-ms 25]
//
// How long the provider waits for its 2xx: handling in the request (the handler's downstream call
// is in the answer's latency) beside capture first (`createWebhooks({ inbox })`: one committed
// INSERT, the handler runs after the answer), on the embedded store and on PostgreSQL (a throwaway
// Debian cluster on loopback, skipped when the package is missing). `webhooks.handle()` directly,
// no HTTP, one delivery at a time. Variants interleaved round by round (A B C D A B C D …) so that
// other load on the machine falls on all alike; each round's median per delivery, then the
// min–median–max of those over the rounds. The downstream is a sleep of --handler-ms (default 25).
import { performance } from 'node:perf_hooks';
import { createWebhooks, examples, sign, type Webhooks } from '../src/index.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import { postgresInbox } from '../src/inbox/postgres.js';
import { startPostgres, type PostgresServer } from '../test/helpers/postgres.js';

const SECRET = 'whsec_inbox_bench';
const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = flag('rounds', 7);
const perRound = flag('per-round', 40);
const handlerMs = flag('handler-ms', 25);
const downstream = () => new Promise((resolve) => setTimeout(resolve, handlerMs));

let serial = 0;
async function fresh() {
  const body = JSON.stringify({ ...examples.kasko['policy.created'], policy_id: `bench-${process.pid}-${serial++}` });
  return { body, headers: await sign('kasko', { type: 'policy.created', body }, SECRET) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  let server: PostgresServer | undefined;
  try {
    server = await startPostgres();
  } catch (error) {
    console.warn(`PostgreSQL row skipped: ${(error as Error).message.split('\n')[0]} (apt-get install -y postgresql)`);
  }
  const base = { providers: { kasko: { secret: SECRET } }, logger: false as const };
  const embedded = pgliteInbox();
  await embedded.ready();
  const variants: [string, Webhooks][] = [
    [`in the request, handler ${handlerMs} ms`, createWebhooks(base).on('kasko', 'policy.created', downstream)],
    ['in the request, handler 0 ms', createWebhooks(base).on('kasko', 'policy.created', () => {})],
    // worker: false: the answer's latency alone, no handler competing for the event loop.
    ['capture first, embedded (PGlite)', createWebhooks({ ...base, inbox: { store: embedded, worker: false } }).on('kasko', 'policy.created', downstream)],
  ];
  if (server) {
    const store = postgresInbox({ connectionString: server.url, max: 2 });
    await store.ready();
    variants.push(['capture first, PostgreSQL', createWebhooks({ ...base, inbox: { store, worker: false } }).on('kasko', 'policy.created', downstream)]);
  }
  const medians = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < rounds + 1; round++) {
    for (const [name, webhooks] of variants) {
      const inputs = await Promise.all(Array.from({ length: perRound }, fresh));
      const times: number[] = [];
      for (const input of inputs) {
        const t = performance.now();
        const response = await webhooks.handle('kasko', input);
        times.push(performance.now() - t);
        if (response.status >= 300) throw new Error(`${name}: answered ${response.status}`);
      }
      if (round > 0) medians.get(name)!.push(median(times)); // round 0 warms up
    }
  }
  console.log(`\n2xx latency per delivery, ms (median of ${perRound} per round; min / median / max over ${rounds} rounds)\n`);
  console.log(['variant'.padEnd(40), 'min'.padStart(8), 'median'.padStart(8), 'max'.padStart(8)].join(' '));
  for (const [name, values] of medians) {
    console.log([name.padEnd(40), ...[Math.min(...values), median(values), Math.max(...values)].map((v) => v.toFixed(2).padStart(8))].join(' '));
  }
  for (const [, webhooks] of variants) await webhooks.close();
  await server?.stop();
}

await main();
