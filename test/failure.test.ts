// Failure injection through a real Node-adapter server on loopback: handlers that throw or hang, a
// Redis idempotency store that dies mid-run (and comes back), clients that vanish mid-body. The
// invariants: never a 2xx for a delivery that was not handled, the server keeps serving, and no
// unhandled rejection anywhere in this file. See docs/robustness.md.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooks, block, examples, type IdempotencyStore, type Provider, type WebhookEvent, type Webhooks } from '../src/index.js';
import { redisStore } from '../src/idempotency/redis.js';
import { delivery, NOW, SECRET, type Delivery } from './helpers/deliveries.js';
import { skipFor, SYSTEM_PROGRAMS } from './helpers/system.js';
import { startRedis } from './helpers/redis-server.js';
import { adapters, type RunningServer } from './helpers/servers.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));

/** Every redis-server this file starts: killed at the end even if a test timed out before its own cleanup. */
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pathOf = (provider: Provider) => `/webhooks/${provider}`;

interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** POSTs a delivery on a fresh connection; `undefined` when no answer came within `timeoutMs` (the request is then aborted). */
function post(origin: string, d: Delivery, timeoutMs = 5_000): Promise<Answer | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${origin}${pathOf(d.provider)}`, { method: 'POST', headers: d.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: response.statusCode!, body, headers: response.headers });
      });
    });
    const timer = setTimeout(() => {
      request.destroy();
      resolve(undefined);
    }, timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      if (request.destroyed && !request.writableFinished) resolve(undefined);
      else reject(error);
    });
    request.end(d.body);
  });
}

/** A KASKO delivery signed the way test/helpers does, with the example's first name changed (the handlers key off it). */
async function kasko(type: 'policy.created' | 'policy.updated' | 'offer.created', firstName = 'John'): Promise<Delivery> {
  return delivery('kasko', type, { ...(examples.kasko[type] as object), first_name: firstName });
}

/** Handler runs per delivery id. */
function counter() {
  const runs = new Map<string, number>();
  return {
    runs,
    count: (event: WebhookEvent) => runs.set(event.deliveryId ?? '?', (runs.get(event.deliveryId ?? '?') ?? 0) + 1),
    of: (d: Delivery) => runs.get(d.headers['x-kasko-delivery'] ?? d.headers['x-webhook-delivery'] ?? JSON.parse(d.body).id) ?? 0,
  };
}

async function withServer<T>(webhooks: Webhooks, run: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await adapters.node(webhooks);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

describe('a handler that throws', () => {
  it('gets a retryable 500, the retry runs it again, and the next delivery is served', async () => {
    const { count, of } = counter();
    const errors: unknown[] = [];
    let broken = true;
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, now: NOW } } })
      .onAny('kasko', (event) => {
        count(event);
        if (broken && event.payload.first_name === 'Boom') throw new Error('handler exploded');
      })
      .onError((error) => void errors.push(error));
    await withServer(webhooks, async ({ origin }) => {
      const boom = await kasko('policy.created', 'Boom');
      const first = await post(origin, boom);
      expect(first).toMatchObject({ status: 500, body: { error: 'handler_failed' } });
      expect(errors).toContainEqual(expect.objectContaining({ message: 'handler exploded' }));

      const next = await kasko('policy.updated');
      expect(await post(origin, next)).toMatchObject({ status: 200, body: { received: true, type: 'policy.updated' } });

      // The failure released the id: the provider's retry runs the handler again, still failing…
      expect((await post(origin, boom))?.status).toBe(500);
      expect(of(boom)).toBe(2);
      // …until it is fixed; then a duplicate replays the answer without a third… fourth run.
      broken = false;
      expect((await post(origin, boom))?.status).toBe(200);
      const replay = await post(origin, boom);
      expect(replay).toMatchObject({ status: 200, headers: { 'x-idempotent-replay': 'true' } });
      expect(of(boom)).toBe(3);
      expect(of(next)).toBe(1);
    });
  });
});

describe('a handler that hangs', () => {
  it('async event: the request gets no 2xx, the server keeps serving, and the retry waits (409) until the handler finishes', async () => {
    const { count, of } = counter();
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, now: NOW } } }).onAny('kasko', async (event) => {
      count(event);
      if (event.payload.first_name === 'Hang') await stuck;
    });
    await withServer(webhooks, async ({ origin }) => {
      const hung = await kasko('policy.updated', 'Hang');
      // A short client timeout: no answer at all (in particular no 2xx) while the handler hangs.
      expect(await post(origin, hung, 300)).toBeUndefined();
      expect(of(hung)).toBe(1);

      // The server stays up and serves other deliveries meanwhile.
      const other = await kasko('policy.created');
      expect(await post(origin, other)).toMatchObject({ status: 200 });

      // The provider's retry while the first attempt still runs: 409 (retryable), not a second run.
      const retry = await post(origin, hung);
      expect(retry).toMatchObject({ status: 409, body: { error: 'in_progress' }, headers: { 'retry-after': '5' } });
      expect(of(hung)).toBe(1);

      // Once the handler finishes (its answer goes nowhere: the client left), a retry gets the recorded 200 without a second run.
      release();
      await sleep(50);
      expect(await post(origin, hung)).toMatchObject({ status: 200, headers: { 'x-idempotent-replay': 'true' } });
      expect(of(hung)).toBe(1);
    });
  });

  it('sync event (InsurUp purchasing): the deadline answers block (422) and the server keeps serving', async () => {
    const errors: unknown[] = [];
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET } }, sync: { deadlineMs: 200 } })
      .on('insurup', 'proposal_premium.purchasing', async (event) => {
        if (event.payload.paymentType === 'Hang') await new Promise(() => {}); // never settles
        return event.payload.installmentNumber > 6 ? block('too many instalments') : undefined;
      })
      .onError((error) => void errors.push(error));
    await withServer(webhooks, async ({ origin }) => {
      const purchasing = examples.insurup['proposal_premium.purchasing'];
      const started = Date.now();
      const hung = await post(origin, await delivery('insurup', 'proposal_premium.purchasing', { ...purchasing, paymentType: 'Hang' }));
      expect(hung).toMatchObject({ status: 422, body: { allow: false } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(errors).toContainEqual(expect.objectContaining({ message: expect.stringContaining('exceeded 200 ms') }));
      expect(await post(origin, await delivery('insurup', 'proposal_premium.purchasing', purchasing))).toMatchObject({ status: 200, body: { allow: true } });
    });
  });
});

describe('a Redis idempotency store that goes away mid-run', () => {
  /** Sends `deliveries` with `concurrency` requests in flight, calling `midway` once `after` answers have come back. */
  async function stream(origin: string, deliveries: Delivery[], concurrency: number, after: number, midway: () => Promise<void>) {
    const answers: { d: Delivery; answer: Answer | undefined }[] = [];
    let next = 0;
    let tripped: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < deliveries.length) {
          const d = deliveries[next++]!;
          answers.push({ d, answer: await post(origin, d) });
          if (answers.length === after) tripped = midway();
        }
      }),
    );
    await tripped;
    return answers;
  }

  const variants: { name: string; options: NonNullable<Parameters<typeof createClient>[0]> }[] = [
    { name: 'client without reconnection', options: { socket: { reconnectStrategy: false } } },
    { name: 'reconnecting client with disableOfflineQueue (then Redis comes back)', options: { disableOfflineQueue: true, socket: { reconnectStrategy: () => 100 } } },
  ];

  it.for(variants)('$name: 503 (retryable), nothing acknowledged that was not handled, the server stays up', { timeout: 30_000 }, async ({ name, options }, context) => {
    const redis = await startRedis();
    if (!redis) skipFor(context, SYSTEM_PROGRAMS.redis);
    children.push(redis.process);
    const client = createClient({ url: redis.url, ...options });
    client.on('error', () => {}); // the outage is expected; the store reports it per request
    await client.connect();
    const store: IdempotencyStore = redisStore({ send: (args) => client.sendCommand(args), prefix: `failure:${Date.now()}:` });
    const { count, of, runs } = counter();
    const errors: unknown[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, now: NOW }, coverkit: { secret: SECRET } }, idempotency: { store } })
      .onAny('kasko', async (event) => {
        count(event);
        await sleep(2);
      })
      .onAny('coverkit', (event) => void count(event))
      .onError((error) => void errors.push(error));
    let restarted: ReturnType<typeof spawn> | undefined;
    // helpers' stop() waits for an 'exit' that a second call would never see: kill Redis once only.
    let killed: Promise<void> | undefined;
    const kill = () => (killed ??= redis.stop());
    try {
      await withServer(webhooks, async ({ origin }) => {
        const deliveries = await Promise.all(
          Array.from({ length: 90 }, (_, i) =>
            i % 3 === 2 ? delivery('coverkit', 'policy.created', { ...examples.coverkit['policy.created'], id: `evt_outage_${i}` }) : kasko(i % 2 ? 'policy.created' : 'offer.created', `Customer ${i}`),
          ),
        );
        const answers = await stream(origin, deliveries, 6, 30, kill);

        const statuses = answers.map(({ answer }) => answer?.status ?? 'no answer');
        expect(new Set(statuses), JSON.stringify(statuses)).toEqual(new Set([200, 503]));
        for (const { d, answer } of answers) {
          if (answer!.status === 200) expect(of(d), `acknowledged ${d.type} ran ${of(d)} times`).toBe(1);
          else {
            expect(answer).toMatchObject({ status: 503, body: { error: 'store_unavailable' }, headers: { 'retry-after': '30' } });
            expect(of(d), 'a 503 delivery must not have run').toBe(0);
          }
        }
        const acknowledged = answers.filter(({ answer }) => answer!.status === 200).length;
        expect(acknowledged).toBeGreaterThanOrEqual(30);
        expect([...runs.values()].reduce((a, b) => a + b, 0)).toBe(acknowledged); // nothing ran that was not acknowledged
        expect(errors.some((error) => !(error instanceof Error && error.name === 'WebhookError'))).toBe(true); // the outage was reported

        // The server stays up: it still answers (503 while the store is down; 405 to a GET).
        const later = await kasko('policy.updated', 'After the outage');
        expect((await post(origin, later))?.status).toBe(503);
        expect(await fetch(`${origin}/webhooks/kasko`).then((r) => r.status)).toBe(405);

        if (name.startsWith('reconnecting')) {
          // Redis comes back on the same port: the client reconnects, and the provider's retry of a refused delivery is handled once.
          restarted = spawn('redis-server', ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
          children.push(restarted);
          const deadline = Date.now() + 10_000;
          while (!client.isReady && Date.now() < deadline) await sleep(50);
          expect(client.isReady).toBe(true);
          const refused = answers.find(({ answer }) => answer!.status === 503)!.d;
          expect((await post(origin, refused))?.status).toBe(200);
          expect((await post(origin, refused))?.headers['x-idempotent-replay']).toBe('true');
          expect(of(refused)).toBe(1);
          expect((await post(origin, later))?.status).toBe(200);
        }
      });
    } finally {
      client.destroy();
      await kill();
      if (restarted && restarted.exitCode === null && restarted.signalCode === null) {
        const exited = new Promise((resolve) => restarted!.once('exit', resolve));
        restarted.kill('SIGKILL');
        await exited;
      }
    }
  });
});

describe('a client that disconnects mid-body', () => {
  const cuts = [
    { name: 'content-length larger than what was sent', framing: 'content-length' as const, send: 0.5 },
    { name: 'headers only, no body', framing: 'content-length' as const, send: 0 },
    { name: 'chunked, cut inside a chunk', framing: 'chunked' as const, send: 0.5 },
  ];

  it.each(cuts)('$name: the handler does not run, and the server serves the next request', async ({ framing, send }) => {
    const { count, of } = counter();
    const errors: unknown[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, now: NOW } } })
      .onAny('kasko', (event) => void count(event))
      .onError((error) => void errors.push(error));
    await withServer(webhooks, async ({ origin }) => {
      const d = await kasko('policy.created');
      const body = Buffer.from(d.body);
      const { port } = new URL(origin);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => {});
      let answered = '';
      socket.on('data', (chunk: Buffer) => (answered += chunk.toString('latin1')));
      const head = Object.entries(d.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      const part = body.subarray(0, Math.floor(body.length * send));
      if (framing === 'content-length') {
        socket.write(`POST ${pathOf('kasko')} HTTP/1.1\r\nhost: 127.0.0.1\r\n${head}content-length: ${body.length}\r\n\r\n`);
        socket.write(part);
      } else {
        socket.write(`POST ${pathOf('kasko')} HTTP/1.1\r\nhost: 127.0.0.1\r\n${head}transfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`);
        socket.write(part);
      }
      await sleep(100);
      socket.destroy();
      await closed;
      await sleep(100);

      expect(answered).toBe(''); // nothing was acknowledged
      expect(of(d)).toBe(0); // nor handled
      expect(errors).toEqual([]); // and no refusal or failure was reported for a delivery that never arrived

      // The very same delivery, sent whole, is handled once: the broken attempt did not claim its id.
      expect(await post(origin, d)).toMatchObject({ status: 200 });
      expect(of(d)).toBe(1);
    });
  });
});

// Checked after every test (once its late settlements had time to happen), not by a last test
// that would pass when run alone; test/strength-unhandled.test.ts provokes each late path.
afterEach(async () => {
  await sleep(50);
  expect(unhandled.splice(0)).toEqual([]);
});
