// Shared by bench/load.ts and bench/soak.ts (the parent side): starts the server child
// (bench/lib/server-process.ts), builds signed deliveries, drives a checked mixed stream through
// autocannon on loopback, and formats tables. Everything listens on 127.0.0.1 and every run is
// bounded by a duration.
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { defaultIdempotencyKey, examples, receiveSync, type Provider } from '../../src/index.js';
import { buildDelivery as buildTestDelivery } from '../../src/testing/delivery.js';
import type { MemoryReply, ServerConfig, ServerRequest, StatsReply } from './server-process.js';

export type { MemoryReply, ServerConfig, StatsReply } from './server-process.js';

// ---------------------------------------------------------------------------------------------
// Command line

/** `--name value` / `--name=value` / `--flag` parsing for the two scripts. */
export function parseFlags(argv: string[], known: Record<string, 'number' | 'boolean'>): Record<string, number | boolean> {
  const flags: Record<string, number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const kind = known[name];
    if (!kind) throw new Error(`unknown flag --${name}; known: ${Object.keys(known).map((k) => `--${k}`).join(', ')}`);
    if (kind === 'boolean') {
      flags[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    if (raw === undefined || !Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
    flags[name] = value;
  }
  return flags;
}

// ---------------------------------------------------------------------------------------------
// The server child

export interface ServerHandle {
  port: number;
  pid: number;
  stats(reset: boolean): Promise<StatsReply>;
  memory(): Promise<MemoryReply>;
  stop(): Promise<void>;
}

/** A request to the child without its id (the union distributed, so each command keeps its own fields). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Command = DistributiveOmit<ServerRequest, 'id'>;

const CHILD = fileURLToPath(new URL('./server-process.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export function startServer(config: ServerConfig, { exposeGc = false } = {}): Promise<ServerHandle> {
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: [...(exposeGc ? ['--expose-gc'] : []), '--import', TSX],
    env: { ...process.env, LOAD_SERVER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (body: unknown) => void>();
  const call = <T>(message: Command, timeoutMs = 15_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`server child did not answer ${message.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, (body) => {
        clearTimeout(timer);
        resolve(body as T);
      });
      child.send({ ...message, id });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('server child did not start within 20 s'));
    }, 20_000);
    child.once('exit', (code) => reject(new Error(`server child exited with ${code} before listening`)));
    child.on('message', (message: { listening?: number; id?: number; body?: unknown }) => {
      if (message.listening !== undefined) {
        clearTimeout(timer);
        resolve({
          port: message.listening,
          pid: child.pid!,
          stats: (reset) => call<StatsReply>({ cmd: 'stats', reset }),
          memory: () => call<MemoryReply>({ cmd: 'memory' }),
          stop: async () => {
            if (child.exitCode !== null) return;
            const exited = new Promise<void>((done) => child.once('exit', () => done()));
            await call({ cmd: 'exit' }, 5_000).catch(() => child.kill('SIGKILL'));
            const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            await exited;
            clearTimeout(killer);
          },
        });
      } else if (message.id !== undefined) {
        pending.get(message.id)?.(message.body);
        pending.delete(message.id);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Deliveries

export interface Delivery {
  provider: Provider;
  type: string;
  /** The router's idempotency key for it (what the server's handler counts). */
  key: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

const EVENTS = (Object.keys(examples) as Provider[]).flatMap((provider) => Object.keys(examples[provider]).map((type) => ({ provider, type })));

/**
 * One genuine, unique delivery, built by the package's one builder (src/testing/delivery.ts) with
 * fresh identity (the provider module's `freshIdentity`: a new delivery id, envelope id or session
 * id), cycling through every documented event of every provider. Its idempotency key is read back
 * the way the router forms it: `receiveSync()` then `defaultIdempotencyKey()`.
 */
export async function buildDelivery(serial: number, secret: string): Promise<Delivery> {
  const { provider, type } = EVENTS[serial % EVENTS.length]!;
  const path = `/webhooks/${provider}`;
  const built = await buildTestDelivery(provider, type, { secret, url: path });
  const body = Buffer.from(built.body);
  const event = receiveSync(provider, { body, headers: built.headers, method: built.method, url: path }, { secret });
  return { provider, type, key: defaultIdempotencyKey(event)!, path, headers: built.headers, body };
}

/**
 * Unique signed deliveries, signed ahead in batches on the parent's event loop so that the
 * synchronous autocannon callback always finds one ready.
 */
export class DeliverySource {
  #ready: Delivery[] = [];
  #head = 0;
  #serial = 0;
  #refilling: Promise<void> | undefined;
  /** Times a fresh delivery was wanted and none was ready. */
  starved = 0;

  constructor(
    readonly secret: string,
    readonly batch = 2_000,
  ) {}

  get available(): number {
    return this.#ready.length - this.#head;
  }

  async fill(count: number): Promise<void> {
    const built: Promise<Delivery>[] = [];
    for (let i = 0; i < count; i++) built.push(buildDelivery(this.#serial++, this.secret));
    const deliveries = await Promise.all(built);
    if (this.#head > 10_000) {
      this.#ready = this.#ready.slice(this.#head);
      this.#head = 0;
    }
    this.#ready.push(...deliveries);
  }

  take(): Delivery | undefined {
    if (this.available < this.batch && !this.#refilling) {
      this.#refilling = this.fill(this.batch).finally(() => (this.#refilling = undefined));
    }
    if (this.#head >= this.#ready.length) {
      this.starved++;
      return undefined;
    }
    return this.#ready[this.#head++];
  }

  async settle(): Promise<void> {
    await this.#refilling;
  }
}

// ---------------------------------------------------------------------------------------------
// The checked mixed stream

/**
 * What autocannon sends. Oversized bodies are not among them: the adapter answers 413 with
 * `connection: close` and drops the connection without reading the rest (by design), which
 * autocannon counts as a connection error on its keep-alive sockets — so oversized requests run
 * as a concurrent stream of their own (oversizedStream), one connection each.
 */
export type Kind = 'fresh' | 'duplicate' | 'tampered';
export const KINDS: Kind[] = ['fresh', 'duplicate', 'tampered'];
export const EXPECTED_STATUS: Record<Kind, number> = { fresh: 200, duplicate: 200, tampered: 401 };

export interface MixOptions {
  port: number;
  connections: number;
  durationSeconds: number;
  source: DeliverySource;
  /** Relative weights of each kind in the stream. */
  weights: Record<Kind, number>;
  /** Oversized requests sent alongside, over their own connections (see oversizedStream). */
  oversized?: { maxBodyBytes: number; concurrency: number };
  /** Check every answer against its kind (off for the bare baseline, which answers 200 to all). */
  check: boolean;
  /** Duplicates are only drawn from deliveries acknowledged less than this long ago (soak: under the TTL). */
  duplicateMaxAgeMs?: number;
  seed?: number;
}

export interface Mismatch {
  kind: Kind;
  key: string;
  status: number;
  detail: string;
}

export interface MixOutcome {
  result: autocannon.Result;
  sent: Record<Kind, number>;
  answered: Record<Kind, number>;
  mismatches: Mismatch[];
  mismatchCount: number;
  /** Status of the first answer to each fresh delivery, by idempotency key. */
  firstAnswer: Map<string, number>;
  /** Fresh deliveries sent whose answer never came (connection reset by a 413 close, end of run). */
  unanswered: Set<string>;
  /** Keys of deliveries that were only ever sent tampered. */
  tamperedKeys: Set<string>;
  starved: number;
  oversized: OversizedOutcome | undefined;
  /** The first fresh delivery acknowledged (200) in the run. */
  firstAcknowledged: Delivery | undefined;
  /** Milliseconds from writing each request to its answer, measured here (so that several runs can be pooled). */
  latencies: number[];
}

/** mulberry32: a small seeded PRNG, so the mix is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sent {
  kind: Kind;
  delivery: Delivery;
  /** performance.now() when the request was built, right before autocannon writes it. */
  at: number;
}

export async function runMix(options: MixOptions): Promise<MixOutcome> {
  const { source, weights, check } = options;
  const random = prng(options.seed ?? 0x5eed);
  const total = KINDS.reduce((sum, kind) => sum + weights[kind], 0);
  const sent = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const answered = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const mismatches: Mismatch[] = [];
  let mismatchCount = 0;
  const firstAnswer = new Map<string, number>();
  const unanswered = new Set<string>();
  const tamperedKeys = new Set<string>();
  // Recently acknowledged deliveries, the pool duplicates are drawn from.
  const acknowledged: { delivery: Delivery; at: number }[] = [];
  const RECENT = 2_000;
  let firstAcknowledged: Delivery | undefined;
  const latencies: number[] = [];

  await source.fill(source.batch * 2);
  const starvedBefore = source.starved;

  const pick = (): Omit<Sent, 'at'> => {
    let roll = random() * total;
    let kind: Kind = 'fresh';
    for (const k of KINDS) {
      if ((roll -= weights[k]) < 0) {
        kind = k;
        break;
      }
    }
    if (kind === 'duplicate') {
      const floor = options.duplicateMaxAgeMs === undefined ? -Infinity : Date.now() - options.duplicateMaxAgeMs;
      const start = Math.max(0, acknowledged.length - RECENT);
      const index = start + Math.floor(random() * (acknowledged.length - start));
      const candidate = acknowledged[index];
      if (candidate && candidate.at >= floor) return { kind, delivery: candidate.delivery };
      kind = 'fresh'; // nothing acknowledged yet (or too old): send a new one instead
    }
    const delivery = source.take();
    if (!delivery) {
      const fallback = acknowledged.at(-1);
      if (fallback) return { kind: 'duplicate', delivery: fallback.delivery };
      throw new Error('no signed delivery ready at the start of the run');
    }
    if (kind === 'tampered') {
      const body = Buffer.from(delivery.body);
      const at = Math.floor(random() * body.length);
      body[at] = body[at]! ^ (1 << Math.floor(random() * 8));
      tamperedKeys.add(delivery.key);
      return { kind, delivery: { ...delivery, body } };
    }
    return { kind, delivery };
  };

  const mismatch = (entry: Omit<Sent, 'at'>, status: number, detail: string) => {
    mismatchCount++;
    if (mismatches.length < 20) mismatches.push({ kind: entry.kind, key: entry.delivery.key, status, detail });
  };

  const request: autocannon.Request = {
    method: 'POST',
    path: '/',
    setupRequest: (req, context) => {
      const entry: Sent = { ...pick(), at: performance.now() };
      (context as { sent?: Sent }).sent = entry;
      sent[entry.kind]++;
      if (entry.kind === 'fresh') unanswered.add(entry.delivery.key);
      return { ...req, method: 'POST', path: entry.delivery.path, headers: entry.delivery.headers, body: entry.delivery.body };
    },
    onResponse: (status, body, context, headers) => {
      const entry = (context as { sent?: Sent }).sent;
      if (!entry) return;
      latencies.push(performance.now() - entry.at);
      answered[entry.kind]++;
      const { kind, delivery } = entry;
      if (kind === 'fresh') {
        unanswered.delete(delivery.key);
        if (!firstAnswer.has(delivery.key)) firstAnswer.set(delivery.key, status);
        if (status === 200) {
          acknowledged.push({ delivery, at: Date.now() });
          firstAcknowledged ??= delivery;
        }
        if (acknowledged.length > RECENT * 4) acknowledged.splice(0, acknowledged.length - RECENT);
      }
      if (!check) return;
      const replay = (headers as Record<string, unknown> | undefined)?.['x-idempotent-replay'];
      if (status !== EXPECTED_STATUS[kind]) mismatch(entry, status, String(body).slice(0, 200));
      else if (kind === 'duplicate' && replay !== 'true') mismatch(entry, status, 'duplicate answered without x-idempotent-replay: true');
      else if (kind === 'fresh' && replay !== undefined) mismatch(entry, status, 'a first delivery was answered as a replay');
    },
  };

  const template = source.take()!;
  const [result, oversized] = await Promise.all([
    autocannon({
      url: `http://127.0.0.1:${options.port}`,
      connections: options.connections,
      duration: options.durationSeconds,
      pipelining: 1,
      timeout: 10,
      requests: [request],
    }),
    options.oversized && oversizedStream({ port: options.port, durationSeconds: options.durationSeconds, template, ...options.oversized }),
  ]);
  await source.settle();
  return { result, sent, answered, mismatches, mismatchCount, firstAnswer, unanswered, tamperedKeys, starved: source.starved - starvedBefore, oversized: oversized || undefined, firstAcknowledged, latencies };
}

export interface OversizedOutcome {
  sent: number;
  /** Answers by status ('reset' = the connection closed before any status line arrived). */
  answers: Record<string, number>;
  /** Keys of the deliveries whose headers the oversized requests carried (never to be handled). */
  key: string;
  /** The first few requests that got no status line: framing, socket error, ms after the stream started. */
  resets: { framing: string; error: string; atMs: number }[];
}

/**
 * 'pass' when every oversized request was answered 413; 'warn' when some got no status line at all
 * (the adapter closes the connection after its 413 without reading the rest, so a client still
 * writing can see EPIPE/ECONNRESET before it reads the answer — nothing is acknowledged or handled);
 * 'fail' for any other status.
 */
export function oversizedVerdict(outcome: OversizedOutcome): 'pass' | 'warn' | 'fail' {
  const statuses = Object.keys(outcome.answers);
  if (statuses.some((s) => s !== '413' && s !== 'reset')) return 'fail';
  return statuses.includes('reset') ? 'warn' : 'pass';
}

/**
 * Requests larger than the limit, one connection each (`connection: close`), alternating a
 * declared content-length (refused before reading) and chunked encoding (refused while reading),
 * until the duration is over. Each carries genuine signed headers, so only the size refuses it.
 */
export async function oversizedStream(options: { port: number; durationSeconds: number; template: Delivery; maxBodyBytes: number; concurrency: number }): Promise<OversizedOutcome> {
  const { port, template, maxBodyBytes } = options;
  const deadline = Date.now() + options.durationSeconds * 1000;
  const answers: Record<string, number> = {};
  const resets: OversizedOutcome['resets'] = [];
  const started = Date.now();
  let sent = 0;
  const body = Buffer.alloc(maxBodyBytes + 64, 0x20);
  const headerLines = Object.entries(template.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const once = (chunked: boolean) =>
    new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      let error = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
      socket.on('error', (e: NodeJS.ErrnoException) => (error ||= e.code ?? e.message));
      socket.on('data', (chunk) => {
        if (received.length < 64) received += chunk.toString('latin1');
      });
      socket.on('close', () => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
        if (!status && resets.length < 10) resets.push({ framing: chunked ? 'chunked' : 'content-length', error, atMs: Date.now() - started });
        resolve(status ?? 'reset');
      });
      socket.on('connect', () => {
        const framing = chunked ? 'transfer-encoding: chunked\r\n' : `content-length: ${body.length}\r\n`;
        socket.write(`POST ${template.path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n${headerLines}${framing}\r\n`);
        if (chunked) {
          for (let at = 0; at < body.length; at += 16_384) {
            const piece = body.subarray(at, at + 16_384);
            socket.write(`${piece.length.toString(16)}\r\n`);
            socket.write(piece);
            socket.write('\r\n');
          }
          socket.write('0\r\n\r\n');
        } else socket.write(body);
      });
    });
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (Date.now() < deadline) {
        const answer = await once(sent++ % 2 === 1);
        answers[answer] = (answers[answer] ?? 0) + 1;
      }
    }),
  );
  return { sent, answers, key: template.key, resets };
}

/** Exactly-once checks against the server's handler counts. Returns the failures (empty = pass). */
export function exactlyOnce(outcome: MixOutcome, runs: Map<string, number>): string[] {
  const problems: string[] = [];
  const fail = (text: string) => {
    if (problems.length < 20) problems.push(text);
  };
  let acknowledged = 0;
  for (const [key, status] of outcome.firstAnswer) {
    const count = runs.get(key) ?? 0;
    if (status === 200) {
      acknowledged++;
      if (count !== 1) fail(`${key}: acknowledged (200) but the handler ran ${count} times`);
    } else if (count !== 0) fail(`${key}: answered ${status} but the handler ran ${count} times`);
  }
  for (const key of outcome.unanswered) {
    if ((runs.get(key) ?? 0) > 1) fail(`${key}: never answered, handler ran ${runs.get(key)} times`);
  }
  for (const key of outcome.tamperedKeys) {
    if (runs.has(key)) fail(`${key}: only sent tampered, yet the handler ran`);
  }
  for (const [key, count] of runs) {
    if (!outcome.firstAnswer.has(key) && !outcome.unanswered.has(key)) fail(`${key}: the handler ran ${count} times for a delivery never sent fresh`);
  }
  if (acknowledged === 0) fail('no delivery was acknowledged at all');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Output

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const separator = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(cells[0]!), separator, ...cells.slice(1).map(line)].join('\n');
}

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

