// A review of issue 15's fast paths as a user and an attacker would meet them: the event still a
// plain object, handle()/handleEither() and every adapter never rejecting nor throwing whatever
// user code does, the Node body read without an 'error' listener, and the memory store's order.
import assert from 'node:assert';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { inspect, isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhooks, examples, type IdempotencyStore, type Webhooks } from '../src/index.js';
import { receiveWith } from '../src/core/receive.js';
import { webBackend } from '../src/core/crypto.js';
import { definitions } from '../src/providers/index.js';
import { memoryStore, SYNCHRONOUS } from '../src/idempotency/memory.js';
import { nodeHandler } from '../src/adapters/node.js';
import { delivery, NOW, SECRET } from './helpers/deliveries.js';

const kaskoOptions = { secret: SECRET, now: NOW };
let counter = 0;
/** A fresh genuine KASKO policy.created (a new delivery id each time). */
async function kasko(type = 'policy.created') {
  const payload = structuredClone((examples.kasko as Record<string, unknown>)[type]) as Record<string, unknown>;
  const built = await delivery('kasko', type, payload);
  const headers = { ...built.headers };
  for (const name of Object.keys(headers)) if (/delivery|webhook-id|event-id/i.test(name)) headers[name] = `review-${++counter}-${Math.random().toString(36).slice(2)}`;
  return { body: built.body, headers, method: 'POST', url: built.url };
}

const settle = async (answered: unknown) => (answered instanceof Promise ? await answered : answered) as { status: number; body: string; headers: Record<string, string> };

describe('the event a handler sees is still a plain object', () => {
  it('deep-equals (strictly) the plain object of its five fields: node:assert, util, vitest', async () => {
    const incoming = await kasko();
    const seen: unknown[] = [];
    const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false }).on('kasko', 'policy.created', (event) => void seen.push(event));
    expect((await settle(webhooks.handleEither('kasko', incoming))).status).toBe(200);
    const event = seen[0] as Record<string, unknown>;
    const plain = { provider: event.provider, type: event.type, deliveryId: event.deliveryId, webhookId: event.webhookId, payload: event.payload };
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(isDeepStrictEqual(event, plain)).toBe(true);
    assert.deepStrictEqual(event, plain);
    expect(event).toStrictEqual(plain);
    expect(inspect(event, { depth: 0 }).startsWith('{')).toBe(true);
    expect(event).toBeInstanceOf(Object);
    expect({ ...event }).toStrictEqual(plain);
    expect(structuredClone(event)).toStrictEqual(plain);
  });

  it('from receive() on Web Crypto: plain, keyed by its signed body like Node’s', async () => {
    const incoming = await kasko('policy.cancelled');
    const event = await receiveWith(webBackend(), definitions.kasko, incoming, kaskoOptions);
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.keys(event)).toEqual(['provider', 'type', 'deliveryId', 'webhookId', 'payload']);
    const { defaultIdempotencyKey } = await import('../src/index.js');
    expect(defaultIdempotencyKey(event)).toMatch(/^kasko:policy\.cancelled:[0-9a-f]{64}$/);
  });

  it('a custom idempotency key function gets the event, and may spread it', async () => {
    const keys: string[] = [];
    const webhooks = createWebhooks({
      providers: { kasko: kaskoOptions },
      logger: false,
      idempotency: {
        key: (event) => {
          const copy = { ...event };
          keys.push(JSON.stringify(Object.keys(copy)));
          return `${copy.provider}:${copy.deliveryId}`;
        },
      },
    }).on('kasko', 'policy.created', () => {});
    expect((await settle(webhooks.handleEither('kasko', await kasko()))).status).toBe(200);
    expect(keys).toEqual([JSON.stringify(['provider', 'type', 'deliveryId', 'webhookId', 'payload'])]);
  });
});

/** handleEither() must neither throw nor return a rejecting Promise; `handle()` must resolve. */
async function answerOf(webhooks: Webhooks, incoming: Awaited<ReturnType<typeof kasko>>) {
  let answered: unknown;
  expect(() => (answered = webhooks.handleEither('kasko', incoming))).not.toThrow();
  const either = await settle(answered);
  const viaHandle = await webhooks.handle('kasko', { ...incoming, headers: { ...incoming.headers } });
  return { either, viaHandle };
}

describe('handle() and handleEither() never throw nor reject, whatever user code does', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  afterEach(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  const failing: Record<string, () => unknown> = {
    'throws synchronously': () => {
      throw new Error('sync');
    },
    'throws a non-Error': () => {
      throw undefined;
    },
    'returns a rejected Promise': () => Promise.reject(new Error('async')),
    'returns a thenable whose then throws': () => ({
      then() {
        throw new Error('then');
      },
    }),
    'returns an object whose then getter throws': () => ({
      get then() {
        throw new Error('getter');
      },
    }),
  };
  for (const [name, handler] of Object.entries(failing)) {
    for (const observing of [false, true]) {
      it(`a handler that ${name} answers 500, then the retry runs again${observing ? ' (onDelivery on)' : ''}`, async () => {
        let calls = 0;
        const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false }).on('kasko', 'policy.created', () => {
          calls++;
          return handler();
        });
        if (observing) webhooks.onDelivery(() => {});
        const incoming = await kasko();
        const { either, viaHandle } = await answerOf(webhooks, incoming);
        expect(either.status).toBe(500);
        expect(viaHandle.status).toBe(500);
        expect(calls).toBe(2); // released after the first failure: the retry ran
      });
    }
  }

  it('a handler returning an object with a non-function then is a success (not awaited)', async () => {
    const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, telemetry: false }).on('kasko', 'policy.created', () => ({ then: 42 }));
    const answered = webhooks.handleEither('kasko', await kasko());
    expect(answered).not.toBeInstanceOf(Promise);
    expect((answered as { status: number }).status).toBe(200);
  });

  it('onError, onDelivery and the logger throwing change no answer', async () => {
    const logger = {
      warn: () => {
        throw new Error('warn');
      },
      error: () => {
        throw new Error('error');
      },
    };
    for (const setup of [
      (w: Webhooks) =>
        w.onError(() => {
          throw new Error('onError');
        }),
      (w: Webhooks) => w.onError(() => Promise.reject(new Error('onError async'))),
      (w: Webhooks) =>
        w.onDelivery(() => {
          throw new Error('onDelivery');
        }),
      (w: Webhooks) => w,
    ]) {
      const webhooks = setup(
        createWebhooks({ providers: { kasko: kaskoOptions }, logger }).on('kasko', 'policy.created', () => {
          throw new Error('handler');
        }),
      );
      expect((await answerOf(webhooks, await kasko())).either.status).toBe(500);
      const ok = setup(createWebhooks({ providers: { kasko: kaskoOptions }, logger }).on('kasko', 'policy.created', () => {}));
      expect((await answerOf(ok, await kasko())).either.status).toBe(200);
      // A forged delivery (reported as a refusal) also answers as before.
      const forged = await kasko();
      const { either } = await answerOf(ok, { ...forged, body: forged.body.replace('{', '{ ') });
      expect(either.status).toBe(401);
    }
  });

  it('an idempotency.key that throws or returns a non-string is a 500 that runs no handler', async () => {
    for (const key of [
      () => {
        throw new Error('key');
      },
      () => 42 as unknown as string,
      () => Promise.resolve('k') as unknown as string,
    ]) {
      for (const observing of [false, true]) {
        let calls = 0;
        const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, idempotency: { key } }).on('kasko', 'policy.created', () => void calls++);
        if (observing) webhooks.onDelivery(() => {});
        const { either, viaHandle } = await answerOf(webhooks, await kasko());
        expect([either.status, viaHandle.status, calls]).toEqual([500, 500, 0]);
      }
    }
  });

  it('a memory store whose claim, complete or release throws: 503 before the handler, the answer kept after it', async () => {
    for (const failing of ['claim', 'complete', 'release'] as const) {
      const store = memoryStore();
      const sync = store[SYNCHRONOUS] as unknown as Record<string, (...args: unknown[]) => unknown>;
      sync[failing] = () => {
        throw new Error(`${failing} failed`);
      };
      let calls = 0;
      const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, idempotency: { store } }).on('kasko', 'policy.created', () => {
        calls++;
        if (failing === 'release') throw new Error('handler');
      });
      const { either, viaHandle } = await answerOf(webhooks, await kasko());
      expect(either.status).toBe(failing === 'claim' ? 503 : failing === 'complete' ? 200 : 500);
      // Not recorded (a lost write): the claim stays until its lease lapses, so the retry is a 409.
      expect(viaHandle.status).toBe(failing === 'claim' ? 503 : 409);
      expect(calls).toBe(failing === 'claim' ? 0 : 1);
    }
  });

  it('an async store that rejects or throws at claim, complete or release', async () => {
    for (const failing of ['claim', 'complete', 'release'] as const) {
      for (const how of ['reject', 'throw'] as const) {
        const inner = memoryStore();
        const store: IdempotencyStore = {
          claim: (k, l) => inner.claim(k, l),
          complete: (k, t, r, ttl) => inner.complete(k, t, r, ttl),
          release: (k, t) => inner.release(k, t),
        };
        (store as unknown as Record<string, () => unknown>)[failing] = () => {
          if (how === 'throw') throw new Error(`${failing} threw`);
          return Promise.reject(new Error(`${failing} rejected`));
        };
        const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, idempotency: { store } }).on('kasko', 'policy.created', () => {
          if (failing === 'release') throw new Error('handler');
        });
        const { either } = await answerOf(webhooks, await kasko());
        expect(either.status).toBe(failing === 'claim' ? 503 : failing === 'complete' ? 200 : 500);
      }
    }
  });

  it('handlerTimeoutMs: a synchronous handler answers at once, a slow one 503, a failing one 500', async () => {
    const make = (handler: () => unknown) => createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, telemetry: false, handlerTimeoutMs: 30 }).on('kasko', 'policy.created', handler);
    expect((await answerOf(make(() => {}), await kasko())).either.status).toBe(200);
    // A synchronous handler has finished: answered without a Promise (no timer either).
    let ran = 0;
    const finished = make(() => void ran++).handleEither('kasko', await kasko());
    expect(finished).not.toBeInstanceOf(Promise);
    expect([(finished as { status: number }).status, ran]).toEqual([200, 1]);
    expect((await answerOf(make(() => new Promise((resolve) => setTimeout(resolve, 200))), await kasko())).either.status).toBe(503);
    expect((await answerOf(make(() => new Promise(() => {})), await kasko())).either.status).toBe(503);
    expect(
      (
        await answerOf(
          make(() => {
            throw new Error('x');
          }),
          await kasko(),
        )
      ).either.status,
    ).toBe(500);
    expect((await answerOf(make(() => ({ then: () => {} })), await kasko())).either.status).toBe(503);
  });
});

/** A Node server whose handler is `handler`, recording what each call's Promise saw when it settled. */
async function nodeServer(webhooks: Webhooks) {
  const handler = nodeHandler(webhooks, 'kasko');
  const settled: { ended: boolean; headersSent: boolean }[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    void handler(req, res).then(() => settled.push({ ended: res.writableEnded || res.destroyed, headersSent: res.headersSent || res.destroyed }));
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    settled,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes raw HTTP on a new socket; resolves with what came back when the server closed it or after `waitMs`. */
function raw(port: number, chunks: string[], { endAfter = false, waitMs = 400 } = {}): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let closedByServer = false;
    socket.on('data', (data) => (text += data.toString('latin1')));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', () => {});
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (endAfter) socket.destroy();
    });
    setTimeout(() => {
      socket.destroy();
      resolve({ text, closedByServer });
    }, waitMs);
  });
}

describe('nodeHandler: the Promise, a client that leaves, the limit, keep-alive, a failing stream', () => {
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (reason) => void unhandled.push(reason));
  process.on('uncaughtException', (error) => void unhandled.push(error));
  afterEach(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  it('settles only after the answer is written, synchronous or asynchronous handler', async () => {
    for (const handler of [() => {}, () => new Promise((resolve) => setTimeout(resolve, 20))]) {
      const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, telemetry: false }).on('kasko', 'policy.created', handler);
      const server = await nodeServer(webhooks);
      try {
        const incoming = await kasko();
        const answer = await fetch(`http://127.0.0.1:${server.port}${incoming.url}`, { method: 'POST', headers: incoming.headers, body: incoming.body });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-length')).toBe(String(Buffer.byteLength(await answer.text())));
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(server.settled).toEqual([{ ended: true, headersSent: true }]);
      } finally {
        await server.close();
      }
    }
  });

  it('a client that leaves mid-body (declared length, or chunked) runs no handler, is recorded aborted, and its request is closed', async () => {
    let calls = 0;
    const outcomes: string[] = [];
    const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false }).on('kasko', 'policy.created', () => void calls++);
    webhooks.onDelivery((record) => void outcomes.push(record.outcome));
    const server = await nodeServer(webhooks);
    try {
      const incoming = await kasko();
      const head = Object.entries(incoming.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      const half = incoming.body.slice(0, 100);
      await raw(server.port, [`POST ${incoming.url} HTTP/1.1\r\nhost: x\r\n${head}content-length: ${Buffer.byteLength(incoming.body)}\r\n\r\n`, half], { endAfter: true, waitMs: 150 });
      await raw(server.port, [`POST ${incoming.url} HTTP/1.1\r\nhost: x\r\n${head}transfer-encoding: chunked\r\n\r\n`, `${Buffer.byteLength(half).toString(16)}\r\n${half}\r\n`], { endAfter: true, waitMs: 150 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(calls).toBe(0);
      expect(outcomes).toEqual(['aborted', 'aborted']);
      expect(server.settled).toHaveLength(2); // each handler's Promise settled
      for (const socket of server.sockets) expect(socket.destroyed).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('keep-alive: many requests on one socket, one answer each, no listener left growing on the socket', async () => {
    const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, telemetry: false }).on('kasko', 'policy.created', () => {});
    const server = await nodeServer(webhooks);
    try {
      const requests: string[] = [];
      for (let i = 0; i < 40; i++) {
        const incoming = await kasko();
        const head = Object.entries(incoming.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
        requests.push(`POST ${incoming.url} HTTP/1.1\r\nhost: x\r\n${head}content-length: ${Buffer.byteLength(incoming.body)}\r\n\r\n${incoming.body}`);
      }
      let counts: number[] = [];
      const { text } = await raw(server.port, requests, { waitMs: 600 });
      counts = [...server.sockets].map((socket) => socket.listenerCount('data') + socket.listenerCount('close') + socket.listenerCount('error') + socket.listenerCount('end'));
      expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(40);
      expect(server.settled).toHaveLength(40);
      expect(counts).toHaveLength(1);
      expect(counts[0]).toBeLessThan(12);
    } finally {
      await server.close();
    }
  });

  it('a body over the limit: 413, the handler not run, the connection then closed', { timeout: 10_000 }, async () => {
    let calls = 0;
    const webhooks = createWebhooks({ providers: { kasko: { ...kaskoOptions, maxBodyBytes: 1024 } }, logger: false, telemetry: false }).on('kasko', 'policy.created', () => void calls++);
    const server = await nodeServer(webhooks);
    try {
      const chunk = 'x'.repeat(4096);
      // The client never sends the rest it declared: answered, then its connection closed (discardRest's 2 s).
      const declared = await raw(server.port, [`POST /webhooks/kasko HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n`, chunk], { waitMs: 2600 });
      expect(declared.text).toMatch(/^HTTP\/1\.1 413 /);
      expect(declared.closedByServer).toBe(true);
      const chunked = await raw(server.port, [`POST /webhooks/kasko HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n`, `${(4096).toString(16)}\r\n${chunk}\r\n`, `${(4096).toString(16)}\r\n${chunk}\r\n`], { waitMs: 300 });
      expect(chunked.text).toMatch(/^HTTP\/1\.1 413 /);
      expect(calls).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a request stream that fails (light-my-request, a payload stream that errors) is an abort, not a crash', async () => {
    const { inject } = await import('light-my-request');
    const { Readable } = await import('node:stream');
    let calls = 0;
    const outcomes: string[] = [];
    const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false }).on('kasko', 'policy.created', () => void calls++);
    webhooks.onDelivery((record) => void outcomes.push(record.outcome));
    const handler = nodeHandler(webhooks, 'kasko');
    const incoming = await kasko();
    let done = 0;
    const dispatch = (req: http.IncomingMessage, res: http.ServerResponse) => void handler(req, res).then(() => void done++);
    // simulate.error: the request emits 'error' after its body (light-my-request's own switch).
    const settledOrLeft = (injected: Promise<unknown>) => Promise.race([injected.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 300))]);
    await settledOrLeft(inject(dispatch, { method: 'POST', url: incoming.url, headers: incoming.headers, payload: incoming.body, simulate: { error: true, end: false, split: false, close: false } }));
    const failing = new Readable({ read() {} });
    failing.push(incoming.body.slice(0, 50));
    setTimeout(() => failing.destroy(new Error('upstream failed')), 20);
    await settledOrLeft(inject(dispatch, { method: 'POST', url: incoming.url, headers: incoming.headers, payload: failing }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(0);
    expect(outcomes).toEqual(['aborted', 'aborted']);
    expect(done).toBe(2);
  });

  it('a sync.respond answer with its own content-length: the length written is that of the body', async () => {
    const webhooks = createWebhooks({
      providers: { insurup: { secret: SECRET, now: NOW } },
      logger: false,
      telemetry: false,
      sync: { respond: (decision) => ({ status: decision.allow ? 200 : 422, headers: { 'content-type': 'application/json', 'content-length': '2' }, body: JSON.stringify({ ...decision, note: 'taksit sayısı' }) }) },
    }).on('insurup', 'proposal_premium.purchasing', () => ({ allow: true }));
    const handler = nodeHandler(webhooks, 'insurup');
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const built = await delivery('insurup', 'proposal_premium.purchasing', { proposalId: 'p', productId: 1, installmentNumber: 1, paymentType: 'CreditCard' });
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${built.url}`, { method: 'POST', headers: built.headers, body: built.body });
      const text = await answer.text();
      expect(answer.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      expect(JSON.parse(text)).toMatchObject({ allow: true, note: 'taksit sayısı' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('memoryStore: its order checked by the entry’s part, against a plain model', () => {
  /** The store's rules with no cleverness: every lapsed entry dropped first, the oldest completed key evicted for room. */
  function model(maxEntries: number) {
    const entries = new Map<string, { token: string; response: string | undefined; expiresAt: number; seq: number }>();
    let seq = 0;
    const sweep = (time: number) => {
      for (const [key, entry] of entries) if (entry.expiresAt <= time) entries.delete(key);
    };
    const makeRoom = () => {
      if (entries.size < maxEntries) return;
      const claims = [...entries.values()].filter((entry) => entry.response === undefined).length;
      if (claims >= maxEntries) throw new Error('full');
      while (entries.size >= maxEntries) {
        const oldest = [...entries].filter(([, entry]) => entry.response !== undefined).sort((a, b) => a[1].seq - b[1].seq)[0]!;
        entries.delete(oldest[0]);
      }
    };
    return {
      entries,
      claim(key: string, token: string | undefined, leaseMs: number, time: number) {
        sweep(time);
        const entry = entries.get(key);
        if (entry) return entry.response === undefined ? { state: 'in_progress' } : { state: 'done', response: entry.response };
        makeRoom();
        entries.set(key, { token: token!, response: undefined, expiresAt: time + leaseMs, seq: seq++ });
        return { state: 'claimed' };
      },
      complete(key: string, token: string, response: string, ttlMs: number, time: number) {
        sweep(time);
        const previous = entries.get(key);
        entries.delete(key);
        try {
          makeRoom();
        } catch (error) {
          if (previous) entries.set(key, previous);
          throw error;
        }
        entries.set(key, { token, response, expiresAt: time + ttlMs, seq: seq++ });
      },
      release(key: string, token: string) {
        const entry = entries.get(key);
        if (entry && entry.response === undefined && entry.token === token) entries.delete(key);
      },
    };
  }

  it('agrees with the model over random claims, out-of-order and late completions, stale releases and full stores', () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 30; round++) {
      let time = 1_000;
      const maxEntries = 3 + random(5);
      const store = memoryStore({ maxEntries, now: () => time });
      const sync = store[SYNCHRONOUS];
      const reference = model(maxEntries);
      const tokens: { key: string; token: string }[] = [];
      for (let step = 0; step < 400; step++) {
        time += random(40);
        const key = `k${random(10)}`;
        const op = random(4);
        const where = `round ${round} step ${step} op ${op} ${key}`;
        if (op <= 1) {
          let real: unknown;
          try {
            real = sync.claim(key, 100);
          } catch (error) {
            real = { state: (error as Error).name };
          }
          const token = (real as { token?: string }).token;
          let expected: unknown;
          try {
            expected = reference.claim(key, token, 100, time);
          } catch {
            expected = { state: 'StoreFullError' };
          }
          expect({ where, ...(real as object), token: undefined }).toEqual({ where, ...(expected as object), token: undefined });
          if (token) tokens.push({ key, token });
        } else if (op === 2 && tokens.length > 0) {
          // Any token handed out so far: its own, lapsed and re-claimed by another, or long done.
          const { key: held, token } = tokens[random(tokens.length)]!;
          const response = `{"status":200,"body":"${step}"}`;
          let real = 'ok';
          try {
            sync.complete(held, token, response, 300);
          } catch (error) {
            real = (error as Error).name;
          }
          let expected = 'ok';
          try {
            reference.complete(held, token, response, 300, time);
          } catch {
            expected = 'StoreFullError';
          }
          expect({ where, real }).toEqual({ where, real: expected });
        } else if (tokens.length > 0) {
          const { key: held, token } = tokens[random(tokens.length)]!;
          sync.release(random(5) === 0 ? 'unknown' : held, random(5) === 0 ? 'stale' : token);
          reference.release(held, token);
          if (random(5) === 0) reference.release('unknown', 'stale');
        }
        // The store sweeps on claim/complete only; compare after the same sweep.
        const live = [...reference.entries.values()].filter((entry) => entry.expiresAt > time).length;
        expect({ where, size: store.size <= maxEntries }).toEqual({ where, size: true });
        if (op <= 2) expect({ where, size: store.size }).toEqual({ where, size: live });
      }
      // Everything lapses: one claim later, the store holds that claim alone, and its bytes agree.
      time += 10_000;
      expect(sync.claim('last', 100)).toMatchObject({ state: 'claimed' });
      const fresh = memoryStore({ maxEntries, now: () => time });
      fresh[SYNCHRONOUS].claim('last', 100);
      expect([store.size, store.bytes]).toEqual([1, fresh.bytes]);
      sync.release('last', 'nope');
      expect(store.size).toBe(1);
    }
  });
});

describe('memoryStore: a completion refused for want of bytes keeps the claim, and the store stays consistent', () => {
  it('re-adds the claim in its place, then evicts, sweeps and counts bytes as if nothing happened', () => {
    let time = 0;
    const store = memoryStore({ maxEntries: 100, maxBytes: 2000, now: () => time });
    const sync = store[SYNCHRONOUS];
    const empty = store.bytes;
    const a = sync.claim('a', 100) as { token: string };
    const b = sync.claim('b', 100) as { token: string };
    const claimsBytes = store.bytes;
    // Too big to fit beside claim b (claims are never evicted): refused, claim a kept.
    expect(() => sync.complete('a', a.token, `{"status":200,"body":"${'x'.repeat(900)}"}`, 300)).toThrow(expect.objectContaining({ name: 'StoreFullError' }));
    expect([store.size, store.bytes]).toEqual([2, claimsBytes]);
    expect(sync.claim('a', 100)).toEqual({ state: 'in_progress' });
    // Completed small, then more completions evict the oldest completed first.
    sync.complete('a', a.token, '{"status":200,"body":"a"}', 300);
    sync.release('b', 'stale');
    expect(sync.claim('b', 100)).toEqual({ state: 'in_progress' });
    sync.release('b', b.token);
    for (let i = 0; i < 30; i++) {
      const claim = sync.claim(`k${i}`, 100) as { token: string };
      sync.complete(`k${i}`, claim.token, `{"status":200,"body":"${'y'.repeat(20)}"}`, 300);
      expect(store.bytes).toBeLessThanOrEqual(2000);
    }
    expect(sync.claim('a', 100)).toMatchObject({ state: 'claimed' }); // evicted as the oldest completed
    expect(sync.claim('k29', 100)).toMatchObject({ state: 'done' });
    // The re-added claim's lease lapses like any other: everything gone, bytes back to nothing.
    time += 1_000;
    const z = sync.claim('z', 100) as { state: string; token: string };
    expect(z.state).toBe('claimed');
    expect(store.size).toBe(1);
    sync.release('z', z.token);
    expect([store.size, store.bytes]).toEqual([0, empty]);
  });
});

describe('sync events (InsurUp proposal_premium.purchasing) through handleEither, observed or not, with an inbox', () => {
  const purchasing = { proposalId: 'p', productId: 1, installmentNumber: 1, paymentType: 'CreditCard' };
  const insurup = async (payload: unknown) => {
    const built = await delivery('insurup', 'proposal_premium.purchasing', payload);
    return { body: built.body, headers: built.headers, method: 'POST', url: built.url };
  };
  it('allow 200, block 422, a throwing or hanging decision blocked, never a throw or a rejection', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { pgliteInbox } = await import('../src/inbox/pglite.js');
    const db = new PGlite();
    try {
      for (const withInbox of [false, true]) {
        for (const observing of [false, true]) {
          const inbox = withInbox ? { inbox: { store: pgliteInbox({ db, table: `review_${observing}` }), worker: false as const } } : {};
          const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET, now: NOW } }, logger: false, telemetry: false, sync: { deadlineMs: 100 }, ...inbox }).on('insurup', 'proposal_premium.purchasing', (event) => {
            const { installmentNumber, paymentType } = event.payload as typeof purchasing;
            if (paymentType === 'Hang') return new Promise(() => {});
            if (paymentType === 'Throw') throw new Error('decision failed');
            return installmentNumber > 6 ? { allow: false, reason: 'at most 6' } : undefined;
          });
          if (observing) webhooks.onDelivery(() => {});
          const cases: [unknown, number, unknown][] = [
            [purchasing, 200, { allow: true }],
            [{ ...purchasing, installmentNumber: 9 }, 422, { allow: false, reason: 'at most 6' }],
            [{ ...purchasing, paymentType: 'Hang' }, 422, { allow: false }],
            [{ ...purchasing, paymentType: 'Throw' }, 422, { allow: false }],
          ];
          for (const [payload, status, body] of cases) {
            let answered: unknown;
            expect(() => (answered = webhooks.handleEither('insurup', undefined as never))).not.toThrow();
            expect((await settle(answered)).status).toBe(500); // undefined incoming: ours, reported, 500
            const incoming = await insurup(payload);
            expect(() => (answered = webhooks.handleEither('insurup', incoming))).not.toThrow();
            const response = await settle(answered);
            expect([response.status, JSON.parse(response.body)]).toEqual([status, expect.objectContaining(body as object)]);
          }
          await webhooks.close();
        }
      }
    } finally {
      await db.close();
    }
  });
});

describe('Fastify: the route and the 415 error-handler path, through inject()', () => {
  it('a Content-Type Fastify cannot parse is read from the raw request: 200; a raw stream that fails is answered, no crash', async () => {
    const Fastify = (await import('fastify')).default;
    const { fastifyWebhooks } = await import('../src/adapters/fastify.js');
    const errors: unknown[] = [];
    const onUncaught = (error: unknown) => void errors.push(error);
    process.on('uncaughtException', onUncaught);
    let calls = 0;
    const webhooks = createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, telemetry: false }).on('kasko', 'policy.created', () => void calls++);
    const app = Fastify();
    await app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/webhooks/kasko' }));
    try {
      const ok = await kasko();
      const routed = await app.inject({ method: 'POST', url: ok.url.replace(/^\/webhooks\/in/, '/webhooks/kasko'), headers: ok.headers, payload: ok.body });
      // The signed url differs from the route's: KASKO does not sign the url, so this is a 200.
      expect(routed.statusCode).toBe(200);
      const odd = await kasko('policy.cancelled');
      webhooks.on('kasko', 'policy.cancelled', () => void calls++);
      const viaErrorHandler = await app.inject({ method: 'POST', url: '/webhooks/kasko', headers: { ...odd.headers, 'content-type': 'application' }, payload: odd.body });
      expect(viaErrorHandler.statusCode).toBe(200);
      expect(calls).toBe(2);
      const failing = await kasko('policy.updated');
      webhooks.on('kasko', 'policy.updated', () => void calls++);
      const answered = await Promise.race([
        app.inject({ method: 'POST', url: '/webhooks/kasko', headers: { ...failing.headers, 'content-type': 'application' }, payload: failing.body, simulate: { error: true, end: false, split: false, close: false } }),
        new Promise((resolve) => setTimeout(() => resolve('no answer'), 1000)),
      ]);
      expect(answered === 'no answer' || (answered as { statusCode: number }).statusCode >= 500).toBe(true);
      expect(calls).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await app.close();
    }
  });
});
