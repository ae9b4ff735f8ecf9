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

  it('any DeliverySource plugs in (as inboxSource does, test/drift-inbox.test.ts): the body-located event type of CoverKit', async () => {
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

describe('drift --deliveries against hostile captures', () => {
  it('a capture whose body object is nested 100 000 deep is reported, and the rest of the folder still compared', async () => {
    const deep = `{"provider":"kasko","headers":{"x-kasko-event":"policy.created"},"body":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    const dir = folder({ 'a-deep.json': deep, 'b-extra.json': await capture('kasko', 'policy.created', { ...policyCreated, phone: '1' }) });
    const { code, out } = await drift(['--deliveries', dir]);
    expect(out).toMatch(/^! a-deep\.json: .*nested too deeply/m);
    expect(out).toMatch(/\+ phone \(string\): not in the schema — 1 of 1, e\.g\. b-extra\.json/);
    expect(code).toBe(1);
  });

  it('a capture file that is not UTF-8 is reported, not silently repaired', async () => {
    const dir = folder({});
    writeFileSync(join(dir, 'latin1.json'), Buffer.concat([Buffer.from('{"provider":"kasko","headers":{"x-kasko-event":"policy.created"},"body":"{\\"id\\":\\"'), Buffer.from([0xfc]), Buffer.from('\\"}"}')]));
    const { code, out } = await drift(['--deliveries', dir]);
    expect(out).toMatch(/^! latin1\.json: not UTF-8 text/m);
    expect(code).toBe(1);
  });

  it('the report is bounded: 5 000 distinct extra fields, a 100 000-character key, 500 unknown events and 500 unreadable files', async () => {
    const many: Record<string, unknown> = { ...policyCreated };
    for (let i = 0; i < 5000; i++) many[`k${i}`] = i;
    const files: Record<string, unknown> = {
      'many.json': await capture('kasko', 'policy.created', many),
      'long.json': await capture('kasko', 'policy.created', { ...policyCreated, ['x'.repeat(100_000)]: 1 }),
    };
    for (let i = 0; i < 500; i++) files[`u/${i}.json`] = await capture('kasko', `policy.e${i}${'y'.repeat(1000)}`, policyCreated);
    for (let i = 0; i < 500; i++) files[`bad/${i}.json`] = '{';
    files['p.json'] = { provider: 'p'.repeat(100_000), headers: {}, body: '{}' };
    const dir = folder(files);
    const { code, out } = await drift(['--deliveries', dir]);
    expect(code).toBe(1);
    expect(out.length).toBeLessThan(200_000);
    expect(Math.max(...out.split('\n').map((line) => line.length))).toBeLessThan(1000);
    expect(out).toMatch(/… and \d+ more finding/);
    expect(out).toMatch(/… and \d+ more unknown event/);
    expect(out).toMatch(/… and \d+ more unreadable/);
    // Every distinct change still counts, shown or not.
    expect(out).toMatch(new RegExp(`drift: (\\d+) change`));
    expect(Number(/drift: (\d+) change/.exec(out)![1])).toBeGreaterThan(5000 + 500 + 500);
    const json = JSON.parse((await drift(['--deliveries', dir, '--json'])).out) as TrafficReport;
    expect(JSON.stringify(json).length).toBeLessThan(400_000);
    expect(json.providers[0]!.events[0]!.omittedFindings).toBeGreaterThan(0);
  });
});

describe('drift --deliveries: the validator stops listing errors', () => {
  it('"and N more" is not reported as a finding on the payload when every listed error is an added field', async () => {
    const asset = { designation: 'policy_document', name: 'Policy Certificate', extension: 'pdf', href: 'https://assets.kasko.io/x.pdf', pages: 2 };
    const report = await runTrafficDrift({ source: folder({ 'many.json': await capture('kasko', 'policy.created', { ...policyCreated, assets: Array.from({ length: 300 }, () => asset) }) }) });
    const findings = report.providers[0]!.events[0]!.findings;
    expect(findings.map((f) => [f.kind, f.path])).toEqual([['added', 'assets[].pages']]);
  });
});
