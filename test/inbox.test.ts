// The durable inbox (docs/inbox.md): capture before the 2xx, duplicates refused at capture, handlers
// run from the inbox with the attempt number, backoff and dead letters, invalid and unknown
// deliveries kept and replayable, sync events answered inline and recorded, a lapsed lease taken
// over. The store contract runs against PGlite and a real PostgreSQL server.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooks, examples, UsageError, type WebhooksOptions } from '../src/index.js';
import { PermanentFailure, replayDelivery, retryDelay, type DeliveryAttempt, type InboxStore } from '../src/inbox/index.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import { postgresInbox } from '../src/inbox/postgres.js';
import { delivery, NOW, SECRET } from './helpers/deliveries.js';
import { startPostgres, type PostgresServer } from './helpers/postgres.js';
import { available, skipFor, SYSTEM_PROGRAMS } from './helpers/system.js';

let db: PGlite;
let tables = 0;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 120_000);
afterAll(() => db?.close());

/** A fresh table in the shared embedded database: each test its own inbox. */
const freshInbox = () => pgliteInbox({ db, table: `inbox_test_${++tables}` });

const providers = { kasko: { secret: SECRET, now: NOW }, insurup: { secret: SECRET, now: NOW } };
const fast = { baseMs: 20, maxMs: 80, maxAttempts: 3, jitter: false };
const config = (store: InboxStore, extra: Partial<WebhooksOptions> = {}): WebhooksOptions => ({ providers, logger: false, inbox: { store, retry: fast, worker: { pollMs: 20 } }, ...extra });

/** A KASKO policy.created whose body (and so idempotency key) is its own. */
const policy = (n: number) => delivery('kasko', 'policy.created', { ...examples.kasko['policy.created'], policy_id: `P-${n}` });

/** Waits until `check` holds (the workers run in the background), at most `ms`. */
async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('createWebhooks({ inbox })', () => {
  it('commits the delivery before the 202, then runs the handler from the inbox with the attempt and the key', async () => {
    const store = freshInbox();
    const seen: DeliveryAttempt[] = [];
    const webhooks = createWebhooks({ ...config(store), inbox: { store, worker: false } }).on('kasko', 'policy.created', (_event, attempt) => {
      seen.push(attempt!);
    });
    const response = await webhooks.handle('kasko', await policy(1));
    expect(response.status).toBe(202);
    const { inboxId } = JSON.parse(response.body) as { inboxId: string };
    // Stored and not yet handled: nothing runs in this process (worker: false).
    const stored = await store.get(inboxId);
    expect(stored).toMatchObject({ provider: 'kasko', eventType: 'policy.created', state: 'pending', attempts: 0, validation: { ok: true } });
    expect(new TextDecoder().decode(stored!.body)).toBe((await policy(1)).body);
    expect(stored!.headers['x-kasko-signature']).toBeDefined();
    expect(seen).toEqual([]);
    const worker = webhooks.work({ pollMs: 20 });
    await until(async () => (await store.get(inboxId))?.state === 'handled');
    await worker.stop();
    expect(seen).toEqual([{ id: inboxId, attempt: 1, idempotencyKey: stored!.idempotencyKey, receivedAt: stored!.receivedAt }]);
    expect(stored!.idempotencyKey).toMatch(/^kasko:policy\.created:[0-9a-f]{64}$/);
    await webhooks.close();
  });

  it('refuses a duplicate at capture by idempotency key: a 202 describing the kept delivery, marked a replay, and one handler run', async () => {
    const store = freshInbox();
    let runs = 0;
    const webhooks = createWebhooks(config(store)).on('kasko', 'policy.created', () => void runs++);
    const original = await policy(2);
    const first = await webhooks.handle('kasko', original);
    const { inboxId } = JSON.parse(first.body) as { inboxId: string };
    expect(JSON.parse(first.body)).toEqual({ received: true, queued: true, type: 'policy.created', deliveryId: original.headers['x-kasko-delivery'], inboxId });
    await until(async () => (await store.counts()).handled === 1);
    // The same body under a fresh delivery id header (KASKO's id is unsigned): still the same delivery.
    const repeat = await policy(2);
    expect(repeat.headers['x-kasko-delivery']).not.toBe(original.headers['x-kasko-delivery']);
    const again = await webhooks.handle('kasko', repeat);
    expect(again.status).toBe(202);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    // What the inbox kept, not the repeat: the original delivery id, and where it stands now (handled, not queued).
    expect(again.body).toBe(JSON.stringify({ received: true, duplicate: true, type: 'policy.created', deliveryId: original.headers['x-kasko-delivery'], inboxId, state: 'handled' }));
    expect((await store.list()).records).toHaveLength(1);
    expect(runs).toBe(1);
    await webhooks.close();
  });

  it('retries a failing handler with backoff, and succeeds on a later attempt', async () => {
    const store = freshInbox();
    const attempts: number[] = [];
    const webhooks = createWebhooks(config(store)).on('kasko', 'policy.created', (_event, delivery) => {
      attempts.push(delivery!.attempt);
      if (delivery!.attempt < 3) throw new Error('policy system down');
    });
    const { inboxId } = JSON.parse((await webhooks.handle('kasko', await policy(3))).body);
    await until(async () => (await store.get(inboxId))?.state === 'handled');
    expect(attempts).toEqual([1, 2, 3]);
    expect(await store.get(inboxId)).toMatchObject({ attempts: 3, lastError: null });
    await webhooks.close();
  });

  it('makes a delivery dead after maxAttempts failures; retry() brings it back', async () => {
    const store = freshInbox();
    let down = true;
    const webhooks = createWebhooks(config(store)).on('kasko', 'policy.created', () => {
      if (down) throw new Error('policy system down');
    });
    const { inboxId } = JSON.parse((await webhooks.handle('kasko', await policy(4))).body);
    await until(async () => (await store.get(inboxId))?.state === 'dead');
    expect(await store.get(inboxId)).toMatchObject({ state: 'dead', attempts: 3, lastError: 'Error: policy system down' });
    down = false;
    expect(await store.retry(inboxId)).toBe(true);
    webhooks.work().wake();
    await until(async () => (await store.get(inboxId))?.state === 'handled');
    await webhooks.close();
  });

  it('sends a PermanentFailure straight to dead', async () => {
    const store = freshInbox();
    const webhooks = createWebhooks(config(store)).on('kasko', 'policy.created', () => {
      throw new PermanentFailure('no such policy');
    });
    const { inboxId } = JSON.parse((await webhooks.handle('kasko', await policy(5))).body);
    await until(async () => (await store.get(inboxId))?.state === 'dead');
    expect(await store.get(inboxId)).toMatchObject({ attempts: 1, lastError: 'PermanentFailure: no such policy' });
    await webhooks.close();
  });

  it('keeps an authentic off-schema delivery as invalid (202, no handler), and replays it once it validates', async () => {
    const store = freshInbox();
    let runs = 0;
    // strict: an undocumented field is refused, as a schema that is too narrow would refuse it.
    const strict = createWebhooks({ ...config(store), providers: { kasko: { secret: SECRET, now: NOW, strict: true } } }).on('kasko', 'policy.created', () => void runs++);
    const body = { ...examples.kasko['policy.created'], policy_id: 'P-6', broker_code: 'B-77' };
    const response = await strict.handle('kasko', await delivery('kasko', 'policy.created', body));
    expect(response.status).toBe(202);
    const { inboxId } = JSON.parse(response.body);
    const kept = await store.get(inboxId);
    expect(kept).toMatchObject({ state: 'invalid', eventType: 'policy.created', validation: { ok: false, code: 'payload_invalid' } });
    expect(kept!.validation.errors![0]!.path).toBe('/broker_code');
    // Still invalid under the same rules: stays invalid, with the errors of this validation.
    expect(await replayDelivery(store, inboxId, { strict: true })).toMatchObject({ replayed: true, state: 'invalid' });
    // The "fixed schema" (here: the forward-compatible default) accepts it: pending, then handled.
    expect(await replayDelivery(store, inboxId)).toEqual({ replayed: true, state: 'pending', validation: { ok: true } });
    await strict.close();
    const lenient = createWebhooks(config(store)).on('kasko', 'policy.created', () => void runs++);
    lenient.work();
    await until(async () => (await store.get(inboxId))?.state === 'handled');
    expect(runs).toBe(1);
    await lenient.close();
  });

  it('keeps an unknown event type as unknown, acknowledged 202', async () => {
    const store = freshInbox();
    const webhooks = createWebhooks(config(store));
    const response = await webhooks.handle('kasko', await delivery('kasko', 'policy.exploded', { id: 'x' }));
    expect(response.status).toBe(202);
    expect(await store.get(JSON.parse(response.body).inboxId)).toMatchObject({ state: 'unknown', eventType: 'policy.exploded', validation: { ok: false, code: 'event_unknown' } });
    await webhooks.close();
  });

  it("with unknownEvents: 'reject', answers an unknown type 400 and stores nothing", async () => {
    const store = freshInbox();
    const webhooks = createWebhooks({ ...config(store), unknownEvents: 'reject' });
    expect((await webhooks.handle('kasko', await delivery('kasko', 'policy.exploded', { id: 'y' }))).status).toBe(400);
    expect((await store.list()).records).toEqual([]);
    await webhooks.close();
  });

  it('answers a sync event inline with its decision and records it', async () => {
    const store = freshInbox();
    let runs = 0;
    const webhooks = createWebhooks(config(store)).on('insurup', 'proposal_premium.purchasing', () => {
      runs++;
      return { allow: false, reason: 'blocked' };
    });
    const response = await webhooks.handle('insurup', await delivery('insurup', 'proposal_premium.purchasing'));
    expect(runs).toBe(1);
    // Recorded after the answer (not awaited by it).
    await until(async () => (await store.counts()).sync === 1);
    const [record] = (await store.list({ state: 'sync' })).records;
    expect(record).toMatchObject({ provider: 'insurup', eventType: 'proposal_premium.purchasing', response: { status: response.status, body: response.body } });
    await webhooks.close();
  });

  it('answers 503 when the inbox cannot store the delivery (nothing acknowledged, the provider retries)', async () => {
    const store = freshInbox();
    const broken: InboxStore = Object.assign(Object.create(store) as InboxStore, { capture: () => Promise.reject(new Error('disk full')) });
    for (const method of ['claim', 'renew', 'complete', 'fail', 'get', 'list', 'counts', 'replay', 'retry', 'prune', 'close'] as const) (broken as unknown as Record<string, unknown>)[method] = store[method].bind(store);
    const errors: unknown[] = [];
    const webhooks = createWebhooks({ ...config(broken), logger: undefined }).onError((error) => errors.push(error));
    expect((await webhooks.handle('kasko', await policy(7))).status).toBe(503);
    expect(String(errors[0])).toContain('disk full');
    expect(JSON.parse((await webhooks.handle('kasko', await policy(8))).body)).toMatchObject({ error: 'store_unavailable', message: 'the delivery could not be stored; retry later' });
    await webhooks.close();
  });

  it('refuses an inbox without a store, and wrong retry options, at start-up', () => {
    expect(() => createWebhooks({ providers, inbox: {} as never })).toThrow(/inbox.store must be an InboxStore/);
    for (const wrong of [null, 'postgres://db', 42]) expect(() => createWebhooks({ providers, inbox: wrong as never })).toThrow(new UsageError('insurance-webhooks: inbox.store must be an InboxStore (capture, claim, renew, complete, fail, get, list, counts, replay, retry, prune, close): pgliteInbox(), postgresInbox() or your own'));
    expect(() => createWebhooks({ providers, inbox: { store: freshInbox(), retry: { maxAttempts: 0 } } })).toThrow(/maxAttempts/);
    expect(() => createWebhooks({ providers }).work()).toThrow(/needs createWebhooks\(\{ inbox \}\)/);
  });
});

describe('workers', () => {
  it('renew the lease while a handler runs longer than it: no second worker takes the delivery over', async () => {
    const store = freshInbox();
    const runs: number[] = [];
    const handler = async (_event: unknown, delivery?: DeliveryAttempt) => {
      runs.push(delivery!.attempt);
      await new Promise((resolve) => setTimeout(resolve, 900));
    };
    const a = createWebhooks({ ...config(store), inbox: { store, worker: false } }).on('kasko', 'policy.created', handler);
    const b = createWebhooks({ ...config(store), inbox: { store, worker: false } }).on('kasko', 'policy.created', handler);
    const { inboxId } = JSON.parse((await a.handle('kasko', await policy(8))).body);
    const workers = [a.work({ leaseMs: 300, pollMs: 20 }), b.work({ leaseMs: 300, pollMs: 20 })];
    await until(async () => (await store.get(inboxId))?.state === 'handled');
    await Promise.all(workers.map((worker) => worker.stop()));
    expect(runs).toEqual([1]);
    expect(await store.get(inboxId)).toMatchObject({ attempts: 1 });
  });

  it('count a run that overruns handlerTimeoutMs as a failed attempt (retried, then dead) and let its claim go; stop() does not wait for it', async () => {
    const store = freshInbox();
    const attempts: number[] = [];
    const webhooks = createWebhooks({ ...config(store), inbox: { store, worker: false, retry: fast } }).on('kasko', 'policy.created', (_event, delivery) => {
      attempts.push(delivery!.attempt);
      return new Promise<void>(() => {}); // never settles
    });
    const { inboxId } = JSON.parse((await webhooks.handle('kasko', await policy(10))).body);
    const worker = webhooks.work({ pollMs: 20, handlerTimeoutMs: 50 });
    await until(async () => (await store.get(inboxId))?.state === 'dead');
    await worker.stop(); // resolves although every run still hangs
    expect(attempts).toEqual([1, 2, 3]);
    expect(await store.get(inboxId)).toMatchObject({ attempts: 3, lastError: 'HandlerTimeout: the handlers did not finish within 50 ms (handlerTimeoutMs)' });
    expect(() => webhooks.work({ handlerTimeoutMs: 0 })).toThrow(/handlerTimeoutMs must be a finite number above 0/);
    await webhooks.close();
  });

  it('store headers as received from a Web Headers object or a Node-style object, names lower-cased', async () => {
    const store = freshInbox();
    const webhooks = createWebhooks({ ...config(store), inbox: { store, worker: false } });
    const input = await policy(9);
    const response = await webhooks.handle('kasko', { body: new TextEncoder().encode(input.body), headers: new Headers(input.headers) });
    const stored = await store.get(JSON.parse(response.body).inboxId);
    expect(stored!.headers).toEqual(Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v])));
    await webhooks.close();
  });
});

describe('retryDelay', () => {
  it('doubles from baseMs up to maxMs, and jitters within 50–100 %', () => {
    const policy = { baseMs: 1000, maxMs: 10_000, jitter: false };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, policy))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    for (let i = 0; i < 50; i++) expect(retryDelay(3, { ...policy, jitter: true })).toSatisfy((ms: number) => ms >= 2000 && ms <= 4000);
  });
});

/** The store contract, on each store. */
function contract(name: string, open: (context: { skip(note?: string): void }) => Promise<InboxStore>) {
  describe(`${name}: the InboxStore contract`, () => {
    const capture = (store: InboxStore, key: string | undefined, state: 'pending' | 'invalid' = 'pending') =>
      store.capture({ provider: 'kasko', eventType: 'policy.created', ...(key ? { idempotencyKey: key } : {}), method: 'POST', headers: { 'x-a': 'b' }, body: new Uint8Array([0, 255, 10]), validation: { ok: state === 'pending' }, state });

    it('captures once per idempotency key, also when captures race', async (context) => {
      const store = await open(context);
      const results = await Promise.all(Array.from({ length: 8 }, () => capture(store, 'same-key')));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      // No key: never a duplicate.
      expect((await capture(store, undefined)).duplicate).toBe(false);
      expect((await capture(store, undefined)).duplicate).toBe(false);
      expect((await store.counts()).pending).toBe(3);
      // A duplicate's result describes the kept record: its event type, delivery id and state, not the repeat's.
      const kept = await store.capture({ provider: 'kasko', eventType: 'policy.created', deliveryId: 'first-id', idempotencyKey: 'kept-key', method: 'POST', headers: {}, body: new Uint8Array([1]), validation: { ok: true }, state: 'pending' });
      const repeat = await store.capture({ provider: 'kasko', eventType: 'policy.created', deliveryId: 'second-id', idempotencyKey: 'kept-key', method: 'POST', headers: {}, body: new Uint8Array([1]), validation: { ok: false }, state: 'invalid' });
      expect(kept).toEqual({ id: kept.id, duplicate: false, eventType: 'policy.created', deliveryId: 'first-id', state: 'pending', response: null });
      expect(repeat).toEqual({ id: kept.id, duplicate: true, eventType: 'policy.created', deliveryId: 'first-id', state: 'pending', response: null });
      const record = await store.get(results[0]!.id);
      expect([...record!.body]).toEqual([0, 255, 10]);
      await store.close();
    });

    it('gives each due delivery to one claim at a time; a lapsed lease is claimed again with attempts + 1', async (context) => {
      const store = await open(context);
      for (let i = 0; i < 10; i++) await capture(store, `k${i}`);
      const [a, b] = await Promise.all([store.claim('a', 6, 200), store.claim('b', 6, 200)]);
      const ids = [...a, ...b].map((r) => r.id);
      expect(ids).toHaveLength(10);
      expect(new Set(ids).size).toBe(10);
      expect(await store.claim('c', 5, 200)).toEqual([]);
      // Workers a and b "die": their leases lapse, c takes their deliveries over; their late outcomes are refused.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = await store.claim('c', 20, 60_000);
      expect(again).toHaveLength(10);
      expect(again.every((r) => r.attempts === 2 && r.workerId === 'c')).toBe(true);
      for (const r of [...a, ...b]) expect(await store.complete(r.id, r.claimToken)).toBe(false);
      expect(await store.fail(a[0]!.id, a[0]!.claimToken, 'late', 'dead')).toBe(false);
      expect(await store.complete(again[0]!.id, again[0]!.claimToken)).toBe(true);
      expect(await store.fail(again[1]!.id, again[1]!.claimToken, 'down', new Date(Date.now() + 60_000))).toBe(true);
      expect(await store.fail(again[2]!.id, again[2]!.claimToken, 'down', 'dead')).toBe(true);
      expect(await store.renew(again[3]!.id, again[3]!.claimToken, 60_000)).toBe(true);
      expect(await store.counts()).toMatchObject({ handled: 1, retrying: 1, dead: 1, processing: 7 });
      // Not due yet: a retrying delivery waits for its time.
      expect(await store.claim('d', 10, 1000)).toEqual([]);
      await store.close();
    });

    it('lists newest first with filters and a cursor; replays, retries and prunes', async (context) => {
      const store = await open(context);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await capture(store, `l${i}`, i % 2 ? 'invalid' : 'pending')).id);
      const first = await store.list({ limit: 2 });
      expect(first.records.map((r) => r.id)).toEqual([ids[4], ids[3]]);
      const second = await store.list({ limit: 2, cursor: first.cursor! });
      expect(second.records.map((r) => r.id)).toEqual([ids[2], ids[1]]);
      expect((await store.list({ state: 'invalid' })).records.map((r) => r.id)).toEqual([ids[3], ids[1]]);
      expect((await store.list({ provider: 'insurup' })).records).toEqual([]);
      expect((await store.list({ since: new Date(Date.now() + 60_000) })).records).toEqual([]);
      expect(await store.get('not-a-uuid')).toBeUndefined();
      expect(await store.replay(ids[1]!, { eventType: 'policy.created', deliveryId: null, validation: { ok: true }, state: 'pending' })).toBe(true);
      expect(await store.get(ids[1]!)).toMatchObject({ state: 'pending', validation: { ok: true } });
      expect(await store.retry(ids[3]!)).toBe(false); // invalid: replay, not retry
      const claimed = await store.claim('w', 10, 60_000);
      expect(await store.replay(claimed[0]!.id, { eventType: null, deliveryId: null, validation: { ok: true }, state: 'pending' })).toBe(false); // held by a worker
      const [dead, ...done] = claimed;
      expect(await store.fail(dead!.id, dead!.claimToken, 'downstream gone', 'dead')).toBe(true);
      for (const r of done) await store.complete(r.id, r.claimToken);
      // By default only what is done: a dead letter (never handled) and the invalid one stay.
      expect(await store.prune(new Date(Date.now() + 60_000))).toBe(3);
      expect((await store.list()).records.map((r) => r.id).sort()).toEqual([dead!.id, ids[3]].sort());
      expect(await store.prune(new Date(Date.now() + 60_000), ['dead'])).toBe(1);
      expect((await store.list()).records.map((r) => r.id)).toEqual([ids[3]]);
      await store.close();
    });
  });
}

let tableN = 0;
contract('PGlite (embedded)', async () => pgliteInbox({ db, table: `contract_${++tableN}` }));

let server: PostgresServer | undefined;
describe('PostgreSQL', () => {
  beforeAll(async () => {
    if (available(SYSTEM_PROGRAMS.postgresql)) server = await startPostgres();
  }, 120_000);
  afterAll(() => server?.stop());
  it('is available (or this file says how to install it)', (context) => {
    if (!server) skipFor(context, SYSTEM_PROGRAMS.postgresql);
    expect(server!.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  });
  contract('PostgreSQL (pg)', async (context) => {
    if (!server) skipFor(context, SYSTEM_PROGRAMS.postgresql);
    return postgresInbox({ connectionString: server.url, table: `contract_${++tableN}`, max: 4 });
  });
});

describe('postgresInbox against a database that never answers', () => {
  it('fails fast (connectionTimeoutMillis, default 5000 ms) instead of waiting for the TCP timeout, and close() finishes', async () => {
    const { createServer } = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    // Accepts connections and never says a word: a dropped route, a hung server.
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as import('node:net').AddressInfo;
    try {
      const store = postgresInbox({ connectionString: `postgres://nobody@127.0.0.1:${port}/inbox`, connectionTimeoutMillis: 200 });
      await expect(store.list()).rejects.toThrow(/timeout/i); // without the option: a hang, until the test times out
      await store.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
