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
    const make = (handler: () => unknown) => createWebhooks({ providers: { kasko: kaskoOptions }, logger: false, handlerTimeoutMs: 30 }).on('kasko', 'policy.created', handler);
    expect((await answerOf(make(() => {}), await kasko())).either.status).toBe(200);
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
