// npm run soak [-- --rounds 6 --duration 10 --connections 20 --ttl 2 | --short]
//
// Repeated load rounds against the Node adapter with idempotency on (memory store, short TTL), the
// server in a child process started with --expose-gc. After each round: exactly-once checks as in
// `npm run load`; the largest idempotency-store size seen during the round; then an idle pause
// longer than the TTL, one probe delivery (a claim sweeps expired entries) plus a re-send of a
// delivery acknowledged before the pause (its id has expired, so it must run again, not replay);
// then a forced GC (twice) and heapUsed / RSS.
//
// Verdict (exit 1 if any fails):
// - heap: heapUsed after GC never exceeds the first round's by more than HEAP_BOUND_MB, and the
//   last round is within HEAP_BOUND_MB of the first;
// - RSS: the last round is within RSS_BOUND_MB of the first;
// - store: during a round it never holds more than 1.5 × (deliveries acknowledged per second) ×
//   (TTL + 0.5 s) + connections entries, and after the idle pause it holds only the probes;
// - every round passes the load checks (no errors, every answer as expected, exactly once).
import { randomBytes } from 'node:crypto';
import { DeliverySource, exactlyOnce, mb, oversizedVerdict, parseFlags, runMix, startServer, table, type Delivery, type Kind, type ServerHandle } from './lib/load-server.js';

const flags = parseFlags(process.argv.slice(2), { rounds: 'number', duration: 'number', connections: 'number', ttl: 'number', short: 'boolean' });
const short = flags.short === true;
const rounds = Math.round((flags.rounds as number | undefined) ?? (short ? 3 : 6));
const durationSeconds = (flags.duration as number | undefined) ?? (short ? 3 : 10);
const connections = Math.round((flags.connections as number | undefined) ?? (short ? 10 : 20));
const ttlSeconds = (flags.ttl as number | undefined) ?? 2;
const HEAP_BOUND_MB = 8;
const RSS_BOUND_MB = 48;
const MAX_BODY_BYTES = 64 * 1024;
const WEIGHTS: Record<Kind, number> = { fresh: 65, duplicate: 25, tampered: 10 };
const secret = `whsec_soak_${randomBytes(8).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const perRoundSeconds = durationSeconds + ttlSeconds + 2;
const watchdog = setTimeout(
  () => {
    console.error('soak: watchdog expired, giving up');
    process.exit(2);
  },
  (rounds * perRoundSeconds * 2 + 60) * 1000,
);
watchdog.unref();

/** One request outside autocannon: status and whether it was a replay. */
async function send(port: number, delivery: Delivery): Promise<{ status: number; replay: boolean }> {
  const response = await fetch(`http://127.0.0.1:${port}${delivery.path}`, { method: 'POST', headers: delivery.headers, body: delivery.body, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return { status: response.status, replay: response.headers.get('x-idempotent-replay') === 'true' };
}

interface Row {
  round: number;
  /** Oversized requests answered 413 / sent. */
  oversized: string;
  requests: number;
  rps: number;
  p99: number;
  errors: number;
  acknowledged: number;
  maxStore: number;
  storeBound: number;
  storeAfterIdle: number;
  heapUsed: number;
  rss: number;
}

let server: ServerHandle | undefined;
let failed = false;
const problems: string[] = [];
const warnings: string[] = [];
const rows: Row[] = [];
try {
  server = await startServer({ mode: 'webhooks', secret, maxBodyBytes: MAX_BODY_BYTES, ttlSeconds, maxEntries: 1_000_000 }, { exposeGc: true });
  const probes = new DeliverySource(secret, 16);
  await probes.fill(rounds * 2 + 2);
  console.log(`soak: ${rounds} rounds × ${durationSeconds} s, ${connections} connections, idempotency TTL ${ttlSeconds} s, Node ${process.version}`);
  const baseline = await server.memory();
  if (!baseline.gc) throw new Error('the server child has no global gc(): --expose-gc did not reach it');
  console.log(`server before load (after GC): heapUsed ${mb(baseline.heapUsed)} MB, rss ${mb(baseline.rss)} MB\n`);

  let cumulative = 0;
  for (let round = 1; round <= rounds; round++) {
    const outcome = await runMix({
      port: server.port,
      connections,
      durationSeconds,
      source: new DeliverySource(secret),
      weights: WEIGHTS,
      oversized: { maxBodyBytes: MAX_BODY_BYTES, concurrency: 1 },
      check: true,
      duplicateMaxAgeMs: (ttlSeconds * 1000) / 2,
      seed: round,
    });
    await sleep(300);
    const stats = await server.stats(true);
    const fail = (text: string) => problems.push(`round ${round}: ${text}`);
    for (const p of exactlyOnce(outcome, new Map(stats.runs))) fail(p);
    const { result } = outcome;
    if (result.errors || result.timeouts) fail(`${result.errors} errors, ${result.timeouts} timeouts`);
    if (outcome.mismatchCount) fail(`${outcome.mismatchCount} answers not as expected, e.g. ${JSON.stringify(outcome.mismatches[0])}`);
    const big = outcome.oversized!;
    const bigVerdict = oversizedVerdict(big);
    if (bigVerdict === 'fail') fail(`oversized answers ${JSON.stringify(big.answers)}`);
    if (bigVerdict === 'warn') warnings.push(`round ${round}: ${big.answers.reset} of ${big.sent} oversized requests got no 413 (connection dropped first): ${JSON.stringify(big.resets)}`);
    if (stats.failures.length) fail(`handler/store failures: ${stats.failures[0]}`);

    const acknowledged = [...outcome.firstAnswer.values()].filter((s) => s === 200).length;
    cumulative += acknowledged;
    const storeBound = Math.ceil(1.5 * (acknowledged / durationSeconds) * (ttlSeconds + 0.5) + connections);
    if (stats.maxStoreSize > storeBound) fail(`idempotency store reached ${stats.maxStoreSize} entries (bound ${storeBound})`);

    // Idle past the TTL, then one new delivery (its claim sweeps what expired) and one old one again.
    const old = outcome.firstAcknowledged;
    await sleep(ttlSeconds * 1000 + 500);
    const probe = probes.take()!;
    const probeAnswer = await send(server.port, probe);
    if (probeAnswer.status !== 200 || probeAnswer.replay) fail(`probe delivery answered ${probeAnswer.status}${probeAnswer.replay ? ' (replay)' : ''}`);
    const again = old && (await send(server.port, old));
    if (again && (again.status !== 200 || again.replay)) fail(`a delivery re-sent after its TTL answered ${again.status}${again.replay ? ' as a replay' : ''} (expected a fresh 200)`);
    const probeStats = await server.stats(true);
    const probeRuns = new Map(probeStats.runs);
    if (probeRuns.get(probe.key) !== 1) fail(`probe ran ${probeRuns.get(probe.key) ?? 0} times`);
    if (!old) fail('no delivery was acknowledged');
    else if (probeRuns.get(old.key) !== 1) fail(`the expired delivery re-sent ran ${probeRuns.get(old.key) ?? 0} times (expected once more)`);

    const memory = await server.memory();
    if (memory.storeSize > 2) fail(`after the idle pause the store still holds ${memory.storeSize} entries (expected only the probes)`);
    rows.push({
      round,
      oversized: `${big.answers['413'] ?? 0}/${big.sent}`,
      requests: result.requests.total,
      rps: Math.round(result.requests.average),
      p99: result.latency.p99,
      errors: result.errors,
      acknowledged,
      maxStore: stats.maxStoreSize,
      storeBound,
      storeAfterIdle: memory.storeSize,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
    });
    const row = rows.at(-1)!;
    console.log(
      `round ${round}/${rounds}: ${row.requests} requests, ${row.rps} req/s, p99 ${row.p99} ms, store max ${row.maxStore} (bound ${row.storeBound}) → ${row.storeAfterIdle} after idle, heapUsed ${mb(row.heapUsed)} MB, rss ${mb(row.rss)} MB`,
    );
  }

  console.log('');
  console.log(
    table(
      ['round', 'requests', 'req/s', 'p99 ms', 'errors', 'acknowledged', '413/oversized', 'store max', 'store bound', 'store after idle', 'heapUsed MB', 'rss MB'],
      rows.map((r) => [r.round, r.requests, r.rps, r.p99, r.errors, r.acknowledged, r.oversized, r.maxStore, r.storeBound, r.storeAfterIdle, mb(r.heapUsed), mb(r.rss)]),
    ),
  );
  const first = rows[0]!;
  const last = rows.at(-1)!;
  const heapPeak = Math.max(...rows.map((r) => r.heapUsed));
  const heapGrowth = (last.heapUsed - first.heapUsed) / 1024 / 1024;
  const heapPeakGrowth = (heapPeak - first.heapUsed) / 1024 / 1024;
  const rssGrowth = (last.rss - first.rss) / 1024 / 1024;
  const total = rows.reduce((sum, r) => sum + r.requests, 0);
  console.log(`\n${total} requests in ${rounds} rounds; ${cumulative} deliveries acknowledged in all (what the store would hold without TTL eviction)`);
  const verdicts: [string, boolean, string][] = [
    [`heapUsed after GC: last − round 1 ≤ ${HEAP_BOUND_MB} MB`, heapGrowth <= HEAP_BOUND_MB, `${heapGrowth.toFixed(2)} MB`],
    [`heapUsed after GC: peak − round 1 ≤ ${HEAP_BOUND_MB} MB`, heapPeakGrowth <= HEAP_BOUND_MB, `${heapPeakGrowth.toFixed(2)} MB`],
    [`rss: last − round 1 ≤ ${RSS_BOUND_MB} MB`, rssGrowth <= RSS_BOUND_MB, `${rssGrowth.toFixed(1)} MB`],
    ['idempotency store bounded by the TTL (during rounds and after idle)', !problems.some((p) => p.includes('store')), `max ${Math.max(...rows.map((r) => r.maxStore))} entries vs ${cumulative} acknowledged`],
    ['every round: no errors, every answer as expected, exactly once, TTL expiry re-runs', problems.length === 0, problems.slice(0, 10).join('\n      ') || `${rounds} rounds clean`],
  ];
  for (const [name, ok, detail] of verdicts) {
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}  (${detail})`);
    if (!ok) failed = true;
  }
  for (const warning of warnings) console.log(`WARN  ${warning}`);
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  await server?.stop();
}
console.log(failed ? '\nsoak: FAILED' : '\nsoak: no growth beyond the bounds');
process.exit(failed ? 1 : 0);

