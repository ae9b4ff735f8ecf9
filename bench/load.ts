// npm run load [-- --duration 10 --connections 50 --slices 4 --warmup 1 | --short]
//
// The Node adapter under autocannon on loopback, idempotency on (memory store), beside a bare
// `http` server that only answers 200 — both measured in this same run, each in a child process
// of its own (bench/lib/server-process.ts) while autocannon drives them from this one. The
// duration is cut into slices run alternately (W B B W W B …), so that other load on the machine
// falls on both servers alike; figures pool all slices (latency measured per request here).
//
// The stream is a seeded mix of unique signed deliveries of every provider and event, duplicates
// of deliveries already acknowledged, tampered bodies — and, alongside on connections of their
// own, oversized bodies. Checks (exit 1 if any fails): no connection errors or timeouts; every
// answer is the one its kind calls for (200, 200 + x-idempotent-replay, 401, 413); every
// acknowledged delivery ran its handler exactly once, duplicates and tampered bodies never ran it;
// the handlers reported no failure.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  DeliverySource,
  EXPECTED_STATUS,
  exactlyOnce,
  KINDS,
  mb,
  oversizedVerdict,
  parseFlags,
  runMix,
  startServer,
  table,
  type Kind,
  type MixOutcome,
  type ServerHandle,
} from './lib/load-server.js';
import { percentile } from './lib/measure.js';

const flags = parseFlags(process.argv.slice(2), { duration: 'number', connections: 'number', slices: 'number', warmup: 'number', short: 'boolean' });
const short = flags.short === true;
const durationSeconds = (flags.duration as number | undefined) ?? (short ? 3 : 10);
const connections = Math.round((flags.connections as number | undefined) ?? (short ? 10 : 50));
const slices = Math.round((flags.slices as number | undefined) ?? (short ? 1 : 4));
const warmupSeconds = (flags.warmup as number | undefined) ?? (short ? 0 : 1);
const MAX_BODY_BYTES = 64 * 1024;
const WEIGHTS: Record<Kind, number> = { fresh: 65, duplicate: 25, tampered: 10 };
const OVERSIZED = { maxBodyBytes: MAX_BODY_BYTES, concurrency: 2 };
const secret = `whsec_load_${randomBytes(8).toString('hex')}`;

// Everything stops by itself; this only guards against a wedged child or socket.
const watchdog = setTimeout(
  () => {
    console.error('load: watchdog expired, giving up');
    process.exit(2);
  },
  (2 * (durationSeconds + warmupSeconds) * 2 + 60) * 1000,
);
watchdog.unref();

interface Tally {
  name: string;
  server: ServerHandle;
  check: boolean;
  source: DeliverySource;
  outcomes: MixOutcome[];
  problems: string[];
  runs: number;
  keys: number;
  maxRuns: number;
  refusals: Record<string, number>;
  failures: string[];
}

/** One slice against one server; for the webhooks server, the exactly-once check of that slice. */
async function slice(t: Tally, seconds: number, seed: number, record: boolean): Promise<void> {
  const outcome = await runMix({ port: t.server.port, connections, durationSeconds: seconds, source: t.source, weights: WEIGHTS, oversized: OVERSIZED, check: t.check, seed });
  if (t.check) {
    await new Promise((resolve) => setTimeout(resolve, 300)); // let in-flight handlers finish
    const stats = await t.server.stats(true);
    const runs = new Map(stats.runs);
    t.problems.push(...exactlyOnce(outcome, runs).map((p) => `${record ? '' : 'warm-up: '}${p}`));
    t.failures.push(...stats.failures);
    if (record) {
      for (const [code, count] of Object.entries(stats.refusals)) t.refusals[code] = (t.refusals[code] ?? 0) + count;
      t.keys += runs.size;
      for (const count of runs.values()) {
        t.runs += count;
        t.maxRuns = Math.max(t.maxRuns, count);
      }
    }
  }
  if (record) t.outcomes.push(outcome);
}

const sum = (outcomes: MixOutcome[], pick: (o: MixOutcome) => number) => outcomes.reduce((total, o) => total + pick(o), 0);

const servers: ServerHandle[] = [];
let failed = false;
try {
  const config = { secret, maxBodyBytes: MAX_BODY_BYTES, ttlSeconds: 3 * 86_400, maxEntries: 1_000_000 };
  const webhooksServer = await startServer({ ...config, mode: 'webhooks' });
  servers.push(webhooksServer);
  const bareServer = await startServer({ ...config, mode: 'bare' });
  servers.push(bareServer);
  const blank = { outcomes: [], problems: [], runs: 0, keys: 0, maxRuns: 0, refusals: {}, failures: [] };
  const webhooks: Tally = { name: 'nodeHandler + memory idempotency', server: webhooksServer, check: true, source: new DeliverySource(secret), ...structuredClone(blank) };
  const bare: Tally = { name: 'bare http (200 only)', server: bareServer, check: false, source: new DeliverySource(secret), ...structuredClone(blank) };

  const loadBefore = os.loadavg()[0]!;
  console.log(`load: ${connections} connections, ${durationSeconds} s per server in ${slices} alternating slice(s)${warmupSeconds ? `, after a ${warmupSeconds} s warm-up each` : ''}; 127.0.0.1; Node ${process.version}; ${os.cpus().length} CPUs, load average ${loadBefore.toFixed(2)}`);
  console.log(`autocannon mix (weights): ${KINDS.map((k) => `${k} ${WEIGHTS[k]}`).join(', ')}; alongside: ${OVERSIZED.concurrency} loops of oversized bodies (limit ${MAX_BODY_BYTES} B)\n`);

  if (warmupSeconds > 0) for (const t of [webhooks, bare]) await slice(t, warmupSeconds, 1, false);
  for (let i = 0; i < slices; i++) {
    const order = i % 2 === 0 ? [webhooks, bare] : [bare, webhooks];
    for (const t of order) await slice(t, durationSeconds / slices, 10 + i, true);
  }

  const rows = [webhooks, bare].map((t) => {
    const latencies = t.outcomes.flatMap((o) => o.latencies);
    const requests = sum(t.outcomes, (o) => o.result.requests.total);
    const seconds = sum(t.outcomes, (o) => o.result.duration);
    return [
      t.name,
      requests,
      Math.round(requests / seconds),
      percentile(latencies, 50).toFixed(1),
      percentile(latencies, 99).toFixed(1),
      Math.max(...latencies).toFixed(0),
      sum(t.outcomes, (o) => o.result.errors),
      sum(t.outcomes, (o) => o.result.timeouts),
      sum(t.outcomes, (o) => o.result.non2xx),
    ];
  });
  console.log(table(['server', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'timeouts', 'non-2xx'], rows));
  const ratio = (rows[0]![2] as number) / (rows[1]![2] as number);
  console.log(`\nwebhooks / bare throughput: ${(ratio * 100).toFixed(0)}% (load average now ${os.loadavg()[0]!.toFixed(2)})\n`);

  const w = webhooks.outcomes;
  const sent = (k: Kind) => sum(w, (o) => o.sent[k]);
  const answered = (k: Kind) => sum(w, (o) => o.answered[k]);
  const mismatches = w.flatMap((o) => o.mismatches);
  const mismatchCount = sum(w, (o) => o.mismatchCount);
  const big = { sent: sum(w, (o) => o.oversized!.sent), answers: {} as Record<string, number>, resets: w.flatMap((o) => o.oversized!.resets) };
  for (const o of w) for (const [status, count] of Object.entries(o.oversized!.answers)) big.answers[status] = (big.answers[status] ?? 0) + count;
  const bigAnswers = Object.entries(big.answers).map(([status, count]) => `${status}×${count}`).join(' ');
  const bigVerdict = oversizedVerdict({ ...big, key: '' });
  console.log(
    table(['kind', 'sent', 'answered', 'expected', 'answers'], [
      ...KINDS.map((k) => [k, sent(k), answered(k), k === 'duplicate' ? '200 + replay' : EXPECTED_STATUS[k], `${answered(k) - mismatches.filter((m) => m.kind === k).length} as expected`]),
      ['oversized (own connections)', big.sent, big.sent - (big.answers.reset ?? 0), 413, bigAnswers],
    ]),
  );
  const acknowledged = sum(w, (o) => [...o.firstAnswer.values()].filter((s) => s === 200).length);
  const unanswered = sum(w, (o) => o.unanswered.size);
  console.log(`\nhandler runs: ${webhooks.runs} for ${webhooks.keys} keys; fresh deliveries acknowledged: ${acknowledged}; unanswered (in flight when a slice ended): ${unanswered}`);
  console.log(`refusals reported to onError: ${JSON.stringify(webhooks.refusals)}; signer starved: ${sum(w, (o) => o.starved)}\n`);

  const errors = sum(w, (o) => o.result.errors);
  const timeouts = sum(w, (o) => o.result.timeouts);
  const bareErrors = sum(bare.outcomes, (o) => o.result.errors + o.result.timeouts);
  const checks: [string, boolean, string][] = [
    ['no connection errors (webhooks)', errors === 0, `${errors}`],
    ['no timeouts (webhooks)', timeouts === 0, `${timeouts}`],
    ['no connection errors or timeouts (bare)', bareErrors === 0, `${bareErrors}`],
    ['every answer matched its kind (200 / 200+replay / 401)', mismatchCount === 0, mismatches.map((m) => `${m.kind} ${m.key} → ${m.status}: ${m.detail}`).join('\n      ') || '0 mismatches'],
    ['every kind was sent and answered', KINDS.every((k) => answered(k) > 0) && big.sent > 0, `${KINDS.map((k) => `${k} ${answered(k)}`).join(', ')}, oversized ${big.sent}`],
    ['no oversized request acknowledged: each answered 413 (or dropped, see WARN)', bigVerdict !== 'fail', bigAnswers],
    ['each acknowledged delivery handled exactly once; duplicates and tampered never ran', webhooks.problems.length === 0, webhooks.problems.slice(0, 20).join('\n      ') || `${webhooks.keys} keys, max runs ${webhooks.maxRuns}`],
    ['tampered bodies refused as signature_invalid', (webhooks.refusals.signature_invalid ?? 0) >= answered('tampered'), `${webhooks.refusals.signature_invalid ?? 0} ≥ ${answered('tampered')}`],
    ['no handler or store failure reported', webhooks.failures.length === 0, webhooks.failures.slice(0, 3).join('\n') || '0'],
  ];
  for (const [name, ok, detail] of checks) {
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}  (${detail})`);
    if (!ok) failed = true;
  }
  if (bigVerdict === 'warn') {
    console.log(`WARN  ${big.answers.reset} oversized request(s) got no 413: the adapter closed the connection while the client was still sending ${JSON.stringify(big.resets)}`);
  }
  const memory = await webhooksServer.memory();
  console.log(`\nwebhooks server after the run: heapUsed ${mb(memory.heapUsed)} MB, rss ${mb(memory.rss)} MB, idempotency entries ${memory.storeSize}`);
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  for (const server of servers) await server.stop();
}
console.log(failed ? '\nload: FAILED' : '\nload: all checks passed');
process.exit(failed ? 1 : 0);
