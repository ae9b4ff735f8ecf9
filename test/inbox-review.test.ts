// Review findings on the inbox (issue 16), each a regression test that failed before its fix:
// authentic deliveries PostgreSQL's text and jsonb types cannot hold as JSON strings (NUL, lone
// surrogates) are stored, not answered 503 until the provider gives up; a duplicate of a delivery
// still pending starts this process's worker; handler errors with NUL are recorded; the dashboard
// answers a malformed path 404 (not "store failed"); `inbox show --json` of a large body stays JSON.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooks, examples } from '../src/index.js';
import type { InboxStore } from '../src/inbox/index.js';
import { dashboardResponder } from '../src/inbox/dashboard/handler.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import { postgresInbox } from '../src/inbox/postgres.js';
import { runCli } from '../src/cli/run.js';
import { memoryIo } from '../src/cli/io.js';
import { delivery, NOW, SECRET } from './helpers/deliveries.js';
import { startPostgres, type PostgresServer } from './helpers/postgres.js';
import { available, skipFor, SYSTEM_PROGRAMS } from './helpers/system.js';

let db: PGlite;
let tables = 0;
let server: PostgresServer | undefined;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
  if (available(SYSTEM_PROGRAMS.postgresql)) server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await db?.close();
  await server?.stop();
});

const providers = { coverkit: { secret: SECRET, now: NOW }, kasko: { secret: SECRET, now: NOW } };
const coverkit = (examples.coverkit as unknown as Record<string, Record<string, unknown>>)['policy.created']!;

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const stores: [string, (context: { skip: (note?: string) => void }) => InboxStore][] = [
  ['PGlite', () => pgliteInbox({ db, table: `review_${++tables}` })],
  [
    'PostgreSQL',
    (context) => {
      if (!server) skipFor(context as never, SYSTEM_PROGRAMS.postgresql);
      return postgresInbox({ connectionString: server!.url, table: `review_${++tables}`, max: 2 });
    },
  ],
];

describe.each(stores)('%s', (_name, open) => {
  it('keeps an authentic delivery whose type or id holds NUL or a lone surrogate (202, body exact), never a 503 the provider retries until it gives up', async (context) => {
    const store = open(context);
    const webhooks = createWebhooks({ providers, logger: false, inbox: { store, worker: false } });
    const payloads = [
      { ...coverkit, id: 'evt_nul_type', type: 'policy.cre\u0000ated' },
      { ...coverkit, id: 'evt_surrogate_type', type: 'policy.cre\ud800ated' },
      { ...coverkit, id: 'evt_n\u0000ul', type: 'policy.nope' },
      { ...coverkit, id: 'evt_s\udc00ur', type: 'policy.nope' },
    ];
    const ids: string[] = [];
    for (const payload of payloads) {
      const sent = await delivery('coverkit', 'policy.created', payload);
      const response = await webhooks.handle('coverkit', sent);
      expect(response.status, response.body).toBe(202);
      const id = JSON.parse(response.body).inboxId as string;
      ids.push(id);
      const stored = await store.get(id);
      expect(stored!.state).toBe('unknown');
      expect(new TextDecoder().decode(stored!.body)).toBe(sent.body);
    }
    // Two ids that differ only in what the database cannot hold are still two deliveries.
    const other = await webhooks.handle('coverkit', await delivery('coverkit', 'policy.created', { ...coverkit, id: 'evt_s\udc01ur', type: 'policy.nope' }));
    expect(other.headers['x-idempotent-replay']).toBeUndefined();
    // And a retry of one is still a duplicate.
    const again = await webhooks.handle('coverkit', await delivery('coverkit', 'policy.created', payloads[3]));
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(JSON.parse(again.body).inboxId).toBe(ids[3]);
    await webhooks.close(); // closes the store too
  });

  it('records a handler failure whose message holds NUL (retrying, not a write that throws until the lease lapses)', async (context) => {
    const store = open(context);
    const webhooks = createWebhooks({ providers, logger: false, inbox: { store, retry: { baseMs: 60_000, jitter: false }, worker: { pollMs: 20 } } }).on('kasko', 'policy.created', () => {
      throw new Error('downstream said \u0000 and \ud800');
    });
    const response = await webhooks.handle('kasko', await delivery('kasko', 'policy.created'));
    const id = JSON.parse(response.body).inboxId as string;
    await until(async () => (await store.get(id))?.state === 'retrying');
    expect((await store.get(id))!.lastError).toContain('downstream said');
    await webhooks.close(); // closes the store too
  });
});

describe('the in-process worker', () => {
  it('starts on a duplicate of a delivery still pending (its first capture committed after its 503)', async () => {
    const inner = pgliteInbox({ db, table: `review_${++tables}` });
    let slow = true;
    // The first capture commits, but after the router's captureTimeoutMs: the provider saw a 503.
    const store = new Proxy(inner, {
      get(target, name) {
        if (name === 'capture')
          return async (...args: Parameters<InboxStore['capture']>) => {
            const result = await target.capture(...args);
            if (slow) {
              slow = false;
              await new Promise((resolve) => setTimeout(resolve, 300));
            }
            return result;
          };
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let runs = 0;
    const webhooks = createWebhooks({ providers, logger: false, inbox: { store, captureTimeoutMs: 50, worker: { pollMs: 20 } } }).on('kasko', 'policy.created', () => void runs++);
    const sent = await delivery('kasko', 'policy.created');
    expect((await webhooks.handle('kasko', sent)).status).toBe(503);
    await until(async () => (await inner.counts()).pending === 1);
    // The provider's retry: a duplicate. No other delivery arrives; the pending one must still run.
    const retried = await webhooks.handle('kasko', sent);
    expect(retried.headers['x-idempotent-replay']).toBe('true');
    await until(async () => (await inner.counts()).handled === 1, 3000);
    expect(runs).toBe(1);
    await webhooks.close();
  });
});

describe('dashboard', () => {
  it('answers a delivery path with a malformed escape 404, without reporting a store failure', async () => {
    const failures: unknown[] = [];
    const respond = dashboardResponder({ store: pgliteInbox({ db, table: `review_${++tables}` }), onError: (error) => failures.push(error) });
    const response = await respond({ method: 'GET', url: '/deliveries/%E0%A4%A', header: () => undefined, form: async () => new URLSearchParams() });
    expect(response.status).toBe(404);
    expect(failures).toEqual([]);
  });
});

describe('inbox show --json', () => {
  it('prints a JSON body larger than the display limit as valid JSON, marked truncated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inbox-review-'));
    try {
      const store = pgliteInbox({ dataDir: dir });
      const body = JSON.stringify({ ...coverkit, id: 'evt_big', note: 'x'.repeat(300 * 1024) });
      const { id } = await store.capture({ provider: 'coverkit', eventType: 'policy.created', method: 'POST', headers: {}, body: new TextEncoder().encode(body), validation: { ok: true }, state: 'pending' });
      await store.close();
      const io = memoryIo();
      const code = await runCli(['inbox', 'show', id, '--store', dir, '--json'], io);
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const shown = JSON.parse(io.out()) as { truncated?: boolean; body?: string; payload?: unknown };
      expect(shown.truncated).toBe(true);
      expect(shown.body!.length).toBe(256 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('inbox list and prune: usage errors, not crashes or lost deliveries', () => {
  it('refuses a hand-edited --cursor, and prune of deliveries not yet done, with exit 2 and nothing deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inbox-review-'));
    try {
      const store = pgliteInbox({ dataDir: dir });
      await store.capture({ provider: 'kasko', eventType: 'policy.created', method: 'POST', headers: {}, body: new TextEncoder().encode('{}'), validation: { ok: true }, state: 'pending', receivedAt: new Date(Date.now() - 86_400_000) });
      await store.close();
      const run = async (args: string[]) => {
        const io = memoryIo();
        return { code: await runCli(['inbox', ...args, '--store', dir], io), err: io.err() };
      };
      const cursor = await run(['list', '--cursor', '1 OR 1=1']);
      expect(cursor.code).toBe(2);
      expect(cursor.err).toMatch(/--cursor must be a cursor a previous page printed/);
      expect(cursor.err).not.toMatch(/TypeError|at /);
      for (const state of ['pending', 'retrying', 'processing', 'handled,pending']) {
        const pruned = await run(['prune', '--older-than', '1h', '--state', state]);
        expect(pruned.code).toBe(2);
        expect(pruned.err).toMatch(/not done/);
      }
      const reopened = pgliteInbox({ dataDir: dir });
      expect((await reopened.counts()).pending).toBe(1);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the embedded store', () => {
  it('recovers from a failed table creation (its session is not left in an aborted transaction)', async () => {
    const own = new PGlite();
    try {
      // A table of that name from something else: the inbox's index on it fails.
      await own.exec('CREATE TABLE clash (id int)');
      const store = pgliteInbox({ db: own, table: 'clash' });
      const capture = () => store.capture({ provider: 'kasko', eventType: 'policy.created', method: 'POST', headers: {}, body: new Uint8Array(), validation: { ok: true }, state: 'pending' });
      await expect(capture()).rejects.toThrow(/does not exist/);
      await own.exec('DROP TABLE clash');
      expect((await capture()).duplicate).toBe(false);
    } finally {
      await own.close();
    }
  });
});

describe('shutdown', () => {
  it('a capture after worker.stop() or close() is stored (202) but starts no handler run in this process', async () => {
    for (const how of ['stop', 'close'] as const) {
      const store = pgliteInbox({ db, table: `review_${++tables}` }); // a PGlite of ours: close() leaves it open
      let runs = 0;
      const webhooks = createWebhooks({ providers, logger: false, inbox: { store, worker: { pollMs: 20 } } }).on('kasko', 'policy.created', () => void runs++);
      const first = await webhooks.handle('kasko', await delivery('kasko', 'policy.created', { ...(examples.kasko as unknown as Record<string, Record<string, unknown>>)['policy.created'], policy_id: `P-${how}-1` }));
      await until(async () => (await store.get(JSON.parse(first.body).inboxId))?.state === 'handled');
      if (how === 'stop') await webhooks.work().stop();
      else await webhooks.close();
      const late = await webhooks.handle('kasko', await delivery('kasko', 'policy.created', { ...(examples.kasko as unknown as Record<string, Record<string, unknown>>)['policy.created'], policy_id: `P-${how}-2` }));
      expect(late.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await store.get(JSON.parse(late.body).inboxId))?.state).toBe('pending');
      expect(runs).toBe(1);
      // An explicit work() runs it.
      const worker = webhooks.work({ pollMs: 20 });
      await until(async () => (await store.get(JSON.parse(late.body).inboxId))?.state === 'handled');
      await worker.stop();
    }
  });
});

describe('a handler that throws something that is not an Error', () => {
  it('records it as a failed attempt (no unhandled rejection from its message)', async () => {
    const store = pgliteInbox({ db, table: `review_${++tables}` });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const webhooks = createWebhooks({ providers, logger: false, inbox: { store, retry: { baseMs: 60_000, jitter: false }, worker: { pollMs: 20 } } }).on('kasko', 'policy.created', () => {
        throw Object.assign(Object.create(null) as object, { code: 'E_DOWN' });
      });
      const response = await webhooks.handle('kasko', await delivery('kasko', 'policy.created'));
      const id = JSON.parse(response.body).inboxId as string;
      await until(async () => (await store.get(id))?.state === 'retrying', 3000);
      expect((await store.get(id))!.lastError).toBeTruthy();
      await webhooks.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe('sync events with an inbox', () => {
  it('are answered without waiting for the recording (a slow store never holds a decision past its deadline), then recorded', async () => {
    const inner = pgliteInbox({ db, table: `review_${++tables}` });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const store = new Proxy(inner, {
      get(target, name) {
        if (name === 'capture') return async (...args: Parameters<InboxStore['capture']>) => (await released, target.capture(...args));
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET, now: NOW } }, logger: false, inbox: { store, captureTimeoutMs: 60_000, worker: false } }).on('insurup', 'proposal_premium.purchasing', () => ({ allow: true }));
    // The store holds the recording until released: the answer must not wait for it.
    const response = await webhooks.handle('insurup', await delivery('insurup', 'proposal_premium.purchasing'));
    expect(response.status).toBe(200);
    release();
    await until(async () => (await inner.counts()).sync === 1);
    await webhooks.close();
  }, 10_000);
});

describe('bounds', () => {
  it('a cursor beyond bigint is a bad request on the dashboard (400, nothing reported), not a store failure', async () => {
    const failures: unknown[] = [];
    const respond = dashboardResponder({ store: pgliteInbox({ db, table: `review_${++tables}` }), onError: (error) => failures.push(error) });
    const response = await respond({ method: 'GET', url: '/?cursor=9999999999999999999', header: () => undefined, form: async () => new URLSearchParams() });
    expect(response.status).toBe(400);
    expect(failures).toEqual([]);
  });

  it('refuses a fractional concurrency (a worker that would never claim) at work()', async () => {
    const webhooks = createWebhooks({ providers, logger: false, inbox: { store: pgliteInbox({ db, table: `review_${++tables}` }), worker: false } });
    expect(() => webhooks.work({ concurrency: 0.5 })).toThrow(/whole number/);
  });
});

describe('inbox serve on loopback', () => {
  it('refuses a request whose Host is another name (DNS rebinding), serves localhost and 127.0.0.1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inbox-review-'));
    const store = pgliteInbox({ dataDir: dir });
    await store.ready();
    await store.close();
    const stop = new AbortController();
    const io = memoryIo({ signal: stop.signal });
    const running = runCli(['inbox', 'serve', '--port', '0', '--store', dir], io);
    try {
      await expect.poll(() => io.out(), { timeout: 20_000 }).toMatch(/^inbox dashboard on http:\/\/127\.0\.0\.1:(\d+)\//);
      const port = Number(/:(\d+)\//.exec(io.out())![1]);
      const get = (host: string) =>
        new Promise<number>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject);
        });
      expect(await get('attacker.example')).toBe(421);
      expect(await get(`attacker.example:${port}`)).toBe(421);
      expect(await get(`localhost:${port}`)).toBe(200);
      expect(await get(`127.0.0.1:${port}`)).toBe(200);
    } finally {
      stop.abort();
      expect(await running).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
