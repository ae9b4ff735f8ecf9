// The docs drift pipeline: the committed doc snapshots are clean against schemas/, and edited
// copies of them (written to a temp dir) produce exactly the expected report, structured and
// formatted. Extractors are checked on each doc's real shape.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { examples } from '../src/index.js';
import { compareShapes } from '../src/drift/compare.js';
import { eventNameFromTitle } from '../src/drift/event-names.js';
import { listedEventNames } from '../src/providers/coverkit.drift.js';
import { importQuicktype, inferShape } from '../src/drift/infer.js';
import { extractDoc } from '../src/drift/extract/index.js';
import { formatDriftReport, runDrift, type DriftReport, type EventDrift, type ProviderDrift } from '../src/drift/index.js';
import { jsonAfterMarkers, MAX_MARKERS, readJsonValue } from '../src/drift/json-text.js';
import { lineIndex } from '../src/drift/line-index.js';
import { schemaShape } from '../src/drift/schema-shape.js';

const snapshots = fileURLToPath(new URL('../docs/providers', import.meta.url));
const schemasDir = fileURLToPath(new URL('../schemas', import.meta.url));
const DOCS = {
  kasko: 'kasko-webhooks.md',
  insurup: 'insurup-webhooks.md',
  axitech: 'axitech-webhooks.txt',
  coverkit: 'coverkit-webhooks.txt',
} as const;
type DocName = keyof typeof DOCS;
const readSnapshot = (provider: DocName) => readFileSync(join(snapshots, DOCS[provider]), 'utf8');

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of the snapshots with one doc edited; every replacement must hit exactly once. */
function editedDocs(provider: DocName, ...edits: Array<[from: string | RegExp, to: string]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iw-drift-'));
  temps.push(dir);
  cpSync(snapshots, dir, { recursive: true });
  let text = readSnapshot(provider);
  for (const [from, to] of edits) {
    const hits = typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g')) ?? []).length;
    expect(hits, `edit ${String(from)} must match once`).toBe(1);
    text = text.replace(from, to);
  }
  writeFileSync(join(dir, DOCS[provider]), text);
  return dir;
}

/** One `### <title>` section of a Markdown doc, heading included, to aim an edit at a single example. */
const section = (text: string, title: string) => `### ${title}${text.split(`### ${title}`)[1]!.split('\n### ')[0]!}`;

const CLEAN_LINES = {
  axitech: 'Axitech (axitech-webhooks.txt): 2 events, 1 example, 1 named only: no drift',
  coverkit: 'CoverKit (coverkit-webhooks.txt): 10 events, 1 example, 9 named only: no drift',
  insurup: 'InsurUp (insurup-webhooks.md): 4 events, 4 examples: no drift',
  kasko: 'KASKO (kasko-webhooks.md): 4 events, 4 examples: no drift',
};
const PROVIDER_ORDER = ['axitech', 'coverkit', 'insurup', 'kasko'] as const;

/** The formatted report when only `provider` drifted, with `lines` as its block. */
const formattedWith = (provider: DocName, lines: string[], changes: number) =>
  [...PROVIDER_ORDER.flatMap((name) => (name === provider ? lines : [CLEAN_LINES[name]])), `drift: ${changes} change(s)`].join('\n');

/** A clean comparison of one example, to spread the expected changes over. */
const cleanEvent = (event: string, section: string, line: number): EventDrift => ({
  event,
  section,
  line,
  newlyDocumented: false,
  added: [],
  removed: [],
  retyped: [],
  violations: [],
  changes: 0,
});

const providerOf = (report: DriftReport, name: string) => report.providers.find((p) => p.provider === name)!;

/** Every provider but `provider` is exactly as clean as on the snapshots. */
async function expectOthersClean(report: DriftReport, provider: DocName) {
  const clean = await cleanReport;
  for (const name of PROVIDER_ORDER.filter((n) => n !== provider)) expect(providerOf(report, name)).toEqual(providerOf(clean, name));
}

const cleanReport = runDrift();

const KASKO_EVENTS = ['offer.created', 'policy.cancelled', 'policy.created', 'policy.updated'];
const kaskoClean = (): ProviderDrift => ({
  provider: 'kasko',
  displayName: 'KASKO',
  doc: 'kasko-webhooks.md',
  listedEvents: KASKO_EVENTS,
  examples: 4,
  namedOnly: [],
  newEvents: [],
  eventLines: { 'offer.created': 52, 'policy.cancelled': 168, 'policy.created': 90, 'policy.updated': 129 },
  missingEvents: [],
  examplesMissing: [],
  problems: [],
  facts: [],
  events: [
    cleanEvent('offer.created', 'Offer created', 59),
    cleanEvent('policy.created', 'Policy created', 97),
    cleanEvent('policy.updated', 'Policy updated', 136),
    cleanEvent('policy.cancelled', 'Policy cancelled', 175),
  ],
  changes: 0,
});
const INSURUP_EVENTS = ['proposal_premium.purchase_failed', 'proposal_premium.purchased', 'proposal_premium.purchasing', 'proposal_premium.received'];
const insurupClean = (): ProviderDrift => ({
  provider: 'insurup',
  displayName: 'InsurUp',
  doc: 'insurup-webhooks.md',
  listedEvents: INSURUP_EVENTS,
  examples: 4,
  namedOnly: [],
  newEvents: [],
  eventLines: { 'proposal_premium.purchase_failed': 97, 'proposal_premium.purchased': 113, 'proposal_premium.purchasing': 82, 'proposal_premium.received': 19 },
  missingEvents: [],
  examplesMissing: [],
  problems: [],
  facts: [],
  events: [
    cleanEvent('proposal_premium.received', '`proposal_premium.received` *async*', 26),
    cleanEvent('proposal_premium.purchasing', '`proposal_premium.purchasing` *sync*', 89),
    cleanEvent('proposal_premium.purchase_failed', '`proposal_premium.purchase_failed` *async*', 104),
    cleanEvent('proposal_premium.purchased', '`proposal_premium.purchased` *async*', 120),
  ],
  changes: 0,
});
const COVERKIT_NAMED_ONLY = ['claim.approved', 'claim.denied', 'claim.paid', 'claim.submitted', 'policy.cancelled', 'policy.expired', 'policy.renewed', 'quote.created', 'quote.expired'];
const COVERKIT_LINES: Record<string, number> = {
  'claim.approved': 21, 'claim.denied': 21, 'claim.paid': 21, 'claim.submitted': 21, 'policy.cancelled': 20,
  'policy.created': 20, 'policy.expired': 20, 'policy.renewed': 20, 'quote.created': 19, 'quote.expired': 19,
};
const coverkitClean = (): ProviderDrift => ({
  provider: 'coverkit',
  displayName: 'CoverKit',
  doc: 'coverkit-webhooks.txt',
  listedEvents: [...COVERKIT_NAMED_ONLY, 'policy.created'].sort(),
  examples: 1,
  namedOnly: COVERKIT_NAMED_ONLY,
  newEvents: [],
  eventLines: { ...COVERKIT_LINES },
  missingEvents: [],
  examplesMissing: [],
  problems: [],
  facts: [],
  events: [cleanEvent('policy.created', 'Webhook Payload', 22)],
  changes: 0,
});
const axitechClean = (): ProviderDrift => ({
  provider: 'axitech',
  displayName: 'Axitech',
  doc: 'axitech-webhooks.txt',
  listedEvents: ['session.submitted', 'submission.created'],
  examples: 1,
  namedOnly: ['submission.created'],
  newEvents: [],
  eventLines: { 'session.submitted': 20, 'submission.created': 17 },
  missingEvents: [],
  examplesMissing: [],
  problems: [],
  facts: [],
  events: [cleanEvent('session.submitted', 'Full Payload Example', 43)],
  changes: 0,
});

describe('runDrift on the committed doc snapshots', () => {
  it('is clean, structured and formatted', async () => {
    const report = await cleanReport;
    expect(report).toEqual({
      clean: true,
      changes: 0,
      docsDir: snapshots,
      schemasDir,
      providers: [axitechClean(), coverkitClean(), insurupClean(), kaskoClean()],
    });
    expect(formatDriftReport(report)).toBe([...PROVIDER_ORDER.map((name) => CLEAN_LINES[name]), 'drift: none'].join('\n'));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('is the same with the directories passed explicitly', async () => {
    expect(await runDrift({ docsDir: snapshots, schemasDir })).toEqual(await cleanReport);
  });

  it('refuses a docs directory that does not exist, naming it', async () => {
    await expect(runDrift({ docsDir: join(tmpdir(), 'iw-no-such-docs') })).rejects.toThrow(/iw-no-such-docs does not exist/);
  });
});

describe('runDrift on edited docs', () => {
  it('KASKO: a renamed field is one field added and one removed', async () => {
    const text = readSnapshot('kasko');
    const policyCreated = section(text, 'Policy created');
    const docsDir = editedDocs('kasko', [policyCreated, policyCreated.replace('"policy_id":', '"policy_number":')]);
    const report = await runDrift({ docsDir });
    const expected = kaskoClean();
    expected.events[1] = { ...expected.events[1]!, added: [{ path: 'policy_number', type: 'string', line: 100 }], removed: [{ path: 'policy_id' }], changes: 2 };
    expected.changes = 2;
    expect(providerOf(report, 'kasko')).toEqual(expected);
    await expectOthersClean(report, 'kasko');
    expect(report).toMatchObject({ clean: false, changes: 2 });
    expect(formatDriftReport(report)).toBe(
      formattedWith('kasko', ['KASKO (kasko-webhooks.md): 4 events, 4 examples: 2 changes', '  policy.created', '    example under "Policy created" (kasko-webhooks.md:97) vs schemas/kasko/policy.created.schema.json', '    + policy_number (string) — kasko-webhooks.md:100', '    - policy_id'], 2),
    );
  });

  it('InsurUp: a retyped field (productId "40235") is integer → string, not a format', async () => {
    const text = readSnapshot('insurup');
    const received = section(text, '`proposal_premium.received` *async*');
    const docsDir = editedDocs('insurup', [received, received.replace('"productId": 40235', '"productId": "40235"')]);
    const report = await runDrift({ docsDir });
    const expected = insurupClean();
    expected.events[0] = { ...expected.events[0]!, retyped: [{ path: 'productId', schema: 'integer', docs: 'string', line: 28 }], changes: 1 };
    expected.changes = 1;
    expect(providerOf(report, 'insurup')).toEqual(expected);
    await expectOthersClean(report, 'insurup');
    expect(formatDriftReport(report)).toBe(
      formattedWith('insurup', ['InsurUp (insurup-webhooks.md): 4 events, 4 examples: 1 change', '  proposal_premium.received', '    example under "`proposal_premium.received` *async*" (insurup-webhooks.md:26) vs schemas/insurup/proposal_premium.received.schema.json', '    ~ productId: integer → string — insurup-webhooks.md:28'], 1),
    );
  });

  it('InsurUp: a removed field is reported as removed', async () => {
    const docsDir = editedDocs('insurup', [
      '  "paymentType": "CreditCard",\n  "failureReason": "X sigorta şirketi bilinmeyen bir nedenden dolayı poliçeleştirme isteğini reddetti"\n',
      '  "paymentType": "CreditCard"\n',
    ]);
    const report = await runDrift({ docsDir });
    const expected = insurupClean();
    expected.events[2] = { ...expected.events[2]!, removed: [{ path: 'failureReason' }], changes: 1 };
    // One line fewer above the last example.
    expected.events[3] = { ...expected.events[3]!, line: 119 };
    expected.eventLines['proposal_premium.purchased'] = 112;
    expected.changes = 1;
    expect(providerOf(report, 'insurup')).toEqual(expected);
    await expectOthersClean(report, 'insurup');
    expect(formatDriftReport(report)).toBe(
      formattedWith('insurup', ['InsurUp (insurup-webhooks.md): 4 events, 4 examples: 1 change', '  proposal_premium.purchase_failed', '    example under "`proposal_premium.purchase_failed` *async*" (insurup-webhooks.md:104) vs schemas/insurup/proposal_premium.purchase_failed.schema.json', '    - failureReason'], 1),
    );
  });

  it('InsurUp: a field retyped in one array item, and a sync event now marked async', async () => {
    const text = readSnapshot('insurup');
    const received = section(text, '`proposal_premium.received` *async*');
    const docsDir = editedDocs(
      'insurup',
      [received, received.replace('"installmentNumber": 2,\n      "netPremium": 1243,\n      "grossPremium": 1243', '"installmentNumber": 2,\n      "netPremium": 1243,\n      "grossPremium": "1243"')],
      ['### `proposal_premium.purchasing` *sync*', '### `proposal_premium.purchasing` *async*'],
    );
    const report = await runDrift({ docsDir });
    const expected = insurupClean();
    expected.events[0] = { ...expected.events[0]!, retyped: [{ path: 'premiums[].grossPremium', schema: 'number', docs: 'integer | string', line: 33 }], changes: 1 };
    expected.events[1] = { ...expected.events[1]!, section: '`proposal_premium.purchasing` *async*' };
    expected.facts = [
      {
        kind: 'delivery-mode',
        subject: 'delivery mode',
        event: 'proposal_premium.purchasing',
        docs: 'async',
        ours: 'sync',
        docLine: { doc: 'insurup-webhooks.md', line: 82, text: '### `proposal_premium.purchasing` *async*' },
        file: 'schemas/insurup/proposal_premium.purchasing.schema.json',
        action: 'set x-delivery to "async" (a sync event\'s answer allows or blocks the operation)',
      },
    ];
    expected.changes = 2;
    expect(providerOf(report, 'insurup')).toEqual(expected);
    expect(formatDriftReport(report)).toBe(
      formattedWith(
        'insurup',
        [
          'InsurUp (insurup-webhooks.md): 4 events, 4 examples: 2 changes',
          '  proposal_premium.received',
          '    example under "`proposal_premium.received` *async*" (insurup-webhooks.md:26) vs schemas/insurup/proposal_premium.received.schema.json',
          '    ~ premiums[].grossPremium: number → integer | string — insurup-webhooks.md:33',
          '  proposal_premium.purchasing',
          '    ≠ delivery mode: docs async / ours sync',
          '        doc   insurup-webhooks.md:82: ### `proposal_premium.purchasing` *async*',
          '        fix   schemas/insurup/proposal_premium.purchasing.schema.json: set x-delivery to "async" (a sync event\'s answer allows or blocks the operation)',
        ],
        2,
      ),
    );
  });

  it('CoverKit: a new event in the flattened list (line breaks lost) is an event without a schema', async () => {
    const docsDir = editedDocs('coverkit', ['claim.paid - Payout completedWebhook Payload', 'claim.paid - Payout completedclaim.reopened - Claim reopenedWebhook Payload']);
    const report = await runDrift({ docsDir });
    const expected = coverkitClean();
    expected.listedEvents = [...expected.listedEvents, 'claim.reopened'].sort();
    expected.newEvents = ['claim.reopened'];
    expected.eventLines['claim.reopened'] = 21;
    expected.changes = 1;
    expect(providerOf(report, 'coverkit')).toEqual(expected);
    await expectOthersClean(report, 'coverkit');
    expect(formatDriftReport(report)).toBe(
      formattedWith('coverkit', ['CoverKit (coverkit-webhooks.txt): 11 events, 1 example, 9 named only: 1 change', "  + event claim.reopened: in the docs' event list (coverkit-webhooks.txt:21), no schema (add schemas/coverkit/claim.reopened.schema.json)"], 1),
    );
  });

  it('CoverKit: an example for a constructed event is newly documented; its open data is not drift', async () => {
    const docsDir = editedDocs('coverkit', [
      '}Signature Verification',
      '}Webhook Payload\n{\n"id": "evt_def456",\n"type": "claim.paid",\n"createdAt": "2024-12-21T12:00:00Z",\n"data": {\n"id": "claim_1",\n"amount": 150\n}\n}Signature Verification',
    ]);
    const report = await runDrift({ docsDir });
    const expected = coverkitClean();
    expected.examples = 2;
    expected.namedOnly = COVERKIT_NAMED_ONLY.filter((name) => name !== 'claim.paid');
    expected.events.push({ ...cleanEvent('claim.paid', 'Webhook Payload', 36), newlyDocumented: true, changes: 1 });
    expected.changes = 1;
    expect(providerOf(report, 'coverkit')).toEqual(expected);
    expect(formatDriftReport(report)).toBe(
      formattedWith(
        'coverkit',
        ['CoverKit (coverkit-webhooks.txt): 10 events, 2 examples, 8 named only: 1 change', '  claim.paid', '    example under "Webhook Payload" (coverkit-webhooks.txt:36) vs schemas/coverkit/claim.paid.schema.json', "    * example now documented (the schema's example is constructed)"],
        1,
      ),
    );
  });

  it('Axitech: a new field in data is added; a new key inside the open meta is not', async () => {
    const docsDir = editedDocs(
      'axitech',
      ['"sessionId": "52nmBydtBQpGYjXGWXu3",', '"sessionId": "52nmBydtBQpGYjXGWXu3",\n"channel": "web",'],
      ['"currentUserId": "test-123",', '"currentUserId": "test-123",\n"referrer": "https://example.com//x", // set by the widget'],
    );
    const report = await runDrift({ docsDir });
    const expected = axitechClean();
    expected.events[0] = { ...expected.events[0]!, added: [{ path: 'data.channel', type: 'string', line: 50 }], changes: 1 };
    expected.changes = 1;
    expect(providerOf(report, 'axitech')).toEqual(expected);
    await expectOthersClean(report, 'axitech');
    expect(formatDriftReport(report)).toBe(
      formattedWith('axitech', ['Axitech (axitech-webhooks.txt): 2 events, 1 example, 1 named only: 1 change', '  session.submitted', '    example under "Full Payload Example" (axitech-webhooks.txt:43) vs schemas/axitech/session.submitted.schema.json', '    + data.channel (string) — axitech-webhooks.txt:50'], 1),
    );
  });

  it('KASKO: a changed date format is a strict-validation violation the shape cannot see', async () => {
    const text = readSnapshot('kasko');
    const policyUpdated = section(text, 'Policy updated');
    const docsDir = editedDocs('kasko', [policyUpdated, policyUpdated.replace('"start_date": "2017-07-18T12:37:56+00:00"', '"start_date": "2017-07-18 12:37:56"')]);
    const report = await runDrift({ docsDir });
    const kasko = providerOf(report, 'kasko');
    expect(kasko.changes).toBe(1);
    expect(kasko.events[2]).toEqual({ ...cleanEvent('policy.updated', 'Policy updated', 136), violations: [{ path: 'start_date', message: expect.stringMatching(/^must match pattern "\^\[0-9\]\{4\}/) }], changes: 1 });
    expect(formatDriftReport(report).split('\n').slice(3, 7)).toEqual([
      'KASKO (kasko-webhooks.md): 4 events, 4 examples: 1 change',
      '  policy.updated',
      '    example under "Policy updated" (kasko-webhooks.md:136) vs schemas/kasko/policy.updated.schema.json',
      `    ! start_date: ${kasko.events[2]!.violations[0]!.message}`,
    ]);
  });

  it('KASKO: a dropped event section is a schema without a doc; a dropped example is a missing example', async () => {
    const text = readSnapshot('kasko');
    const updated = section(text, 'Policy updated');
    const docsDir = editedDocs('kasko', [section(text, 'Policy cancelled'), ''], [updated, `${updated.split('**Payload**')[0]!}\n`]);
    const report = await runDrift({ docsDir });
    const expected = kaskoClean();
    expected.listedEvents = ['offer.created', 'policy.created', 'policy.updated'];
    expected.examples = 2;
    expected.missingEvents = ['policy.cancelled'];
    delete expected.eventLines['policy.cancelled'];
    expected.examplesMissing = ['policy.updated'];
    expected.events = expected.events.slice(0, 2);
    expected.changes = 2;
    expect(providerOf(report, 'kasko')).toEqual(expected);
    expect(formatDriftReport(report)).toBe(
      formattedWith(
        'kasko',
        [
          'KASKO (kasko-webhooks.md): 3 events, 2 examples: 2 changes',
          "  - event policy.cancelled: schemas/kasko/policy.cancelled.schema.json exists, the docs' event list no longer names it",
          "  - example of policy.updated: the schema's example is documented, the docs show none",
        ],
        2,
      ),
    );
  });

  it('an example that is not JSON any more is a problem, not a crash', async () => {
    const docsDir = editedDocs('coverkit', ['"premium": 299,', '"premium": 299,,']);
    const report = await runDrift({ docsDir });
    const coverkit = providerOf(report, 'coverkit');
    expect(coverkit.problems).toEqual([expect.stringMatching(/^Webhook Payload: the example is not JSON \(/)]);
    // Without its only example, policy.created (documented) now lacks one: two changes.
    expect(coverkit).toMatchObject({ examples: 0, examplesMissing: ['policy.created'], events: [], changes: 2 });
  });
});

describe('a provider without an extractor of its own', () => {
  it('has its doc read in the common shape (docs/adding-a-provider.md), as runDrift and drift --deliveries read it', () => {
    const doc = extractDoc('zurvo', '# Zurvo\n\n## Events\n\n### `claim.opened`\n\n```json\n{ "claim_id": "CL-1", "amount": 1 }\n```\n');
    expect(doc.events.map((event) => event.name)).toEqual(['claim.opened']);
    expect(doc.examples.map((example) => example.payload)).toEqual([{ claim_id: 'CL-1', amount: 1 }]);
  });
});

describe('extractors on the real docs', () => {
  it.each([
    ['kasko', 4, KASKO_EVENTS],
    ['insurup', 4, INSURUP_EVENTS],
    ['axitech', 1, ['session.submitted', 'submission.created']],
    ['coverkit', 1, [...COVERKIT_NAMED_ONLY, 'policy.created'].sort()],
  ] as const)('%s: %i example(s) and the listed events', (provider, exampleCount, events) => {
    const doc = extractDoc(provider, readSnapshot(provider));
    expect(doc.problems).toEqual([]);
    expect(doc.examples).toHaveLength(exampleCount);
    expect(doc.events.map((e) => e.name).sort()).toEqual([...events].sort());
    // Every extracted example is the docs' own example as the package ships it (comments dropped).
    for (const example of doc.examples) {
      expect(example.payload, `${provider} ${example.event}`).toEqual((examples[provider] as Record<string, unknown>)[example.event]);
    }
  });

  it('KASKO: policy.created is spelled out, the other names come from titles', () => {
    expect(extractDoc('kasko', readSnapshot('kasko')).events).toEqual([
      { name: 'policy.created', evidence: 'name', line: 90 },
      { name: 'offer.created', evidence: 'title', line: 52 },
      { name: 'policy.updated', evidence: 'title', line: 129 },
      { name: 'policy.cancelled', evidence: 'title', line: 168 },
    ]);
  });

  it('InsurUp: the sync/async marker of each heading', () => {
    const doc = extractDoc('insurup', readSnapshot('insurup'));
    expect(Object.fromEntries(doc.events.map((e) => [e.name, e.delivery]))).toEqual({
      'proposal_premium.received': 'async',
      'proposal_premium.purchasing': 'sync',
      'proposal_premium.purchase_failed': 'async',
      'proposal_premium.purchased': 'async',
    });
  });

  it('Axitech: the // comment in meta is dropped, URLs in strings are kept; the event_type e.g. name is listed as a mention', () => {
    const doc = extractDoc('axitech', readSnapshot('axitech'));
    const meta = (doc.examples[0]!.payload as { data: { meta: Record<string, unknown> } }).data.meta;
    expect(meta.privacyPolicyUrl).toBe('https://example.com/privacy-policy');
    // "(e.g., "WidgetEvent")" and "(e.g., "success")" are not event names; event_type's example is.
    expect(doc.events).toEqual([
      { name: 'session.submitted', evidence: 'name', line: 20 },
      { name: 'submission.created', evidence: 'mention', line: 17 },
    ]);
  });

  it('CoverKit: names glued to the previous description split at the noun', () => {
    const list =
      'Quote Events\nquote.created - New quote generatedquote.expired - Quote expired without bindingPolicy Events\n' +
      'policy.created - Policy bound and activepolicy.renewed - Policy renewedClaim Events\nclaim.paid - Payout completedclaim.reopened - Claim reopened';
    expect(listedEventNames(list, [])).toEqual(['quote.created', 'quote.expired', 'policy.created', 'policy.renewed', 'claim.paid', 'claim.reopened']);
    // A noun known only from the registration sample, glued after a capital letter or a lower-case word.
    expect(listedEventNames('New quote via APIpayment.failed - Failed paymentsettledpayment.settled - Settled', ['payment'])).toEqual(['payment.failed', 'payment.settled']);
  });

  it('the KASKO title rule is <noun words>.<verb>, lower-cased', () => {
    expect(eventNameFromTitle('Policy created')).toBe('policy.created');
    expect(eventNameFromTitle('Offer created')).toBe('offer.created');
    expect(eventNameFromTitle('Proposal premium received')).toBe('proposal_premium.received');
    expect(eventNameFromTitle('Payload')).toBeUndefined();
    expect(eventNameFromTitle('Policy created (v2)')).toBeUndefined();
  });

  it('reads a JSON value out of flattened text: comments out, strings intact, stops at its bracket', () => {
    const text = 'Example:\n{"a": 1, // note\n"b": "http://x//y", "c": [1, {"d": "}"}] /* c */}Next heading {';
    const slice = readJsonValue(text, text.indexOf('{'))!;
    expect(JSON.parse(slice.json)).toEqual({ a: 1, b: 'http://x//y', c: [1, { d: '}' }] });
    expect(text.slice(slice.end)).toBe('Next heading {');
    expect(readJsonValue('{"open": [1, 2}', 0)).toBeUndefined();
  });
});

describe('shape comparison', () => {
  const ours = schemaShape(
    {
      type: 'object',
      required: ['amount', 'rate', 'when', 'meta'],
      properties: { amount: { type: 'integer' }, rate: { type: 'number' }, when: { type: 'string', pattern: '^\\d' }, meta: { type: 'object', additionalProperties: true } },
    },
    'ours',
    new Map(),
  );

  it('an integer is a number; a string quicktype formats as date-time or integer is a string; open objects stay open', async () => {
    const inferred = await inferShape({ amount: 1999, rate: 2, when: '2024-12-20T12:00:00Z', meta: { anything: [1] } });
    expect(compareShapes(inferred, ours)).toEqual({ added: [], removed: [], retyped: [] });
  });

  it('a number where the schema says integer, a null, a missing field', async () => {
    const inferred = await inferShape({ amount: 19.99, rate: null, meta: {}, extra: { x: 1 } });
    expect(compareShapes(inferred, ours)).toEqual({
      added: [{ path: 'extra', type: 'object' }],
      removed: [{ path: 'when' }],
      retyped: [
        { path: 'amount', schema: 'integer', docs: 'number' },
        { path: 'rate', schema: 'number', docs: 'null' },
      ],
    });
  });
});

describe('quicktype-core is an optional peer', () => {
  it('a missing package is an error naming it and the fix', async () => {
    const missing = Object.assign(new Error("Cannot find package 'quicktype-core' imported from /app/x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importQuicktype(() => Promise.reject(missing))).rejects.toThrow(/optional peer dependency "quicktype-core".*npm install --save-dev quicktype-core/);
  });

  it('any other failure is passed on unchanged', async () => {
    const broken = new SyntaxError('Unexpected token');
    await expect(importQuicktype(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});

describe('extraction stays linear on a hostile page', () => {
  it('lineIndex gives the line of every offset, as counting newlines does', () => {
    const text = 'a\n\nbc\nd\n';
    const lineAt = lineIndex(text);
    for (let offset = 0; offset <= text.length; offset++) expect(lineAt(offset), `offset ${offset}`).toBe(text.slice(0, offset).split('\n').length);
  });

  it('reads at most MAX_MARKERS examples after a marker and reports the rest (each unclosed one would scan to the end)', () => {
    const found = jsonAfterMarkers('Full Payload Example:{'.repeat(MAX_MARKERS + 10), 'Full Payload Example:');
    expect(found).toHaveLength(MAX_MARKERS + 1);
    expect(found.at(-1)).toEqual({ ok: false, reason: `more than ${MAX_MARKERS} "Full Payload Example:" markers: the rest are not read` });
  });

  it('an Axitech page with thousands of markers and event headings: a bounded list of problems, and the line of each heading', () => {
    const page = `${readSnapshot('axitech')}\n${'Full Payload Example:{'.repeat(2000)}\n${'The a.b Event\n'.repeat(2000)}`;
    const doc = extractDoc('axitech', page);
    expect(doc.problems.length).toBeLessThanOrEqual(MAX_MARKERS + 1);
    expect(doc.problems.at(-1)).toBe(`Full Payload Example: the example is not JSON (more than ${MAX_MARKERS} "Full Payload Example:" markers: the rest are not read)`);
    expect(doc.events.find((e) => e.name === 'a.b')?.line).toBe(readSnapshot('axitech').split('\n').length + 2);
  });
});
