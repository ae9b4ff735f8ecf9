// What deduplication promises through the router (README, "Idempotency"): a full memory store
// answers 503 and never runs a duplicate concurrently; a lost complete() keeps the 2xx and makes
// handling at-least-once; the Redis store sends bounded keys; an invalid lease fails closed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWebhooks, memoryStore, sign, examples, type IdempotencyStore, type WebhookEvent } from '../src/index.js';
import { redisStore } from '../src/idempotency/redis.js';
import { MAX_KEY_LENGTH } from '../src/idempotency/key.js';
import { NOW, SECRET } from './helpers/deliveries.js';
import { missing, SYSTEM_PROGRAMS } from './helpers/system.js';
import { redisForSuite } from './helpers/redis-server.js';

const redis = redisForSuite();

/** A signed KASKO policy.created with the given delivery id. */
/** A KASKO delivery of its own: the key is the signed body (the delivery header is not signed), so each id gets its own body too. */
async function kasko(deliveryId: string) {
  const body = JSON.stringify({ ...(examples.kasko['policy.created'] as object), policy_id: deliveryId });
  return { body, headers: await sign('kasko', { type: 'policy.created', body, timestamp: NOW, deliveryId }, SECRET) };
}

/** A router whose handler counts runs per delivery id and, with `gate`, waits until it opens. */
function router(idempotency: { store: IdempotencyStore; leaseSeconds?: number; key?: (event: WebhookEvent) => string | undefined }, gate?: Promise<void>) {
  const runs = new Map<string, number>();
  const errors: unknown[] = [];
  const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, now: NOW } }, idempotency, logger: false })
    .onAny('kasko', async (event) => {
      runs.set(event.deliveryId!, (runs.get(event.deliveryId!) ?? 0) + 1);
      await gate;
    })
    .onError((error) => void errors.push(error));
  return { webhooks, runs, errors };
}

/** `store` with a complete() that always fails: the write that records a success is lost. */
const losingCompletes = (store: IdempotencyStore): IdempotencyStore => ({
  claim: (key, leaseMs) => store.claim(key, leaseMs),
  complete: async () => {
    throw new Error('complete() lost');
  },
  release: (key, token) => store.release(key, token),
});

const connect = (url: string) => redis.connect(url);

async function newRedisStore(wait?: { replicas: number; timeoutMs: number }): Promise<{ store: IdempotencyStore; sent: string[][] }> {
  const client = await connect(redis.handle!.url);
  const sent: string[][] = [];
  const send = (args: string[]) => (sent.push(args), client.sendCommand(args));
  const store = redisStore({ send, prefix: `guarantees:${Math.random()}:`, ...(wait ? { wait } : {}) });
  return { store, sent };
}

describe('a memory store full of deliveries in progress', () => {
  it('answers a new delivery 503 (retryable) without running it, and a duplicate 409, never a second run', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { webhooks, runs, errors } = router({ store: memoryStore({ maxEntries: 2 }) }, gate);
    const [a, b, c] = await Promise.all(['id-a', 'id-b', 'id-c'].map(kasko));
    const running = [webhooks.handle('kasko', a!), webhooks.handle('kasko', b!)];
    await new Promise((resolve) => setTimeout(resolve, 10)); // both claimed, handlers waiting
    const refused = await webhooks.handle('kasko', c!);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'store_unavailable' });
    expect(errors).toContainEqual(expect.objectContaining({ name: 'StoreFullError' }));
    expect((await webhooks.handle('kasko', a!)).status).toBe(409); // in_progress, not a fresh claim
    expect(runs).toEqual(new Map([['id-a', 1], ['id-b', 1]]));
    open();
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    // Completed keys make room: the provider's retry of the refused delivery is handled.
    expect((await webhooks.handle('kasko', c!)).status).toBe(200);
    expect(runs.get('id-c')).toBe(1);
  });
});

describe('a lost complete(): at-least-once', () => {
  it('memory: the success still answers 2xx; a duplicate gets 409 until the lease lapses, then runs again', async () => {
    let time = 0;
    const store = losingCompletes(memoryStore({ now: () => time }));
    const { webhooks, runs, errors } = router({ store, leaseSeconds: 1 });
    const d = await kasko('lost-complete');
    expect((await webhooks.handle('kasko', d)).status).toBe(200);
    expect(errors).toContainEqual(expect.objectContaining({ message: 'complete() lost' }));
    expect((await webhooks.handle('kasko', d)).status).toBe(409); // the claim is still live
    time += 999;
    expect((await webhooks.handle('kasko', d)).status).toBe(409);
    time += 1;
    expect((await webhooks.handle('kasko', d)).status).toBe(200); // the lease lapsed: handled again
    expect(runs.get('lost-complete')).toBe(2);
  });

  it('memory, for contrast: when complete() is kept, the duplicate after the lease is a replay', async () => {
    let time = 0;
    const { webhooks, runs } = router({ store: memoryStore({ now: () => time }), leaseSeconds: 1 });
    const d = await kasko('kept-complete');
    expect((await webhooks.handle('kasko', d)).status).toBe(200);
    time += 1_000;
    const again = await webhooks.handle('kasko', d);
    expect(again).toMatchObject({ status: 200, headers: { 'x-idempotent-replay': 'true' } });
    expect(runs.get('kept-complete')).toBe(1);
  });

  it('redis: the same, with a 50 ms lease', async (context) => {
    if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const { store } = await newRedisStore();
    const { webhooks, runs } = router({ store: losingCompletes(store), leaseSeconds: 0.05 });
    const d = await kasko('lost-complete-redis');
    expect((await webhooks.handle('kasko', d)).status).toBe(200);
    expect((await webhooks.handle('kasko', d)).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await webhooks.handle('kasko', d)).status).toBe(200);
    expect(runs.get('lost-complete-redis')).toBe(2);
  });
});

describe('redis store keys', () => {
  it('sends a 16 KB key (a custom idempotency.key) as a 71-character digest, and still deduplicates it', async (context) => {
    if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const { store, sent } = await newRedisStore();
    // Delivery ids from headers are bounded (200 characters); a key function may still make long keys.
    const { webhooks, runs } = router({ store, key: (event) => `${'x'.repeat(16_384)}${event.deliveryId}` });
    const id = 'long-a';
    const d = await kasko(id);
    expect((await webhooks.handle('kasko', d)).status).toBe(200);
    const replay = await webhooks.handle('kasko', d);
    expect(replay.headers['x-idempotent-replay']).toBe('true');
    expect(runs.get(id)).toBe(1);
    const keys = sent.map((args) => (args[0] === 'EVAL' ? args[3]! : args[1]!));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/:sha256:[0-9a-f]{64}$/);
    // Another long key differing only in its last character is another key.
    expect((await webhooks.handle('kasko', await kasko('long-b'))).status).toBe(200);
    expect(runs.size).toBe(2);
  });

  it('keeps keys up to MAX_KEY_LENGTH readable', async (context) => {
    if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const { store, sent } = await newRedisStore();
    const key = 'k'.repeat(MAX_KEY_LENGTH);
    await store.claim(key, 1_000);
    expect(sent[0]![1]!.endsWith(':' + key)).toBe(true);
  });

  it('refuses a NaN lease before sending anything', async (context) => {
    if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const { store, sent } = await newRedisStore();
    await expect(store.claim('k', NaN)).rejects.toThrow(RangeError);
    expect(sent).toHaveLength(0);
  });
});

describe('redis store wait (replicas acknowledge a completion)', () => {
  it('rejects complete() when fewer replicas acknowledge it in time', async (context) => {
    if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const { store } = await newRedisStore({ replicas: 1, timeoutMs: 20 }); // the test server has no replica
    const claim = await store.claim('k', 1_000);
    await expect(store.complete('k', (claim as { token: string }).token, '{}', 60_000)).rejects.toThrow('0 of 1 Redis replicas');
    expect(() => redisStore({ send: async () => 'OK', wait: { replicas: 1, timeoutMs: 0 } })).toThrow(RangeError); // WAIT … 0 blocks forever
  });

  it('resolves once a replica has the record', async (context) => {
    if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return;
    const primary = await connect(redis.handle!.url);
    await primary.sendCommand(['CONFIG', 'SET', 'repl-diskless-sync', 'yes', 'repl-diskless-sync-delay', '0']); // no 5 s wait, no RDB file
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'redis-replica-')); // where the replica may write its RDB
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--replicaof', '127.0.0.1', String(redis.handle!.port)];
    const replica = spawn('redis-server', args, { stdio: 'ignore', cwd: dir });
    try {
      for (let i = 0; i < 100 && !String(await primary.sendCommand(['INFO', 'replication'])).includes('state=online'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { store } = await newRedisStore({ replicas: 1, timeoutMs: 1_000 });
      const claim = await store.claim('k', 1_000);
      await expect(store.complete('k', (claim as { token: string }).token, '{}', 60_000)).resolves.toBeUndefined();
    } finally {
      await new Promise((resolve) => (replica.exitCode === null ? (replica.once('exit', resolve), replica.kill('SIGKILL')) : resolve(undefined)));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an invalid lease fails closed', () => {
  it('leaseSeconds NaN (an unset environment variable): refused at start-up, not deduplication switched off', () => {
    expect(() => router({ store: memoryStore(), leaseSeconds: Number(process.env.UNSET_LEASE_FOR_TEST) })).toThrow(
      'insurance-webhooks: idempotency.leaseSeconds must be a finite number above 0 (got NaN)',
    );
  });

  it('a store called with a NaN lease anyway (another caller) refuses the claim: 503 and no run', async () => {
    const store = memoryStore();
    await expect(store.claim('k', Number.NaN)).rejects.toBeInstanceOf(RangeError);
  });
});
