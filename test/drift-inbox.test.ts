// Drift from the inbox: genuine signed deliveries received by createWebhooks({ inbox }) into a real
// embedded store (PGlite, a directory as a user has one), then `insurance-webhooks drift
// --deliveries inbox --store DIR` run in-process. Every documented example is clean (exit 0); an
// extra field, a missing field, a retyped field and an unknown event type are each named with
// counts and an inbox:<id> example (exit 1), whatever state the inbox kept them in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooks, examples } from '../src/index.js';
import { runCli } from '../src/cli/run.js';
import { memoryIo, type CliIo } from '../src/cli/io.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import type { InboxStore } from '../src/inbox/types.js';
import { inboxSource, runTrafficDrift, type TrafficReport } from '../src/drift/index.js';
import { allExamples, delivery, everyProvider, NOW, SECRET } from './helpers/deliveries.js';
import type { Provider } from '../src/core/event.js';

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function drift(args: string[], overrides: Partial<CliIo> = {}) {
  const io = memoryIo({ env: {}, ...overrides });
  const code = await runCli(['drift', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

/**
 * A store directory filled by a real receiver: each delivery signed as its provider signs, sent
 * through handle() (verified, validated, captured), the receiver (and its store) closed so the CLI can open the directory.
 * Returns the inbox id of each delivery, by name.
 */
async function inboxWith(deliveries: Array<{ name: string; provider: Provider; type: string; payload: unknown }>): Promise<{ dir: string; ids: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-drift-inbox-'));
  temps.push(dir);
  const store = pgliteInbox({ dataDir: dir });
  const webhooks = createWebhooks({ providers: everyProvider({ secret: SECRET, now: NOW }), logger: false, inbox: { store, worker: false } });
  const ids: Record<string, string> = {};
  try {
    for (const { name, provider, type, payload } of deliveries) {
      const response = await webhooks.handle(provider, await delivery(provider, type, payload));
      // A synchronous event (InsurUp's *sync*) is answered inline and kept as `sync`, without an inboxId in the answer.
      const id = (JSON.parse(response.body) as { inboxId?: string }).inboxId;
      if (response.status >= 400) throw new Error(`${name}: refused (${response.status} ${response.body})`);
      if (id) ids[name] = id;
    }
  } finally {
    await webhooks.close(); // closes the inbox store too
  }
  return { dir, ids };
}

const policyCreated = examples.kasko['policy.created'] as unknown as Record<string, unknown>;
const { email: _email, ...withoutEmail } = policyCreated;

describe('drift --deliveries inbox', () => {
  let drifted: { dir: string; ids: Record<string, string> };
  beforeAll(async () => {
    drifted = await inboxWith([
      { name: 'extra1', provider: 'kasko', type: 'policy.created', payload: { ...policyCreated, policy_id: 'P-1', phone: '+49 30 1234' } },
      { name: 'extra2', provider: 'kasko', type: 'policy.created', payload: { ...policyCreated, policy_id: 'P-2', phone: '+49 30 5678' } },
      { name: 'missing', provider: 'kasko', type: 'policy.created', payload: { ...withoutEmail, policy_id: 'P-3' } },
      { name: 'retyped', provider: 'kasko', type: 'policy.created', payload: { ...policyCreated, policy_id: 'P-4', gross_premium: '19.99' } },
      { name: 'unknown', provider: 'kasko', type: 'policy.renewed', payload: { ...policyCreated, policy_id: 'P-5' } },
      { name: 'clean', provider: 'coverkit', type: 'policy.created', payload: examples.coverkit['policy.created'] },
    ]);
  }, 60_000);

  it('names the extra, missing and retyped field and the unknown event type, with counts and an inbox:<id> example: exit 1', async () => {
    const { ids, dir } = drifted;
    const json = await drift(['--deliveries', 'inbox', '--store', dir, '--json']);
    expect(json.err).toBe('');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as TrafficReport;
    expect(report).toMatchObject({ clean: false, deliveries: 6, source: `inbox ${dir}`, unreadable: [] });
    const kasko = report.providers.find((p) => p.provider === 'kasko')!;
    expect(kasko.unknownEvents).toEqual([{ event: 'policy.renewed', count: 1, example: `inbox:${ids.unknown}` }]);
    const event = kasko.events.find((e) => e.event === 'policy.created')!;
    expect(event).toMatchObject({ schemaFile: 'schemas/kasko/policy.created.schema.json', doc: 'kasko-webhooks.md', deliveries: 4 });
    // The store lists newest first: findings in the order first seen, the extra field's example the later of its two.
    expect(event.findings).toEqual([
      expect.objectContaining({ kind: 'retyped', path: 'gross_premium', detail: 'number → string', count: 1, example: `inbox:${ids.retyped}`, docLine: 108 }),
      expect.objectContaining({ kind: 'missing', path: 'email', detail: '', count: 1, example: `inbox:${ids.missing}`, docLine: 104 }),
      expect.objectContaining({ kind: 'added', path: 'phone', detail: 'string', count: 2, example: `inbox:${ids.extra2}`, docLine: 97 }),
    ]);
    expect(report.providers.find((p) => p.provider === 'coverkit')).toMatchObject({ deliveries: 1, changes: 0, unknownEvents: [], problems: [] });
    expect(report.changes).toBe(4);

    const text = await drift(['--deliveries', 'inbox', '--store', dir]);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(new RegExp(`^6 deliveries from inbox ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    expect(text.out).toContain(`  + event policy.renewed: no schema — 1 delivery, e.g. inbox:${ids.unknown}`);
    expect(text.out).toContain(`    + phone (string): not in the schema — 2 of 4, e.g. inbox:${ids.extra2}`);
    expect(text.out).toContain(`    - email: required, missing — 1 of 4, e.g. inbox:${ids.missing}`);
    expect(text.out).toContain(`    ~ gross_premium: number → string — 1 of 4, e.g. inbox:${ids.retyped}`);
    expect(text.out).toMatch(/drift: 4 change\(s\)\n$/);
  });

  it('reads every state the inbox keeps: the drifted deliveries were stored pending, invalid and unknown', async () => {
    const store = pgliteInbox({ dataDir: drifted.dir });
    try {
      const states = Object.fromEntries(await Promise.all(Object.entries(drifted.ids).map(async ([name, id]) => [name, (await store.get(id))!.state])));
      expect(states).toEqual({ extra1: 'pending', extra2: 'pending', missing: 'invalid', retyped: 'invalid', unknown: 'unknown', clean: 'pending' });
      // Paged: two records a page, every delivery read once, bodies as stored.
      const pages: Array<string | undefined> = [];
      const spy = {
        list: (filter: Parameters<InboxStore['list']>[0]) => {
          pages.push(filter?.cursor);
          return store.list(filter);
        },
        get: (id: string) => store.get(id),
      } as InboxStore;
      const refs: string[] = [];
      for await (const entry of inboxSource(spy, {}, { pageSize: 2 }).entries()) refs.push(entry.ref);
      expect(refs.sort()).toEqual(Object.values(drifted.ids).map((id) => `inbox:${id}`).sort());
      expect(pages.length).toBe(3);
      expect(pages[0]).toBeUndefined();
      // The store's filter narrows the source: only the invalid ones.
      const invalid = await runTrafficDrift({ source: inboxSource(store, { state: 'invalid' }) });
      expect(invalid.deliveries).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('--provider and --since filter the inbox: the CoverKit delivery alone is clean (exit 0); nothing since tomorrow is clean', async () => {
    const coverkit = await drift(['--deliveries', 'inbox', '--store', drifted.dir, '--provider', 'coverkit']);
    expect(coverkit.out).toMatch(/^1 delivery from inbox /);
    expect(coverkit.out).toMatch(/drift: none\n$/);
    expect(coverkit.code).toBe(0);
    const later = await drift(['--deliveries', 'inbox', '--store', drifted.dir, '--since', new Date(Date.now() + 864e5).toISOString(), '--json']);
    expect(JSON.parse(later.out)).toMatchObject({ clean: true, deliveries: 0 });
    expect(later.code).toBe(0);
  });

  it('$INSURANCE_WEBHOOKS_INBOX names the inbox as for the inbox commands', async () => {
    const { code, out } = await drift(['--deliveries', 'inbox', '--json'], { env: { INSURANCE_WEBHOOKS_INBOX: drifted.dir } });
    expect(JSON.parse(out)).toMatchObject({ deliveries: 6, changes: 4 });
    expect(code).toBe(1);
  });

  it('bad usage exits 2: no inbox named, a directory that is not an inbox, inbox options without --deliveries inbox, a bad --since', async () => {
    const none = await drift(['--deliveries', 'inbox']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('--store DIR or --database-url URL is required');
    const notInbox = await drift(['--deliveries', 'inbox', '--store', tmpdir()]);
    expect(notInbox.code).toBe(2);
    expect(notInbox.err).toContain('no embedded inbox at');
    const stray = await drift(['--store', drifted.dir]);
    expect(stray.code).toBe(2);
    expect(stray.err).toContain('--store names or filters the inbox; use it with --deliveries inbox');
    expect((await drift(['--deliveries', tmpdir(), '--provider', 'kasko'])).code).toBe(2);
    expect((await drift(['--deliveries', 'inbox', '--store', drifted.dir, '--since', 'yesterday'])).code).toBe(2);
    expect((await drift(['--deliveries', 'inbox', '--store', drifted.dir, '--provider', 'acme'])).code).toBe(2);
  });
});

describe('drift --deliveries inbox: a clean inbox', () => {
  it('every documented example, received and kept by a real receiver, is clean: exit 0', async () => {
    const { dir } = await inboxWith(allExamples.map(({ provider, type, payload }, index) => ({ name: String(index), provider, type, payload })));
    const { code, out, err } = await drift(['--deliveries', 'inbox', '--store', dir]);
    expect(err).toBe('');
    expect(out).toMatch(new RegExp(`^${allExamples.length} deliveries from inbox `));
    expect(out).toMatch(/drift: none\n$/);
    expect(code).toBe(0);
  }, 60_000);
});
