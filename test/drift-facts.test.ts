// Every documented fact kind, edited in a copy of the committed doc snapshots, is drift: the CLI
// exits 1 and the report names the change, the doc line and our file. The snapshots themselves are
// clean (exit 0). Each case edits one doc; the others stay as committed and must stay clean.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';
import { standardFacts } from '../src/drift/facts/extract.js';
import { readSignatureSample } from '../src/drift/facts/signature-code.js';
import type { FactFinding } from '../src/drift/facts/types.js';
import { formatDriftReport, type DriftReport } from '../src/drift/index.js';

const snapshots = fileURLToPath(new URL('../docs/providers', import.meta.url));
const DOCS = { kasko: 'kasko-webhooks.md', insurup: 'insurup-webhooks.md', axitech: 'axitech-webhooks.txt', coverkit: 'coverkit-webhooks.txt' } as const;
type DocName = keyof typeof DOCS;

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of the snapshots with one doc edited; every replacement must hit exactly once. */
function editedDocs(provider: DocName, edits: Array<[from: string, to: string]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iw-drift-facts-'));
  temps.push(dir);
  cpSync(snapshots, dir, { recursive: true });
  let text = readFileSync(join(snapshots, DOCS[provider]), 'utf8');
  for (const [from, to] of edits) {
    expect(text.split(from).length - 1, `edit ${from} must match once`).toBe(1);
    text = text.replace(from, to);
  }
  writeFileSync(join(dir, DOCS[provider]), text);
  return dir;
}

async function drift(args: string[]) {
  const io = memoryIo();
  const code = await runCli(['drift', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

type Expected = Partial<Pick<FactFinding, 'kind' | 'subject' | 'docs' | 'ours' | 'event' | 'file'>> & { line?: number };
interface Case {
  name: string;
  provider: DocName;
  edits: Array<[string, string]>;
  facts?: Expected[];
  missingEvents?: string[];
}

const CASES: Case[] = [
  // KASKO
  { name: 'KASKO: renamed signature header (header table)', provider: 'kasko', edits: [['| `X-KASKO-Signature` |', '| `X-KASKO-Sig`       |']], facts: [{ kind: 'header', subject: 'header signature', docs: 'x-kasko-sig', ours: 'x-kasko-signature', line: 23, file: 'schemas/kasko/provider.json' }] },
  { name: 'KASKO: a timestamp header added to the table', provider: 'kasko', edits: [['| `X-KASKO-Signature` |', '| `X-KASKO-Timestamp` | `1700000000` | The Unix time the delivery was sent. |\n| `X-KASKO-Signature` |']], facts: [{ kind: 'header', subject: 'header timestamp', docs: 'x-kasko-timestamp', line: 23 }] },
  { name: "KASKO: the header table's example event type renamed", provider: 'kasko', edits: [['| `X-KASKO-Event`     | `policy.created`  ', '| `X-KASKO-Event`     | `policy.issued`   ']], facts: [{ kind: 'header', subject: 'header event example', docs: 'policy.issued', ours: '(no schema)', line: 21 }] },
  { name: 'KASKO: retries now stated', provider: 'kasko', edits: [['will be treated as a failure.', 'will be treated as a failure. Failed deliveries are retried up to 3 times.']], facts: [{ kind: 'retries', subject: 'retries', docs: 'yes', line: 27 }] },
  { name: 'KASKO: renamed event header', provider: 'kasko', edits: [['| `X-KASKO-Event`     |', '| `X-KASKO-Topic`     |']], facts: [{ subject: 'header event', docs: 'x-kasko-topic', ours: 'x-kasko-event', line: 21 }] },
  { name: 'KASKO: renamed delivery header', provider: 'kasko', edits: [['| `X-KASKO-Delivery`  |', '| `X-KASKO-Delivery-Id` |']], facts: [{ subject: 'header delivery', docs: 'x-kasko-delivery-id', ours: 'x-kasko-delivery', line: 22 }] },
  { name: 'KASKO: the signature header renamed in the PHP sample only', provider: 'kasko', edits: [['$_SERVER["HTTP_X_KASKO_SIGNATURE"]', '$_SERVER["HTTP_X_KASKO_HMAC"]']], facts: [{ subject: 'header signature', docs: 'x-kasko-hmac', line: 37 }] },
  {
    name: 'KASKO: SHA-1 → SHA-256 in the prose',
    provider: 'kasko',
    edits: [['computed as the HMAC hex digest of the body', 'computed as the HMAC-SHA256 hex digest of the body']],
    facts: [
      { kind: 'signature', subject: 'signature algorithm (Checking signatures prose)', docs: 'SHA-256', line: 31, file: 'schemas/kasko/provider.json' },
      { subject: 'runtime algorithm (Checking signatures prose)', docs: 'SHA-256', ours: 'SHA-1', file: 'src/providers/kasko.ts' },
    ],
  },
  {
    name: 'KASKO: SHA-1 → SHA-256 in the PHP sample',
    provider: 'kasko',
    edits: [["$hash = 'sha1=' . hash_hmac('sha1',", "$hash = 'sha256=' . hash_hmac('sha256',"]],
    facts: [
      { subject: 'signature algorithm (PHP sample)', docs: 'SHA-256', ours: 'SHA-1', line: 39 },
      { subject: 'signature label (PHP sample)', docs: 'sha256=', ours: 'sha1=', line: 39 },
      { subject: 'runtime algorithm (PHP sample)', docs: 'SHA-256', ours: 'SHA-1', file: 'src/providers/kasko.ts' },
    ],
  },
  { name: 'KASKO: the header example value becomes a SHA-256 MAC', provider: 'kasko', edits: [['`sha1=88dd4948bf8fc1e991a574179fc668c76d329db2`', '`sha256=88dd4948bf8fc1e991a574179fc668c76d329db288dd4948bf8fc1e991a57417`']], facts: [{ subject: 'signature algorithm (header table)', docs: 'SHA-256', ours: 'SHA-1', line: 23 }, { subject: 'signature label (header table)', docs: 'sha256=' }] },
  {
    name: 'KASKO: the acknowledgement becomes exactly 200, 3xx no longer named',
    provider: 'kasko',
    edits: [['should return a `2xx` HTTP status code', 'should return a `200` HTTP status code'], ['All response codes outside this range, including `3xx` codes, will', 'All other response codes will']],
    facts: [
      { kind: 'acknowledgement', subject: 'acknowledgement success', docs: '200', ours: '2xx', line: 27 },
      { subject: 'acknowledgement redirects', ours: 'failure' },
      { subject: 'acknowledgement success quote' },
    ],
  },
  { name: 'KASKO: an event section removed while the header table still names it', provider: 'kasko', edits: [['### Policy created\n', '### \n']], missingEvents: ['policy.created'] },
  // InsurUp
  { name: 'KASKO: a new header row whose role no rule knows', provider: 'kasko', edits: [['| `X-KASKO-Signature` |', '| `X-KASKO-Region`    | `eu`                                            | The data centre that sent the request.                                                                              |\n| `X-KASKO-Signature` |']], facts: [{ kind: 'header', subject: 'header of unknown role', docs: 'x-kasko-region', line: 23 }] },
  { name: 'KASKO: a new timestamp header in the table', provider: 'kasko', edits: [['| `X-KASKO-Signature` |', '| `X-KASKO-Timestamp` | `1700000000`                                    | The timestamp of the request, signed with the body.                                                                 |\n| `X-KASKO-Signature` |']], facts: [{ kind: 'header', subject: 'header timestamp', docs: 'x-kasko-timestamp', line: 23 }] },
  { name: 'InsurUp: renamed signature header', provider: 'insurup', edits: [['**`x-webhook-signature`**', '**`x-webhook-hmac`**']], facts: [{ subject: 'header signature', docs: 'x-webhook-hmac', ours: 'x-webhook-signature', line: 15 }] },
  { name: 'InsurUp: renamed event header', provider: 'insurup', edits: [['**`x-webhook-event`**', '**`x-webhook-topic`**']], facts: [{ subject: 'header event', docs: 'x-webhook-topic', line: 12 }] },
  { name: 'InsurUp: renamed delivery header', provider: 'insurup', edits: [['**`x-webhook-delivery`**', '**`x-delivery-id`**']], facts: [{ subject: 'header delivery', docs: 'x-delivery-id', line: 14 }] },
  { name: 'InsurUp: renamed webhook id header', provider: 'insurup', edits: [['**`x-webhook-id`**', '**`x-webhook-config`**']], facts: [{ subject: 'header webhook id', docs: 'x-webhook-config', line: 13 }] },
  { name: 'InsurUp: the signature header no longer "sent only when a secret is set"', provider: 'insurup', edits: [['Bu header eğer `secret` alanı doluysa gönderilir. ', '']], facts: [{ kind: 'header', subject: 'header signature optional', ours: 'yes', file: 'schemas/insurup/provider.json' }] },
  { name: 'InsurUp: an event section removed', provider: 'insurup', edits: [['### `proposal_premium.purchase_failed` *async*\n', '']], missingEvents: ['proposal_premium.purchase_failed'] },
  { name: 'InsurUp: SHA-256 → SHA-512 in the header prose', provider: 'insurup', edits: [['payload SHA-256 ile', 'payload SHA-512 ile']], facts: [{ subject: "signature algorithm (Header'lar prose)", docs: 'SHA-512', ours: 'SHA-256', line: 15 }, { subject: "runtime algorithm (Header'lar prose)", ours: 'SHA-256' }] },
  { name: 'InsurUp: the Python sample switches to Base64 (the runtime would still verify)', provider: 'insurup', edits: [['hashlib.sha256).hexdigest()', 'hashlib.sha256).digest()).decode()'], ['computed_signature = hmac.new(', 'computed_signature = base64.b64encode(hmac.new(']], facts: [{ subject: 'signature encoding (Python sample)', docs: 'base64', ours: 'hex', line: 142 }] },
  { name: 'InsurUp: the JavaScript sample switches to Base64', provider: 'insurup', edits: [[".digest('hex');", ".digest('base64');"]], facts: [{ subject: 'signature encoding (JavaScript sample)', docs: 'base64', ours: 'hex', line: 155 }] },
  { name: 'InsurUp: the Java sample switches to hex', provider: 'insurup', edits: [['String computedSignature = Base64.getEncoder().encodeToString(sha256_HMAC.doFinal(payload.getBytes()));', 'String computedSignature = HexFormat.of().formatHex(sha256_HMAC.doFinal(payload.getBytes()));']], facts: [{ subject: 'signature encoding (Java sample)', docs: 'hex', ours: 'base64', line: 195 }] },
  { name: 'InsurUp: the Java sample switches to HMAC-SHA512', provider: 'insurup', edits: [['Mac.getInstance("HmacSHA256")', 'Mac.getInstance("HmacSHA512")']], facts: [{ subject: 'signature algorithm (Java sample)', docs: 'SHA-512', ours: 'SHA-256', line: 191 }, { subject: 'runtime algorithm (Java sample)', file: 'src/providers/insurup.ts' }] },
  { name: 'InsurUp: the C# sample switches to HMAC-SHA1', provider: 'insurup', edits: [['new HMACSHA256(', 'new HMACSHA1(']], facts: [{ subject: 'signature algorithm (C# sample)', docs: 'SHA-1', ours: 'SHA-256', line: 165 }] },
  { name: 'InsurUp: the PHP sample switches to sha1', provider: 'insurup', edits: [["hash_hmac('sha256', $payload, $secret)", "hash_hmac('sha1', $payload, $secret)"]], facts: [{ subject: 'signature algorithm (PHP sample)', docs: 'SHA-1', ours: 'SHA-256', line: 178 }] },
  { name: 'InsurUp: the sync marker dropped', provider: 'insurup', edits: [['### `proposal_premium.purchasing` *sync*', '### `proposal_premium.purchasing`']], facts: [{ kind: 'delivery-mode', event: 'proposal_premium.purchasing', docs: 'unmarked', ours: 'sync', line: 82, file: 'schemas/insurup/proposal_premium.purchasing.schema.json' }] },
  { name: 'InsurUp: an async event now marked sync', provider: 'insurup', edits: [['### `proposal_premium.purchased` *async*', '### `proposal_premium.purchased` *sync*']], facts: [{ kind: 'delivery-mode', event: 'proposal_premium.purchased', docs: 'sync', ours: 'async', line: 113 }] },
  // Axitech
  { name: 'Axitech: a changed date format in the prose', provider: 'axitech', edits: [["when the event was created. Format: 'YYYY-MM-DDTHH:mm:ss'.", "when the event was created. Format: 'DD/MM/YYYY HH:mm'."]], facts: [{ kind: 'format', subject: 'format created_at', event: 'session.submitted', docs: 'DD/MM/YYYY HH:mm', ours: 'YYYY-MM-DDTHH:mm:ss', line: 11, file: 'schemas/axitech/_defs.schema.json' }] },
  { name: 'Axitech: a field added to the property list only', provider: 'axitech', edits: [['- meta: object\n', '- channel: string\n- The channel the session came from.\n- meta: object\n']], facts: [{ kind: 'property', subject: 'property data.channel', event: 'session.submitted', docs: 'string', line: 39, file: 'schemas/axitech/session.submitted.schema.json' }] },
  { name: 'Axitech: a field removed from the property list only', provider: 'axitech', edits: [['- sessionId: string\n- Unique identifier for the session.\n', '']], facts: [{ kind: 'property', subject: 'property data.sessionId', event: 'session.submitted', ours: 'described' }] },
  { name: 'Axitech: a field retyped in the property list', provider: 'axitech', edits: [['- reference: string\n', '- reference: number\n']], facts: [{ subject: 'property data.integrations[].reference', docs: 'number', ours: 'string', line: 31 }] },
  { name: 'Axitech: an optional field marked Required in the property list', provider: 'axitech', edits: [['- List of integrations associated with the session.\n- meta', '- List of integrations associated with the session. Required.\n- meta']], facts: [{ subject: 'required data.key', docs: 'Required', ours: 'optional', line: 38 }] },
  { name: 'Axitech: a required field marked Optional in the property list', provider: 'axitech', edits: [['- sessionId: string\n- Unique identifier for the session.', '- sessionId: string\n- Optional. Unique identifier for the session.']], facts: [{ kind: 'property', subject: 'required data.sessionId', event: 'session.submitted', docs: 'optional', ours: 'Required', line: 22, file: 'schemas/axitech/session.submitted.schema.json' }] },
  { name: 'Axitech: an envelope field marked "(optional)" on its line', provider: 'axitech', edits: [['- api_version: string\n', '- api_version: string (optional)\n']], facts: [{ subject: 'required api_version', docs: 'optional', ours: 'Required', line: 12 }] },
  { name: 'Axitech: an event section removed while the example still carries its name', provider: 'axitech', edits: [['The session.submitted Event\n', '']], missingEvents: ['session.submitted'] },
  { name: 'Axitech: renamed signature header in the sample', provider: 'axitech', edits: [["req.headers['x-aw-signature']", "req.headers['x-aw-sig']"]], facts: [{ subject: 'header signature', docs: 'x-aw-sig', ours: 'x-aw-signature', line: 113 }] },
  { name: 'Axitech: renamed timestamp header in the sample', provider: 'axitech', edits: [["req.headers['x-aw-timestamp']", "req.headers['x-aw-time']"]], facts: [{ subject: 'header timestamp', docs: 'x-aw-time', ours: 'x-aw-timestamp', line: 112 }] },
  { name: 'Axitech: the sample switches algorithm and encoding', provider: 'axitech', edits: [["createHmac('SHA256'", "createHmac('SHA512'"], ["hmac.digest('hex')", "hmac.digest('base64')"]], facts: [{ subject: 'signature algorithm (JavaScript sample)', docs: 'SHA-512', line: 121 }, { subject: 'signature encoding (JavaScript sample)', docs: 'base64', line: 126 }, { subject: 'runtime encoding (JavaScript sample)', ours: 'hex' }] },
  { name: 'Axitech: the sample no longer signs the request line', provider: 'axitech', edits: [['hmac.update(`${method.toUpperCase()}${url}${timestamp}`);', 'hmac.update(`${timestamp}`);']], facts: [{ subject: 'signature signed (JavaScript sample)', docs: 'timestamp + body', ours: 'method + url + timestamp + body' }, { subject: 'runtime signed (JavaScript sample)', file: 'src/providers/axitech.ts' }] },
  { name: 'Axitech: the acknowledgement becomes 204', provider: 'axitech', edits: [['Return a 2XX status code', 'Return a 204 status code']], facts: [{ subject: 'acknowledgement success', docs: '204', ours: '2xx', line: 7 }, { subject: 'runtime handled answer', docs: '204', ours: '200', file: 'src/router/responses.ts' }] },
  { name: 'Axitech: retries no longer mentioned', provider: 'axitech', edits: [[' and prevent retries (make sure the endpoint operations are idempotent and accidental retries/duplications do not break your logic)', '']], facts: [{ kind: 'retries', subject: 'retries', ours: 'yes' }, { subject: 'retries retries quote' }] },
  { name: 'Axitech: a retry schedule added to the setup steps', provider: 'axitech', edits: [['- Return Success Code:', '- Retries: failed deliveries are retried after 1 minute, 10 minutes and 1 hour.\n- Return Success Code:']], facts: [{ kind: 'retries', subject: 'retries schedule', docs: '60s 600s 3600s', line: 7 }] },
  // CoverKit
  { name: 'CoverKit: an acknowledgement rule added where there was none', provider: 'coverkit', edits: [['Retry Policy\n', 'Retry Policy\nYour endpoint must respond with a 2xx status code, or the delivery is retried.\n']], facts: [{ kind: 'acknowledgement', subject: 'acknowledgement success', docs: '2xx', line: 62 }] },
  { name: "CoverKit: an event removed from the list while its setup sample still subscribes to it", provider: 'coverkit', edits: [['claim.approved - Claim approvedclaim.denied', 'claim.denied']], missingEvents: ['claim.approved'] },
  { name: 'CoverKit: policy.created removed from the list, still in the sample and the example', provider: 'coverkit', edits: [['bindingPolicy Events\npolicy.created - Policy bound and activepolicy.renewed', 'bindingPolicy Events\npolicy.renewed']], missingEvents: ['policy.created'] },
  { name: 'CoverKit: renamed signature header', provider: 'coverkit', edits: [["req.headers['coverkit-signature']", "req.headers['x-coverkit-signature']"]], facts: [{ subject: 'header signature', docs: 'x-coverkit-signature', ours: 'coverkit-signature', line: 40 }] },
  { name: 'CoverKit: a changed retry schedule', provider: 'coverkit', edits: [['- 3rd retry: 30 minutes', '- 3rd retry: 1 hour']], facts: [{ kind: 'retries', subject: 'retries schedule', docs: '60s 300s 3600s 7200s 86400s', ours: '60s 300s 1800s 7200s 86400s', line: 65 }, { subject: 'retries scheduleSeconds quote' }] },
  { name: 'CoverKit: a changed attempt limit', provider: 'coverkit', edits: [['After 5 failed attempts', 'After 3 failed attempts']], facts: [{ subject: 'retries attempts', docs: '3', ours: '5', line: 68 }] },
  { name: 'CoverKit: the algorithm now documented in prose', provider: 'coverkit', edits: [['ensure requests come from CoverKit.', 'ensure requests come from CoverKit. The signature is the hex HMAC-SHA256 of the raw body.']], facts: [{ subject: 'signature algorithm (Signature Verification prose)', docs: 'SHA-256', line: 36 }, { subject: 'signature encoding (Signature Verification prose)', docs: 'hex' }] },
];

describe('drift on the committed snapshots', () => {
  it('exits 0 with no fact findings', async () => {
    const { code, out } = await drift(['--json']);
    const report = JSON.parse(out) as DriftReport;
    expect(report.providers.flatMap((p) => p.facts)).toEqual([]);
    expect(code).toBe(0);
    const text = await drift([]);
    expect(text).toMatchObject({ code: 0, out: expect.stringMatching(/\ndrift: none\n$/) });
  });
});

describe('drift on edited docs: every fact kind', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, { provider, edits, facts = [], missingEvents = [] }) => {
    const docs = editedDocs(provider, edits);
    const json = await drift(['--docs', docs, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as DriftReport;
    const ours = report.providers.find((p) => p.provider === provider)!;
    for (const other of report.providers.filter((p) => p.provider !== provider)) expect(other.changes, other.provider).toBe(0);
    for (const { line, ...expected } of facts) {
      expect(ours.facts).toContainEqual(expect.objectContaining({ ...expected, ...(line ? { docLine: expect.objectContaining({ doc: DOCS[provider], line }) } : {}) }));
    }
    expect(ours.missingEvents).toEqual(missingEvents);
    // The text report of the same run (the CLI prints formatDriftReport's text without --json).
    const text = formatDriftReport(report);
    for (const { subject, docs: value } of facts) {
      if (subject) expect(text).toContain(`≠ ${subject}:`);
      if (value) expect(text).toContain(`docs ${value} /`);
    }
    for (const name of missingEvents) expect(text).toContain(`- event ${name}: schemas/${provider}/${name}.schema.json exists, the docs' event list no longer names it`);
  });
});

describe('reading signature samples statically', () => {
  it.each([
    ['PHP, raw bytes in Base64', ["$sig = base64_encode(hash_hmac('sha256', $body, $secret, true));"], [['algorithm', 'SHA-256'], ['encoding', 'base64']]],
    ['Go', ['mac := hmac.New(sha256.New, []byte(secret))', 'hex.EncodeToString(mac.Sum(nil))'], [['algorithm', 'SHA-256'], ['encoding', 'hex']]],
    ['Ruby', ["OpenSSL::HMAC.hexdigest('sha1', secret, body)"], [['algorithm', 'SHA-1'], ['encoding', 'hex']]],
    ['C#, Base64', ['using var hmac = new HMACSHA256(key);', 'Convert.ToBase64String(hmac.ComputeHash(body))'], [['algorithm', 'SHA-256'], ['encoding', 'base64']]],
    ['Python by name', ["hmac.new(key, body, digestmod='sha1').hexdigest()"], [['algorithm', 'SHA-1'], ['encoding', 'hex']]],
  ])('%s', (_name, lines, expected) => {
    const read = readSignatureSample(lines).map((s) => [s.field, s.value]);
    expect(read).toEqual(expected);
  });

  it('gives each header read the role of the variable, operand or parameter it lands in', () => {
    const read = readSignatureSample([
      "const delivery = req.headers['x-acme-delivery'];",
      "if (mac !== req.headers['x-acme-signature']) return;",
      "check(req.headers['x-acme-time'], req.body);",
      'function check(timestamp, body) {}',
    ]).filter((s) => s.field === 'header');
    expect(read.map((s) => [s.role, s.value])).toEqual([['delivery', 'x-acme-delivery'], ['timestamp', 'x-acme-time']]);
  });

  it('an unknown idiom is reported, not taken for silence', async () => {
    const docs = editedDocs('insurup', [['computed_signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()', 'computed_signature = sign_with(secret, payload)']]);
    const { code, out } = await drift(['--docs', docs]);
    expect(code).toBe(1);
    expect(out).toContain('≠ signature sample (Python sample): docs unrecognised / ours (not recorded)');
    expect(out).toContain('≠ signature algorithm (Python sample): docs (no longer stated) / ours SHA-256');
  });
});

describe('a doc in the common shape (docs/adding-a-provider.md)', () => {
  const doc = [
    '# Zurvo Webhooks',
    '',
    '## Headers',
    '',
    '- `zurvo-event`: the event type',
    '- `zurvo-delivery`: identifies the delivery; retries repeat it',
    '- `zurvo-signature`: the Base64 HMAC-SHA512 of the raw body, sent only when a secret is set',
    '',
    '## Signatures',
    '',
    'Every request carries a `zurvo-signature` header.',
  ].join('\n');

  it('its Headers list names each header with the role its description gives, and the signature rule it states', () => {
    const { facts } = standardFacts(doc);
    expect(facts.map((f) => [f.subject, f.value, f.line])).toEqual([
      ['header event', 'zurvo-event', 5],
      ['header delivery', 'zurvo-delivery', 6],
      ['header signature', 'zurvo-signature', 7],
      ['signature algorithm (Headers prose)', 'SHA-512', 7],
      ['signature encoding (Headers prose)', 'base64', 7],
      ['header signature optional', 'yes', 7],
      ['header signature', 'zurvo-signature', 11],
    ]);
  });
});
