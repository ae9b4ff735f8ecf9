import { describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { createWebhooks, memoryStore, type IdempotencyStore, type WebhookEvent } from '../src/index.js';
import { redisStore } from '../src/idempotency/redis.js';
import { delivery, options, SECRET } from './helpers/deliveries.js';
import { missing, SYSTEM_PROGRAMS } from './helpers/system.js';
import { redisForSuite, startRedis } from './helpers/redis-server.js';

const redis = redisForSuite();

async function newRedisStore(): Promise<IdempotencyStore> {
  const client = await redis.connect();
  return redisStore({ send: (args) => client.sendCommand(args), prefix: `test:${Math.random()}:` });
}

const stores: [string, () => Promise<IdempotencyStore>][] = [
  ['memory', async () => memoryStore()],
  ['redis', () => newRedisStore()],
];

/** Two "instances" (routers) sharing one store, with a slow handler that counts its runs. */
function instances(store: IdempotencyStore, behaviour: { failFirst?: boolean } = {}) {
  const runs: WebhookEvent[] = [];
  let failures = behaviour.failFirst ? 1 : 0;
  const make = () =>
    createWebhooks({ providers: { kasko: { secret: SECRET, now: options.now } }, idempotency: { store } }).onAny('kasko', async (event) => {
      runs.push(event);
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (failures > 0) {
        failures--;
        throw new Error('transient failure');
      }
    });
  return { runs, a: make(), b: make() };
}

describe.each(stores)('%s store', (name, create) => {
  const skip = () => name === 'redis' && !redis.handle;

  it('runs the handler exactly once for concurrent duplicates across instances', async (context) => {
    if (skip() && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const { runs, a, b } = instances(await create());
    const d = await delivery('kasko', 'policy.created');
    const incoming = { body: d.body, headers: d.headers };
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).handle('kasko', incoming)));
    expect(runs).toHaveLength(1);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19); // retryable: "being handled"
    // Once handled, a duplicate is acknowledged with the original answer, without running again.
    const later = await b.handle('kasko', incoming);
    expect(later.status).toBe(200);
    expect(later.headers['x-idempotent-replay']).toBe('true');
    expect(JSON.parse(later.body)).toEqual(JSON.parse(responses.find((r) => r.status === 200)!.body));
    expect(runs).toHaveLength(1);
  });

  it('releases the id when the handler fails, so the retry runs it', async (context) => {
    if (skip() && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const { runs, a, b } = instances(await create(), { failFirst: true });
    const d = await delivery('kasko', 'policy.updated');
    const incoming = { body: d.body, headers: d.headers };
    expect((await a.handle('kasko', incoming)).status).toBe(500);
    expect((await b.handle('kasko', incoming)).status).toBe(200);
    expect((await a.handle('kasko', incoming)).status).toBe(200);
    expect(runs).toHaveLength(2);
  });

  it('forgets a delivery after its TTL', async (context) => {
    if (skip() && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const store = await create();
    const first = await store.claim('k', 1000);
    expect(first.state).toBe('claimed');
    expect((await store.claim('k', 1000)).state).toBe('in_progress');
    await store.complete('k', (first as { token: string }).token, '{"status":200,"body":""}', 60);
    expect(await store.claim('k', 1000)).toEqual({ state: 'done', response: '{"status":200,"body":""}' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await store.claim('k', 1000)).state).toBe('claimed');
  });

  it('a release by a stale claim does not free a newer claim', async (context) => {
    if (skip() && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const store = await create();
    const stale = await store.claim('lease', 30);
    await new Promise((resolve) => setTimeout(resolve, 80)); // the lease lapses
    const fresh = await store.claim('lease', 60_000);
    expect(fresh.state).toBe('claimed');
    await store.release('lease', (stale as { token: string }).token);
    expect((await store.claim('lease', 60_000)).state).toBe('in_progress');
  });
});

describe('memory store bounds', () => {
  it('evicts expired entries and never holds more than maxEntries', async () => {
    let time = 0;
    const store = memoryStore({ maxEntries: 100, now: () => time });
    for (let i = 0; i < 1000; i++) {
      const claim = await store.claim(`id-${i}`, 1000);
      await store.complete(`id-${i}`, (claim as { token: string }).token, '{}', 10_000);
      time += 1;
    }
    expect(store.size).toBeLessThanOrEqual(101);
    time += 20_000;
    await store.claim('after-ttl', 1000);
    expect(store.size).toBe(1);
  });
});

describe('a Redis store that goes away', () => {
  it('answers 503 (retryable) and runs nothing, and the process stays up', async (context) => {
    if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const own = (await startRedis())!; // installed: checked above
    const client = createClient({ url: own.url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    const errors: unknown[] = [];
    const { runs, a } = instances(redisStore({ send: (args) => client.sendCommand(args) }));
    a.onError((error) => void errors.push(error));
    const d = await delivery('kasko', 'offer.created');
    expect((await a.handle('kasko', { body: d.body, headers: d.headers })).status).toBe(200);
    await own.stop();
    const second = await delivery('kasko', 'policy.cancelled');
    const response = await a.handle('kasko', { body: second.body, headers: second.headers });
    expect(response.status).toBe(503);
    expect(runs).toHaveLength(1);
    expect(errors.length).toBeGreaterThan(0);
  });
});
