// Evidence for the durable inbox (docs/robustness.md, "The inbox"): each run counts by its own
// ledger, never by the inbox's say-so.
//
//   npx tsx bench/inbox-robustness.ts crash  [--deliveries 200]   worker SIGKILLed mid-handler (PostgreSQL); embedded receiver SIGKILLed
//   npx tsx bench/inbox-robustness.ts outage [--deliveries 200]   handlers fail, then recover (embedded and PostgreSQL)
//   npx tsx bench/inbox-robustness.ts scale  [--deliveries 2000]  2 receivers + 2 workers on PostgreSQL; 1 process embedded
//
// PostgreSQL is the Debian package (a throwaway cluster on a free loopback port, test/helpers/postgres.ts).
// Exit 1 when a check fails. test/inbox-robustness.test.ts runs crash and outage with small numbers.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createWebhooks } from '../src/index.js';
import { createDelivery } from '../src/testing/delivery.js';
import { percentile } from './lib/measure.js';
import { nodeHandler } from '../src/adapters/node.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import { postgresInbox } from '../src/inbox/postgres.js';
import type { InboxStore } from '../src/inbox/types.js';
import { startPostgres } from '../test/helpers/postgres.js';
import type { ProcessConfig } from './inbox-process.js';

const CHILD = fileURLToPath(new URL('./inbox-process.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const SECRET = 'whsec_inbox_robustness';

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

/** `n` distinct signed KASKO policy.created deliveries (distinct bodies, so distinct idempotency keys). */
export async function deliveries(n: number, tag = 'r'): Promise<SignedDelivery[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { body, headers } = await createDelivery('kasko', 'policy.created', { secret: SECRET, overrides: { policy_id: `${tag}-${i}` } });
      return { body, headers };
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms`);
    await sleep(50);
  }
}

/** The ledger tables beside an inbox table: handler runs (start, end) and effects (one per key). */
async function createLedger(pool: pg.Pool, table: string): Promise<void> {
  await pool.query(`CREATE TABLE ${table}_runs (id serial PRIMARY KEY, key text NOT NULL, worker text NOT NULL, attempt int NOT NULL, started_at timestamptz NOT NULL DEFAULT clock_timestamp(), finished_at timestamptz)`);
  await pool.query(`CREATE TABLE ${table}_effects (key text PRIMARY KEY)`);
}

interface Run {
  key: string;
  worker: string;
  started_at: Date;
  finished_at: Date | null;
}

/**
 * What the ledger says. `overlaps`: runs of one delivery whose times intersect (a run that never
 * finished ends when its worker was killed, `killedAt`). `finishedTwice`: deliveries whose handler
 * ran to its end more than once (at-least-once); `effects`: distinct keys with an effect.
 */
async function audit(pool: pg.Pool, table: string, killedAt: Map<string, Date> = new Map()) {
  const runs = (await pool.query<Run>(`SELECT key, worker, started_at, finished_at FROM ${table}_runs ORDER BY key, started_at`)).rows;
  const byKey = new Map<string, Run[]>();
  for (const run of runs) byKey.set(run.key, [...(byKey.get(run.key) ?? []), run]);
  let overlaps = 0;
  let finishedTwice = 0;
  let unfinished = 0;
  for (const list of byKey.values()) {
    let end = 0;
    for (const run of list) {
      const stop = run.finished_at ?? killedAt.get(run.worker) ?? new Date(8.64e15);
      if (!run.finished_at) unfinished++;
      if (run.started_at.getTime() < end) overlaps++;
      end = Math.max(end, stop.getTime());
    }
    if (list.filter((run) => run.finished_at).length > 1) finishedTwice++;
  }
  const effects = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}_effects`)).rows[0]!.n);
  return { runs: runs.length, keys: byKey.size, overlaps, finishedTwice, unfinished, effects };
}

interface Child {
  process: ChildProcess;
  port?: number;
  exited: Promise<void>;
}

async function spawnProcess(config: ProcessConfig): Promise<Child> {
  const child = fork(CHILD, [], { execArgv: ['--import', TSX], env: { ...process.env, INBOX_PROCESS: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ port?: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { port?: number }));
    child.once('exit', (code) => reject(new Error(`${config.role} ${config.workerId} exited (${code}) before it was ready`)));
  });
  return { process: child, exited, ...(ready.port !== undefined ? { port: ready.port } : {}) };
}

async function stopProcess(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
  await child.exited;
}

export interface CrashResult {
  deliveries: number;
  handled: number;
  lost: number;
  overlaps: number;
  effects: number;
  /** Runs the killed worker had in flight when it was killed (each was then run again elsewhere). */
  killedInFlight: number;
  finishedTwice: number;
  runs: number;
  seconds: number;
}

/**
 * N deliveries captured; two worker processes; one is SIGKILLed while its handlers run; a new one
 * starts. Every delivery must end handled, none lost, no two runs of one delivery at once.
 */
export async function crashTest(options: { url: string; deliveries: number; handlerMs?: number; leaseMs?: number }): Promise<CrashResult> {
  const started = Date.now();
  const table = `crash_${process.pid}_${Date.now() % 1e6}`;
  const pool = new pg.Pool({ connectionString: options.url, max: 2 });
  const store = postgresInbox({ connectionString: options.url, table, max: 4 });
  await store.ready();
  await createLedger(pool, table);
  // Captured through the router (worker: false): the receiver's side of the story.
  const receiver = createWebhooks({ providers: { kasko: { secret: SECRET } }, logger: false, inbox: { store, worker: false } });
  for (const d of await deliveries(options.deliveries, table)) {
    const response = await receiver.handle('kasko', { body: d.body, headers: d.headers });
    if (response.status !== 202) throw new Error(`capture answered ${response.status}`);
  }
  const base = { role: 'worker' as const, url: options.url, table, secret: SECRET, handlerMs: options.handlerMs ?? 100, leaseMs: options.leaseMs ?? 1500, concurrency: 4 };
  const workers = [await spawnProcess({ ...base, workerId: 'w1' }), await spawnProcess({ ...base, workerId: 'w2' })];
  const killedAt = new Map<string, Date>();
  // Kill w1 once it has handlers in flight (a run started, not finished).
  await until(async () => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}_runs WHERE worker = 'w1' AND finished_at IS NULL`)).rows[0]!.n) > 0, 60_000, 'w1 running a handler');
  workers[0]!.process.kill('SIGKILL');
  await workers[0]!.exited;
  killedAt.set('w1', (await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now);
  const killedInFlight = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}_runs WHERE worker = 'w1' AND finished_at IS NULL`)).rows[0]!.n);
  workers.push(await spawnProcess({ ...base, workerId: 'w3' }));
  await until(async () => (await store.counts()).handled === options.deliveries, 120_000, 'every delivery handled');
  await Promise.all(workers.slice(1).map(stopProcess));
  const counts = await store.counts();
  const ledger = await audit(pool, table, killedAt);
  await receiver.close();
  await pool.end();
  return {
    deliveries: options.deliveries,
    handled: counts.handled,
    lost: options.deliveries - ledger.effects,
    overlaps: ledger.overlaps,
    effects: ledger.effects,
    killedInFlight,
    finishedTwice: ledger.finishedTwice,
    runs: ledger.runs,
    seconds: (Date.now() - started) / 1000,
  };
}

export interface OutageResult {
  store: string;
  deliveries: number;
  statuses: Record<string, number>;
  handled: number;
  dead: number;
  lost: number;
  /** Handler runs that failed (the outage), and the highest attempt number a handler was given. */
  failedRuns: number;
  maxAttempt: number;
  seconds: number;
}

/**
 * Over HTTP on loopback, one process: handlers fail for `outageMs` (the downstream is down), then
 * succeed. Every delivery must end handled or dead (none lost), and the provider must see only 2xx.
 */
export async function outageTest(options: { store: InboxStore; name: string; deliveries: number; outageMs: number; maxAttempts?: number }): Promise<OutageResult> {
  // The store ready first (PGlite takes seconds to start): the outage is measured from the first delivery.
  await options.store.counts();
  const started = Date.now();
  const downUntil = Date.now() + options.outageMs;
  const effects = new Set<string>();
  let maxAttempt = 0;
  let failedRuns = 0;
  const webhooks = createWebhooks({
    providers: { kasko: { secret: SECRET } },
    logger: false,
    inbox: { store: options.store, retry: { baseMs: 50, maxMs: 500, maxAttempts: options.maxAttempts ?? 12 }, worker: { concurrency: 8, pollMs: 25 } },
  }).on('kasko', 'policy.created', (_event, delivery) => {
    maxAttempt = Math.max(maxAttempt, delivery!.attempt);
    if (Date.now() < downUntil) {
      failedRuns++;
      throw new Error('policy administration system unavailable');
    }
    effects.add(delivery!.idempotencyKey);
  });
  const server = http.createServer(nodeHandler(webhooks, 'kasko'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const statuses: Record<string, number> = {};
  const all = await deliveries(options.deliveries, `outage-${options.name}`);
  for (let i = 0; i < all.length; i += 10) {
    await Promise.all(
      all.slice(i, i + 10).map(async (d) => {
        const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: d.headers, body: d.body });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }),
    );
  }
  await until(async () => {
    const counts = await options.store.counts();
    return counts.handled + counts.dead === options.deliveries;
  }, 120_000, 'every delivery handled or dead');
  const counts = await options.store.counts();
  await new Promise((resolve) => server.close(resolve));
  await webhooks.close();
  return {
    store: options.name,
    deliveries: options.deliveries,
    statuses,
    handled: counts.handled,
    dead: counts.dead,
    lost: options.deliveries - counts.handled - counts.dead,
    failedRuns,
    maxAttempt,
    seconds: (Date.now() - started) / 1000,
  };
}

export interface ScaleResult {
  setup: string;
  deliveries: number;
  duplicatesSent: number;
  statuses: Record<string, number>;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  handled: number;
  lost: number;
  handledTwice: number;
  drainSeconds: number;
}

/** Sends every delivery (and a duplicate of every tenth) with `concurrency` in flight, round robin over `ports`. */
async function load(ports: number[], all: SignedDelivery[], concurrency: number) {
  const queue = [...all, ...all.filter((_, i) => i % 10 === 0)];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < queue.length; i = next++) {
        const d = queue[i]!;
        const t = performance.now();
        const response = await fetch(`http://127.0.0.1:${ports[i % ports.length]}/`, { method: 'POST', headers: d.headers, body: d.body });
        await response.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { duplicatesSent: queue.length - all.length, statuses, perSecond: queue.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/** Two receiver processes and two worker processes on one PostgreSQL. */
export async function scaleOutPostgres(options: { url: string; deliveries: number; concurrency: number }): Promise<ScaleResult> {
  const table = `scale_${process.pid}_${Date.now() % 1e6}`;
  const pool = new pg.Pool({ connectionString: options.url, max: 2 });
  const store = postgresInbox({ connectionString: options.url, table, max: 2 });
  await store.ready();
  await createLedger(pool, table);
  const base = { url: options.url, table, secret: SECRET, handlerMs: 2, leaseMs: 10_000, concurrency: 8 };
  const receivers = [await spawnProcess({ ...base, role: 'receiver', workerId: 'r1' }), await spawnProcess({ ...base, role: 'receiver', workerId: 'r2' })];
  const workers = [await spawnProcess({ ...base, role: 'worker', workerId: 'w1' }), await spawnProcess({ ...base, role: 'worker', workerId: 'w2' })];
  const all = await deliveries(options.deliveries, table);
  const sent = await load(receivers.map((r) => r.port!), all, options.concurrency);
  const drain = Date.now();
  await until(async () => (await store.counts()).handled === options.deliveries, 300_000, 'every delivery handled');
  const drainSeconds = (Date.now() - drain) / 1000;
  await Promise.all([...receivers, ...workers].map(stopProcess));
  const ledger = await audit(pool, table);
  const counts = await store.counts();
  await store.close();
  await pool.end();
  return { setup: 'PostgreSQL: 2 receivers + 2 workers', deliveries: options.deliveries, ...sent, handled: counts.handled, lost: options.deliveries - ledger.effects, handledTwice: ledger.finishedTwice, drainSeconds };
}

/** The same load on the embedded store: one process receives and works. */
export async function scaleEmbedded(options: { deliveries: number; concurrency: number }): Promise<ScaleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-pglite-'));
  const store = pgliteInbox({ dataDir: dir });
  await store.ready();
  const runs = new Map<string, number>();
  const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, logger: false, inbox: { store, worker: { concurrency: 8, pollMs: 50 } } }).on('kasko', 'policy.created', async (_event, delivery) => {
    await sleep(2);
    runs.set(delivery!.idempotencyKey, (runs.get(delivery!.idempotencyKey) ?? 0) + 1);
  });
  const server = http.createServer(nodeHandler(webhooks, 'kasko'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const all = await deliveries(options.deliveries, 'embedded');
  const sent = await load([(server.address() as AddressInfo).port], all, options.concurrency);
  const drain = Date.now();
  await until(async () => (await store.counts()).handled === options.deliveries, 300_000, 'every delivery handled');
  const drainSeconds = (Date.now() - drain) / 1000;
  const counts = await store.counts();
  await new Promise((resolve) => server.close(resolve));
  await webhooks.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    setup: 'embedded (PGlite): 1 process',
    deliveries: options.deliveries,
    ...sent,
    handled: counts.handled,
    lost: options.deliveries - runs.size,
    handledTwice: [...runs.values()].filter((n) => n > 1).length,
    drainSeconds,
  };
}

export interface EmbeddedKillResult {
  acknowledged: number;
  foundAfterKill: number;
  lost: number;
}

/**
 * The embedded store across a crash: a child process receives over HTTP (PGlite in a data
 * directory, `worker: false`), is SIGKILLed right after its last 2xx, and the directory is opened
 * again here: every acknowledged delivery must be in it, `pending`.
 */
export async function embeddedKill(options: { deliveries: number }): Promise<EmbeddedKillResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-pglite-kill-'));
  const child = fork(fileURLToPath(import.meta.url), ['embedded-child', dir], { execArgv: ['--import', TSX], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as { port: number }));
      child.once('exit', (code) => reject(new Error(`the embedded receiver exited (${code}) before it was ready`)));
    });
    let acknowledged = 0;
    for (const d of await deliveries(options.deliveries, 'kill')) {
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: d.headers, body: d.body });
      await response.arrayBuffer();
      if (response.status === 202) acknowledged++;
    }
    child.kill('SIGKILL');
    await exited;
    const store = pgliteInbox({ dataDir: dir });
    const foundAfterKill = (await store.counts()).pending;
    await store.close();
    return { acknowledged, foundAfterKill, lost: acknowledged - foundAfterKill };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function embeddedChild(dir: string): Promise<void> {
  const store = pgliteInbox({ dataDir: dir });
  await store.ready();
  const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, logger: false, inbox: { store, worker: false } });
  const server = http.createServer(nodeHandler(webhooks, 'kasko'));
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const which = process.argv[2];
  if (which === 'embedded-child') return embeddedChild(process.argv[3]!);
  const checks: string[] = [];
  const server = which === 'crash' || which === 'outage' || which === 'scale' ? await startPostgres() : undefined;
  try {
    if (which === 'crash') {
      const result = await crashTest({ url: server!.url, deliveries: flag('deliveries', 200) });
      console.table([result]);
      if (result.lost || result.overlaps || result.handled !== result.deliveries || result.killedInFlight === 0) checks.push('crash');
      const embedded = await embeddedKill({ deliveries: flag('deliveries', 200) });
      console.table([{ store: 'embedded (PGlite), receiver SIGKILLed after its last 2xx', ...embedded }]);
      if (embedded.lost || embedded.acknowledged === 0) checks.push('crash embedded');
    } else if (which === 'outage') {
      const n = flag('deliveries', 200);
      const results = [
        await outageTest({ store: pgliteInbox(), name: 'embedded', deliveries: n, outageMs: 3000 }),
        await outageTest({ store: postgresInbox({ connectionString: server!.url, table: `outage_${process.pid}` }), name: 'postgresql', deliveries: n, outageMs: 3000 }),
        await outageTest({ store: postgresInbox({ connectionString: server!.url, table: `outage_short_${process.pid}` }), name: 'postgresql, 4 attempts', deliveries: n, outageMs: 3000, maxAttempts: 4 }),
      ];
      console.table(results.map((r) => ({ ...r, statuses: JSON.stringify(r.statuses) })));
      for (const r of results) if (r.lost || r.failedRuns === 0 || Object.keys(r.statuses).some((s) => !s.startsWith('2'))) checks.push(`outage ${r.store}`);
    } else if (which === 'scale') {
      const n = flag('deliveries', 2000);
      const results = [await scaleOutPostgres({ url: server!.url, deliveries: n, concurrency: 32 }), await scaleEmbedded({ deliveries: n, concurrency: 32 })];
      console.table(results.map((r) => ({ ...r, statuses: JSON.stringify(r.statuses), perSecond: Math.round(r.perSecond), p50Ms: r.p50Ms.toFixed(1), p99Ms: r.p99Ms.toFixed(1) })));
      for (const r of results) if (r.lost || r.handledTwice || r.handled !== r.deliveries || Object.keys(r.statuses).some((s) => !s.startsWith('2'))) checks.push(`scale ${r.setup}`);
    } else {
      console.error('usage: npx tsx bench/inbox-robustness.ts crash|outage|scale [--deliveries N]');
      process.exitCode = 2;
      return;
    }
  } finally {
    await server?.stop();
  }
  if (checks.length) {
    console.error(`FAILED: ${checks.join(', ')}`);
    process.exitCode = 1;
  } else console.log('all checks passed');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
