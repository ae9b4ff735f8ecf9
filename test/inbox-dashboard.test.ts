// The inbox dashboard over a real embedded store seeded with signed deliveries: its HTTP answers
// (CSRF defences, bounds, escaping, redaction of every provider's signature header) and, in a real
// headless Chromium driven by playwright-core, the operator's path: list → delivery → Replay.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { createWebhooks, providers } from '../src/index.js';
import { nodeHandler } from '../src/adapters/node.js';
import express from 'express';
import type { Provider } from '../src/core/event.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import type { InboxStore } from '../src/inbox/types.js';
import { inboxDashboard, webDashboard } from '../src/inbox/dashboard/index.js';
import { MAX_PAGE_SIZE } from '../src/inbox/dashboard/handler.js';
import { REDACTED } from '../src/inbox/dashboard/redact.js';
import { missing, SYSTEM_PROGRAMS } from './helpers/system.js';
import { captureSigned, firstType, INBOX_SECRET, PROVIDER_NAMES as PROVIDERS, type Send } from './helpers/inbox-deliveries.js';

const HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
const BASE = '/admin/inbox';
/** Where the screenshots go: docs/images with UPDATE_DOCS_IMAGES=1 (docs/inbox.md shows them), else a temporary directory. */
const SCREENSHOTS = process.env.UPDATE_DOCS_IMAGES === '1' ? 'docs/images' : mkdtempSync(join(tmpdir(), 'inbox-screenshots-'));

let store: InboxStore & { ready(): Promise<void> };
let server: http.Server;
let origin: string;
/** The signature value each delivery was sent with, to prove none is ever shown. */
const signatures: string[] = [];
const ids = {} as Record<string, string> & { hostile: string; invalid: string; kasko: string; axitech: string };

const listen = async (handler: http.RequestListener) => {
  const listening = http.createServer(handler);
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { server: listening, origin: `http://127.0.0.1:${(listening.address() as AddressInfo).port}` };
};
const close = (running: http.Server) =>
  new Promise<void>((resolve) => {
    running.closeAllConnections();
    running.close(() => resolve());
  });

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inbox-dashboard-'));
  store = pgliteInbox({ dataDir: join(dir, 'store') });
  await store.ready();
  // The production path: a receiver over HTTP (the Node adapter) captures into the inbox before its
  // 202; a worker then runs the handlers: every delivery is handled except the hostile one, whose
  // downstream "is down" until it is a dead letter.
  const webhooks = createWebhooks({
    providers: Object.fromEntries(PROVIDERS.map((p) => [p, { secret: INBOX_SECRET }])),
    logger: false,
    inbox: { store, worker: false, retry: { baseMs: 10, maxMs: 20, maxAttempts: 2, jitter: false } },
  });
  for (const provider of PROVIDERS) webhooks.onAny(provider, () => {});
  webhooks.on('kasko', 'policy.created', (event) => {
    if (event.payload.first_name.includes('<script')) throw new Error('ECONNREFUSED 10.0.0.7:5432 (policy admin system down)');
  });
  const receiver = await listen(nodeHandler(webhooks, (req) => req.url?.split('/')[2] as Provider));
  const send: Send = async (provider, delivery) => {
    const res = await fetch(`${receiver.origin}/webhooks/${provider}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
    return { status: res.status, body: await res.text() };
  };
  const capture = async (provider: Provider, type: string, overrides?: unknown) => {
    const { id, signature } = await captureSigned(webhooks, provider, type, overrides, send);
    signatures.push(signature);
    return id;
  };
  for (const provider of PROVIDERS) ids[provider] = await capture(provider, firstType(provider));
  ids.hostile = await capture('kasko', 'policy.created', { note: HOSTILE, first_name: HOSTILE });
  ids.invalid = await capture('coverkit', 'policy.created', { data: { premium: 'not a number' } });
  await close(receiver.server);
  const worker = webhooks.work({ pollMs: 20 });
  for (let counts = await store.counts(); counts.pending + counts.retrying + counts.processing > 0; counts = await store.counts()) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await worker.stop();

  ({ server, origin } = await listen(inboxDashboard({ store, basePath: BASE })));
}, 60_000);

afterAll(async () => {
  if (server) await close(server);
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${origin}${path}`, { headers, redirect: 'manual' });
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${origin}${path}`, { method: 'POST', body: new URLSearchParams(form), headers, redirect: 'manual' });
const tokenOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)![1]!;

describe('the dashboard over HTTP', () => {
  it('lists deliveries with state, provider, type and attempts, under its base path only', async () => {
    const res = await get(`${BASE}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*form-action 'self'/);
    const page = await res.text();
    for (const provider of PROVIDERS) expect(page).toContain(`data-id="${ids[provider]}"`);
    expect(page).toMatch(/data-state="dead">dead<\/span><\/td>\s*<td>2<\/td>/);
    expect(page).toContain('ECONNREFUSED 10.0.0.7:5432');
    expect((await get('/elsewhere')).status).toBe(404);
    expect((await get(`${BASE}x/`)).status).toBe(404);
  });

  it('filters by provider and state, and refuses unknown ones with 400', async () => {
    const page = await (await get(`${BASE}/?provider=coverkit&state=invalid`)).text();
    expect(page).toContain(`data-id="${ids.invalid}"`);
    expect(page).not.toContain(`data-id="${ids.coverkit}"`);
    expect(page).not.toContain(`data-id="${ids.kasko}"`);
    expect((await get(`${BASE}/?provider=acme`)).status).toBe(400);
    expect((await get(`${BASE}/?state=lost`)).status).toBe(400);
    expect((await get(`${BASE}/?since=yesterday`)).status).toBe(400);
    expect((await get(`${BASE}/?cursor=not-a-cursor`)).status).toBe(400);
  });

  it('bounds the page: limit is clamped, and the next page is linked', async () => {
    const page = await (await get(`${BASE}/?limit=2`)).text();
    expect(page.match(/<tr data-id=/g)).toHaveLength(2);
    expect(page).toMatch(/rel="next" href="\/admin\/inbox\/\?limit=2&amp;cursor=\d+"/);
    const next = /rel="next" href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    const second = await (await get(next)).text();
    expect(second.match(/<tr data-id=/g)).toHaveLength(2);
    expect(second).not.toContain(/<tr data-id="([^"]+)"/.exec(page)![1]!);
    const all = await (await get(`${BASE}/?limit=100000`)).text();
    expect(all.match(/<tr data-id=/g)!.length).toBeLessThanOrEqual(MAX_PAGE_SIZE);
  });

  it("redacts every provider's signature header (from the registry) and escapes a hostile payload", async () => {
    for (const provider of PROVIDERS) {
      const page = await (await get(`${BASE}/deliveries/${ids[provider]}`)).text();
      const header = providers[provider].transport.signature.header.toLowerCase();
      expect(page, provider).toContain(`<tr><th>${header}</th><td>${REDACTED}</td></tr>`);
    }
    const page = await (await get(`${BASE}/deliveries/${ids.hostile}`)).text();
    for (const signature of signatures) expect(page).not.toContain(signature);
    expect(page).not.toContain('<script>window');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
  });

  it('shows validation errors of an invalid delivery', async () => {
    const page = await (await get(`${BASE}/deliveries/${ids.invalid}`)).text();
    expect(page).toContain('payload_invalid');
    expect(page).toMatch(/<code>\/data\/premium<\/code>/);
  });

  it('refuses a replay without the token, from another site, or from another origin (403), and takes one with it (303)', async () => {
    const path = `${BASE}/deliveries/${ids.kasko}`;
    const token = tokenOf(await (await get(path)).text());
    expect((await post(`${path}/replay`, {})).status).toBe(403);
    expect((await post(`${path}/replay`, { csrf: 'x'.repeat(token.length) })).status).toBe(403);
    expect((await post(`${path}/replay`, { csrf: token }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post(`${path}/replay`, { csrf: token }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await get(path)).status).toBe(200);
    expect((await store.get(ids.kasko))!.state).toBe('handled');
    expect((await get(`${path}/replay`)).status).toBe(405);
    expect((await post(`${path}/replay`, { csrf: token.repeat(200) })).status).toBe(413);
    const res = await post(`${path}/replay`, { csrf: token }, { origin, 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${path}?done=replayed`);
    expect((await store.get(ids.kasko))!.state).toBe('pending');
  });

  it('answers 404 for a delivery that is not there', async () => {
    expect((await get(`${BASE}/deliveries/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await get(`${BASE}/deliveries/%3Cscript%3E`)).status).toBe(404);
  });

  it("mounts in Express behind the app's own auth (req.originalUrl), with a form express.urlencoded parsed first", async () => {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    const auth: express.RequestHandler = (req, res, next) => (req.get('authorization') === 'Bearer ops' ? next() : void res.sendStatus(401));
    app.use(BASE, auth, inboxDashboard({ store, basePath: BASE }));
    const mounted = await listen(app);
    try {
      const authorization = { authorization: 'Bearer ops' };
      expect((await fetch(`${mounted.origin}${BASE}/`)).status).toBe(401);
      expect(await (await fetch(`${mounted.origin}${BASE}/`, { headers: authorization })).text()).toContain(`data-id="${ids.axitech}"`);
      const detail = `${mounted.origin}${BASE}/deliveries/${ids.axitech}`;
      const token = tokenOf(await (await fetch(detail, { headers: authorization })).text());
      const res = await fetch(`${detail}/retry`, { method: 'POST', body: new URLSearchParams({ csrf: token }), headers: authorization, redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`${BASE}/deliveries/${ids.axitech}?done=retry-refused`);
      expect(await (await fetch(`${mounted.origin}${res.headers.get('location')}`, { headers: authorization })).text()).toContain('Not retried: only dead and retrying deliveries can be retried.');
      expect((await store.get(ids.axitech))!.state).toBe('handled');
    } finally {
      await close(mounted.server);
    }
  });

  it('serves the same pages as a Web handler', async () => {
    const handler = webDashboard({ store, basePath: BASE });
    const res = await handler(new Request(`http://dashboard.test${BASE}/deliveries/${ids.axitech}`));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<tr><th>${providers.axitech.transport.signature.header.toLowerCase()}</th><td>${REDACTED}</td></tr>`);
  });
});

describe('the dashboard in a real headless Chromium', () => {
  let browser: BrowserContext | undefined;
  afterAll(async () => browser?.close());

  it('lists deliveries, opens one (signature redacted, hostile payload inert), replays it and shows the new state', async (context) => {
    if (missing(context, SYSTEM_PROGRAMS.chromium)) return;
    const profile = join(dir, 'chromium-profile');
    mkdirSync(profile);
    // A fresh profile; playwright-core downloads nothing and drives Debian's chromium.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => void (dialogs.push(dialog.message()), dialog.dismiss()));

    await page.goto(`${origin}${BASE}/`);
    await expect.poll(() => page.locator('tr[data-id]').count()).toBeGreaterThanOrEqual(PROVIDERS.length + 2);
    await page.screenshot({ path: join(SCREENSHOTS, 'inbox-dashboard.png'), fullPage: true });

    await page.click(`tr[data-id="${ids.hostile}"] a`);
    expect(page.url()).toBe(`${origin}${BASE}/deliveries/${ids.hostile}`);
    const header = providers.kasko.transport.signature.header.toLowerCase();
    expect(await page.locator('table.headers tr', { hasText: header }).locator('td').textContent()).toBe(REDACTED);
    expect(await page.locator('pre.payload').textContent()).toContain('<script>window.__pwned = 1</script>');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('h1 .state').textContent()).toBe('dead');
    await page.setViewportSize({ width: 1280, height: 1100 }); // down to the hostile field
    await page.screenshot({ path: join(SCREENSHOTS, 'inbox-delivery.png') });

    await page.click('button[value="replay"]');
    await page.waitForURL(`${origin}${BASE}/deliveries/${ids.hostile}?done=replayed`);
    expect(await page.locator('[role="status"]').textContent()).toContain('Replayed');
    expect(await page.locator('h1 .state').textContent()).toBe('pending');
    expect((await store.get(ids.hostile))!.state).toBe('pending');
    expect(dialogs).toEqual([]);
  }, 60_000);
});
