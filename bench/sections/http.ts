// Part 7: the endpoint under load. autocannon on loopback drives each adapter with the default
// configuration and, beside it, the same framework's bare route doing the floor work, both servers
// alive at once, each in a child process of its own (bench/http/server.mjs, plain `node` on the
// compiled dist/) so that the load generator, here, never shares a server's event loop. Rounds are
// interleaved (B A, A B, B A, …: other load on the machine falls on both alike); a ratio is taken
// within a round, and min–median–max over rounds is reported.
//
// Every request is a fresh delivery: a KASKO policy.created body of 854 bytes (the documented
// example, a 12-digit serial and padding in `metadata.note`, an open object), its own delivery id,
// signed here as KASKO signs (`sha1=` + hex HMAC-SHA-1 of the body). Every answer must be 200:
// a refusal or an error fails the run (so the servers really verified and accepted each one).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { providerEntry, ROOT, rootEntry, type Lib } from '../lib/env.js';
import { median, percentile } from '../lib/measure.js';
import type { Result } from '../lib/table.js';

export const HTTP_RATIO_TARGET = 0.85;
export const HTTP_P99_TARGET = 1.2;
export const HTTP_BODY_BYTES = 854;
const PATH = '/webhooks/kasko';
const SECRET = 'bench_http_secret_0123456789';

export interface HttpOptions {
  /** Seconds per autocannon run. */
  seconds: number;
  /** Interleaved rounds per pair (each round: one run of each server). */
  rounds: number;
  connections: number;
  /** Seconds of load on each server before the rounds (V8 optimizes, the store fills). */
  warmupSeconds: number;
  progress: (text: string) => void;
  /** Only the pairs whose kind is listed (default: all). */
  kinds?: readonly string[];
}

export type Kind = 'node-bare' | 'node-bare-spin' | 'node-receive' | 'node-receivesync' | 'node-either' | 'node-small-store' | 'node-custom-key' | 'node-store-module' | 'node' | 'node-no-idempotency' | 'express-bare' | 'express' | 'fastify-bare' | 'fastify' | 'fastify-no-idempotency' | 'hono-bare' | 'hono' | 'hono-no-idempotency';

interface Pair {
  label: string;
  measured: Kind;
  baseline: Kind;
  what: string;
  /** Targets: req/s ratio ≥ HTTP_RATIO_TARGET; p99 ratio too for the Node adapter. */
  targeted: boolean;
  p99Targeted?: boolean;
}

export const PAIRS: readonly Pair[] = [
  { label: 'node', measured: 'node', baseline: 'node-bare', what: 'nodeHandler (default configuration) vs bare node:http doing the floor', targeted: true, p99Targeted: true },
  { label: 'node', measured: 'node-no-idempotency', baseline: 'node-bare', what: 'nodeHandler with idempotency: false vs bare node:http doing the floor', targeted: false },
  { label: 'node', measured: 'node-receive', baseline: 'node-bare', what: 'bare node:http calling receive() itself vs bare node:http doing the floor', targeted: false },
  { label: 'express', measured: 'express', baseline: 'express-bare', what: 'expressHandler vs an Express route doing the floor', targeted: true },
  { label: 'fastify', measured: 'fastify', baseline: 'fastify-bare', what: 'fastifyWebhooks vs a Fastify route doing the floor', targeted: true },
  { label: 'fastify', measured: 'fastify-no-idempotency', baseline: 'fastify-bare', what: 'fastifyWebhooks with idempotency: false vs a Fastify route doing the floor', targeted: false },
  { label: 'web', measured: 'hono', baseline: 'hono-bare', what: 'webHandler on Hono + @hono/node-server vs a Hono route doing the floor', targeted: true },
  { label: 'web', measured: 'hono-no-idempotency', baseline: 'hono-bare', what: 'webHandler with idempotency: false vs a Hono route doing the floor', targeted: false },
];

export interface Server {
  kind: Kind;
  port: number;
  child: ChildProcess;
  /** The child's CPU time so far, µs (user + system, all threads). */
  cpu(): Promise<number>;
  /** The same, with its main thread's garbage-collection pauses so far (µs): scavenges, and the rest. */
  usage(): Promise<Usage>;
}

export interface Usage {
  cpu: number;
  gcMinor: number;
  gcMajor: number;
}

/** Starts one server child; `execArgv` adds node flags (bench/profile.ts: --cpu-prof). */
export function startServer(kind: Kind, dist: string, execArgv: string[] = []): Promise<Server> {
  const url = (path: string) => pathToFileURL(path).href;
  const env = {
    ...process.env,
    NODE_OPTIONS: '', // a plain node process: no tsx loader from the parent
    BENCH_HTTP: JSON.stringify({
      secret: SECRET,
      rootEntry: url(rootEntry(dist)),
      kaskoEntry: url(providerEntry(dist, 'kasko')),
      nodeEntry: url(join(dist, 'src', 'adapters', 'node.js')),
      expressEntry: url(join(dist, 'src', 'adapters', 'express.js')),
      fastifyEntry: url(join(dist, 'src', 'adapters', 'fastify.js')),
      webEntry: url(join(dist, 'src', 'adapters', 'web.js')),
    }),
  };
  const child = spawn(process.execPath, [...execArgv, join(ROOT, 'bench', 'http', 'server.mjs'), kind], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`http server ${kind} did not start within 20 s`));
    }, 20_000);
    let out = '';
    const waiting: ((usage: Usage) => void)[] = [];
    const usage = () =>
      new Promise<Usage>((answer) => {
        waiting.push(answer);
        child.stdin!.write('cpu\n');
      });
    const cpu = async () => (await usage()).cpu;
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (let at = out.indexOf('\n'); at >= 0; at = out.indexOf('\n')) {
        const message = JSON.parse(out.slice(0, at)) as { port?: number } & Partial<Usage>;
        out = out.slice(at + 1);
        if (message.port !== undefined) {
          clearTimeout(timer);
          resolve({ kind, port: message.port, child, cpu, usage });
        } else waiting.shift()?.(message as Usage);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`http server ${kind} exited with ${code} before listening`));
    });
  });
}

export function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => server.child.kill('SIGKILL'), 5_000);
    server.child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    server.child.stdin!.end();
    server.child.kill('SIGTERM');
  });
}

/** The next fresh delivery, as autocannon's `setupRequest` takes it. */
export type NextDelivery = () => { body: Buffer; headers: Record<string, string> };

/**
 * Fresh signed deliveries: the body template with a serial written into it, signed per request.
 * Not `buildDelivery` (src/testing/delivery.ts): autocannon's `setupRequest` is synchronous and
 * runs per request on the load generator's core, so this signs a patched buffer in place; part 7
 * is a KASKO-only load test by decision, and every answer is checked to be 2xx. So that this hand
 * signer cannot drift from the package's model of KASKO, its first delivery must carry the
 * signature the package's `sign()` makes for the same body, and pass `receiveSync()`.
 */
export async function deliveries(lib: Lib): Promise<NextDelivery> {
  const example = lib.examples.kasko['policy.created'];
  const marker = '000000000000';
  const base = JSON.stringify({ ...example, metadata: { ...example.metadata, note: marker } });
  const text = JSON.stringify({ ...example, metadata: { ...example.metadata, note: marker + 'x'.repeat(HTTP_BODY_BYTES - Buffer.byteLength(base)) } });
  const template = Buffer.from(text);
  if (template.length !== HTTP_BODY_BYTES) throw new Error(`http body is ${template.length} B, wanted ${HTTP_BODY_BYTES}`);
  const at = template.indexOf(marker);
  let serial = Math.floor(Math.random() * 1e9) * 1000; // fresh across runs against one server
  const next = () => {
    const body = Buffer.from(template);
    const id = String(serial++).padStart(12, '0');
    body.write(id, at, 'latin1');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-kasko-event': 'policy.created',
        'x-kasko-delivery': `d${id}${'0'.repeat(19)}`,
        'x-kasko-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`,
      },
    };
  };
  const first = next();
  const signed = await lib.sign('kasko', { type: 'policy.created', body: first.body, deliveryId: first.headers['x-kasko-delivery'] }, SECRET);
  if (signed['x-kasko-signature'] !== first.headers['x-kasko-signature']) {
    throw new Error(`part 7 signs KASKO deliveries as ${first.headers['x-kasko-signature']}, the package's sign() as ${signed['x-kasko-signature']}`);
  }
  lib.receiveSync('kasko', first, { secret: SECRET });
  return next;
}

interface Run {
  rps: number;
  /** 99th percentile of the answers' latencies, ms (µs resolution, from autocannon's per-answer times). */
  p99: number;
  /** The server's CPU time per request, µs (immune to waiting for a core; not to cache effects). */
  cpuPerRequest: number;
  /** Its main thread's pauses for scavenges and for the rest of garbage collection, µs per request. */
  gcMinorPerRequest: number;
  gcMajorPerRequest: number;
}

export async function load(server: Server, seconds: number, connections: number, next: NextDelivery): Promise<Run> {
  const { port } = server;
  const before = await server.usage();
  // Every answer's latency, kept here: autocannon's own histogram counts whole milliseconds, so
  // its p99 reads 1 or 2 ms on loopback and a ratio of those is rounding, not a measurement.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: [{ method: 'POST', path: PATH, setupRequest: (req) => ({ ...req, method: 'POST', path: PATH, ...next() }) }],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    run.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  });
  if (latencies.length === 0) throw new Error(`port ${port}: no answers to take a latency percentile of`);
  if (result.errors || result.timeouts || result.non2xx) throw new Error(`port ${port}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} answers not 2xx`);
  const after = await server.usage();
  const per = (field: keyof Usage) => (after[field] - before[field]) / result.requests.total;
  return { rps: result.requests.total / result.duration, p99: percentile(latencies, 99), cpuPerRequest: per('cpu'), gcMinorPerRequest: per('gcMinor'), gcMajorPerRequest: per('gcMajor') };
}


export async function httpThroughput(lib: Lib, dist: string, options: HttpOptions): Promise<Result[]> {
  const next = await deliveries(lib);
  const results: Result[] = [];
  for (const pair of PAIRS.filter((p) => !options.kinds || options.kinds.includes(p.measured))) {
    const servers = await Promise.all([startServer(pair.baseline, dist), startServer(pair.measured, dist)]);
    try {
      const [bare, ours] = servers as [Server, Server];
      options.progress(`http ${pair.label}: ${pair.measured} vs ${pair.baseline}, ${options.rounds} rounds of ${options.seconds} s …`);
      for (const server of [bare, ours]) await load(server, options.warmupSeconds, options.connections, next);
      const runs: { ours: Run; bare: Run }[] = [];
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? [bare, ours] : [ours, bare];
        const got: Partial<Record<Kind, Run>> = {};
        for (const server of order) got[server.kind] = await load(server, options.seconds, options.connections, next);
        runs.push({ ours: got[ours.kind]!, bare: got[bare.kind]! });
      }
      const ratios = runs.map((r) => r.ours.rps / r.bare.rps);
      const p99Ratios = runs.map((r) => r.ours.p99 / r.bare.p99);
      const spread = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];
      results.push({
        part: 7,
        kind: 'rate',
        what: `http ${pair.label}: ${pair.what} (req/s)`,
        measured: median(runs.map((r) => r.ours.rps)),
        baseline: median(runs.map((r) => r.bare.rps)),
        ratio: median(ratios),
        spread: spread(ratios),
        check: median(p99Ratios),
        ...(pair.targeted ? { target: { min: HTTP_RATIO_TARGET } } : {}),
      });
      // The servers' CPU time per request: what the throughput ratio would be if the server alone
      // limited it (on a loaded machine the load generator and other processes share the cores).
      const cpuRatios = runs.map((r) => r.bare.cpuPerRequest / r.ours.cpuPerRequest);
      results.push({
        part: 7,
        kind: 'cpu',
        what: `http ${pair.label}: server CPU per request, ${pair.measured} vs ${pair.baseline} (capacity ratio = baseline / measured)`,
        measured: median(runs.map((r) => r.ours.cpuPerRequest)),
        baseline: median(runs.map((r) => r.bare.cpuPerRequest)),
        ratio: median(cpuRatios),
        spread: spread(cpuRatios),
      });
      if (pair.p99Targeted) {
        results.push({
          part: 7,
          kind: 'latency',
          what: `http ${pair.label}: p99 latency, ${pair.measured === 'node' ? 'nodeHandler' : pair.measured} vs ${pair.baseline}`,
          measured: median(runs.map((r) => r.ours.p99)),
          baseline: median(runs.map((r) => r.bare.p99)),
          ratio: median(p99Ratios),
          spread: spread(p99Ratios),
          target: { max: HTTP_P99_TARGET },
        });
      }
    } finally {
      await Promise.all(servers.map(stopServer));
    }
  }
  return results;
}
