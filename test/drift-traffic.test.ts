// Drift from traffic: a folder of captured deliveries (one JSON file each) against the schemas.
// Genuine deliveries of every documented example are clean (exit 0); a folder with an extra field,
// a missing field, a retyped field, a changed format and an unknown event names each, with counts
// and one example file (exit 1); a missing folder is bad usage (exit 2).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../src/cli/io.js';
import { providers } from '../src/index.js';
import { runCli } from '../src/cli/run.js';
import { formatTrafficReport, readCapture, runTrafficDrift, type CapturedDelivery, type DeliverySource, type TrafficReport } from '../src/drift/index.js';
import { allExamples, delivery } from './helpers/deliveries.js';

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iw-traffic-'));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

async function drift(args: string[]) {
  const io = memoryIo();
  const code = await runCli(['drift', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

/** A capture file as a receiver would log a genuine delivery: provider, headers as sent, raw body. */
async function capture(provider: Parameters<typeof delivery>[0], type: string, payload?: unknown) {
  const { headers, body } = await delivery(provider, type, payload);
  return { provider, headers, body };
}

const policyCreated = allExamples.find((e) => e.provider === 'kasko' && e.type === 'policy.created')!.payload as Record<string, unknown>;

describe('drift --deliveries', () => {
  it('genuine deliveries of every documented example are clean: exit 0', async () => {
    const files: Record<string, unknown> = {};
    for (const [index, { provider, type, payload }] of allExamples.entries()) files[`${provider}/${index}.json`] = await capture(provider, type, payload);
    const dir = folder(files);
    const { code, out } = await drift(['--deliveries', dir]);
    expect(out).toMatch(new RegExp(`^${allExamples.length} deliveries from folder `));
    expect(out).toMatch(/drift: none\n$/);
    expect(code).toBe(0);
  });

  it('names an extra field, a missing field, a retyped field, a changed format and an unknown event, with counts and one example each', async () => {
    const { email: _email, ...withoutEmail } = policyCreated;
    const dir = folder({
      'a/extra-1.json': await capture('kasko', 'policy.created', { ...policyCreated, phone: '+49 30 1234' }),
      'a/extra-2.json': await capture('kasko', 'policy.created', { ...policyCreated, phone: '+49 30 5678' }),
      'b/missing.json': await capture('kasko', 'policy.created', withoutEmail),
      'c/retyped.json': await capture('kasko', 'policy.created', { ...policyCreated, gross_premium: '19.99' }),
      'd/format.json': await capture('kasko', 'policy.created', { ...policyCreated, start_date: '18/07/2017' }),
      'e/unknown.json': await capture('kasko', 'policy.renewed', policyCreated),
      'e/unknown-2.json': await capture('kasko', 'policy.renewed', policyCreated),
      // A hand-written capture: the body as a JSON object stands for its text.
      'f/insurup.json': { provider: 'insurup', headers: { 'x-webhook-event': 'proposal_premium.purchased' }, body: { proposalId: 'p', policyId: 'q', productId: 40235, installmentNumber: 1, paymentType: 'CreditCard', policyStartDate: '2024-11-20' } },
    });
    const json = await drift(['--deliveries', dir, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as TrafficReport;
    expect(report).toMatchObject({ clean: false, deliveries: 8, unreadable: [] });
    const kasko = report.providers.find((p) => p.provider === 'kasko')!;
    expect(kasko.unknownEvents).toEqual([{ event: 'policy.renewed', count: 2, example: join('e', 'unknown-2.json') }]);
    const event = kasko.events.find((e) => e.event === 'policy.created')!;
    // The doc lines: the event's example, and each field's line in it (a field it lacks: the example's).
    expect(event).toMatchObject({ schemaFile: 'schemas/kasko/policy.created.schema.json', doc: 'kasko-webhooks.md', docLine: 97, deliveries: 5 });
    expect(event.findings).toEqual([
      expect.objectContaining({ kind: 'added', path: 'phone', detail: 'string', count: 2, example: join('a', 'extra-1.json'), docLine: 97 }),
      expect.objectContaining({ kind: 'missing', path: 'email', detail: '', count: 1, example: join('b', 'missing.json'), docLine: 104 }),
      expect.objectContaining({ kind: 'retyped', path: 'gross_premium', detail: 'number → string', count: 1, example: join('c', 'retyped.json'), docLine: 108 }),
      expect.objectContaining({ kind: 'format', path: 'start_date', detail: expect.stringMatching(/^must match pattern/), count: 1, example: join('d', 'format.json'), docLine: 106 }),
    ]);
    for (const finding of event.findings) expect(finding.docSection).not.toBe('');
    const insurup = report.providers.find((p) => p.provider === 'insurup')!;
    expect(insurup.events[0]!.findings).toEqual([expect.objectContaining({ kind: 'missing', path: 'policyEndDate', count: 1, example: join('f', 'insurup.json') })]);
    expect(report.changes).toBe(4 + 1 + 1);

    const text = await drift(['--deliveries', dir]);
    expect(text.code).toBe(1);
    expect(text.out).toContain(`  + event policy.renewed: no schema — 2 deliveries, e.g. ${join('e', 'unknown-2.json')}`);
    expect(text.out).toContain('  policy.created (schemas/kasko/policy.created.schema.json; kasko-webhooks.md:97)');
    expect(text.out).toContain(`    + phone (string): not in the schema — 2 of 5, e.g. ${join('a', 'extra-1.json')}`);
    expect(text.out).toContain(`    - email: required, missing — 1 of 5, e.g. ${join('b', 'missing.json')}; doc: kasko-webhooks.md:104 Events › Policy created`);
    expect(text.out).toContain(`    ~ gross_premium: number → string — 1 of 5, e.g. ${join('c', 'retyped.json')}`);
    expect(text.out).toContain('    ! start_date: must match pattern');
    expect(text.out).toContain(`    - policyEndDate: required, never arrives — 1 of 1, e.g. ${join('f', 'insurup.json')}`);
    expect(text.out).toMatch(/drift: 6 change\(s\)\n$/);
  });

  it('reports captures it cannot read, and deliveries it cannot compare, without stopping', async () => {
    const dir = folder({
      'broken.json': '{',
      'no-provider.json': { headers: {}, body: '{}' },
      'stranger.json': { provider: 'acme', headers: {}, body: '{}' },
      'notes.txt': 'ignored: not a .json file',
      'not-json-body.json': { provider: 'kasko', headers: { 'x-kasko-event': 'policy.created' }, body: 'policy=1' },
      'no-event.json': { provider: 'kasko', headers: {}, body: JSON.stringify(policyCreated) },
    });
    const report = await runTrafficDrift({ source: dir });
    expect(report.unreadable).toEqual([
      { ref: 'broken.json', problem: expect.stringMatching(/^not JSON/) },
      { ref: 'no-provider.json', problem: '"provider" must be a provider name' },
      { ref: 'stranger.json', problem: `unknown provider "acme" (known: ${Object.keys(providers).join(', ')})` },
    ]);
    expect(report.providers[0]!.problems).toEqual([
      { problem: 'no event type where provider.json says it travels', count: 1, example: 'no-event.json' },
      { problem: 'body is not JSON', count: 1, example: 'not-json-body.json' },
    ]);
    expect(report).toMatchObject({ clean: false, changes: 5, deliveries: 2 });
  });

  it('bad usage exits 2: a missing folder, or --docs with --deliveries', async () => {
    const missing = await drift(['--deliveries', join(tmpdir(), 'iw-no-such-folder')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('does not exist or is not a directory');
    expect((await drift(['--deliveries', tmpdir(), '--docs', 'x'])).code).toBe(2);
  });

  it('any DeliverySource plugs in (the inbox store will): the body-located event type of CoverKit', async () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'claim.reopened', createdAt: '2024-12-20T12:00:00Z', data: {} });
    const deliveries: CapturedDelivery[] = [{ ref: 'inbox:42', provider: 'coverkit', headers: {}, body }];
    const source: DeliverySource = {
      description: 'inbox test',
      async *entries() {
        yield* deliveries;
      },
    };
    const report = await runTrafficDrift({ source });
    expect(report.providers[0]!.unknownEvents).toEqual([{ event: 'claim.reopened', count: 1, example: 'inbox:42' }]);
    expect(formatTrafficReport(report).split('\n')[0]).toBe('1 delivery from inbox test');
  });

  it('readCapture: the body is the raw text; a JSON body stands for its text', () => {
    expect(readCapture('{"provider":"kasko","headers":{"a":"b"},"body":"{\\"x\\": 1}"}', 'r')).toEqual({ ref: 'r', provider: 'kasko', headers: { a: 'b' }, body: '{"x": 1}' });
    expect(readCapture('{"provider":"kasko","body":{"x":1}}', 'r')).toEqual({ ref: 'r', provider: 'kasko', headers: {}, body: '{"x":1}' });
    expect(readCapture('{"provider":"kasko","headers":{"a":1},"body":"{}"}', 'r')).toEqual({ ref: 'r', problem: '"headers" must be an object of strings' });
  });
});
