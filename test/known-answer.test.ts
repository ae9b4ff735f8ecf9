// Known-answer tests: signatures computed OUTSIDE this package prove that sign() and receive()
// match what the providers document.
//
// - Fixed vectors: literal header values computed once with python3's hmac and `openssl dgst -hmac`
//   (never with this package) over the exact bodies named in FIXED. A change to an example payload
//   shows up as a body-hash mismatch with a message saying to recompute, not as a signature failure.
// - Reference implementations, run at test time on every documented example:
//     test/reference/insurup_signature.py  the docs' Python validate_signature (verbatim) + signers
//                                         for KASKO (the PHP sample's computation), Axitech, CoverKit
//     test/reference/SignatureValidator.java  the docs' Java sample (verbatim; Base64)
//     test/reference/docs-samples.cjs      the docs' JavaScript samples (InsurUp, Axitech; verbatim)
//   in both directions: their signatures pass receive(), and sign()'s pass their verification.
//
// python3 is on every machine this project runs on. Java 17 (Debian openjdk-17-jdk-headless) may not
// be: without it the Java tests skip, naming the package, and fail under CI (test/helpers/system.ts).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examples, receive, sign, WebhookError } from '../src/index.js';
import { available, missing, SYSTEM_PROGRAMS } from './helpers/system.js';

const execFileAsync = promisify(execFile);
const REFERENCE = fileURLToPath(new URL('./reference/', import.meta.url));
const PYTHON_REF = join(REFERENCE, 'insurup_signature.py');
const JAVA_REF = join(REFERENCE, 'SignatureValidator.java');

interface DocsSamples {
  /** insurup-webhooks.md, Javascript sample (verbatim). Throws when the lengths differ (timingSafeEqual). */
  validateSignature(secret: string, payload: string, signature: string): boolean;
  /** axitech-webhooks.txt, generateSignature (verbatim); reads the module's API_SECRET. */
  generateSignature(method: string, url: string, timestamp: string, body: string | Buffer | undefined): string;
  setApiSecret(secret: string): void;
}
const docs = createRequire(import.meta.url)('./reference/docs-samples.cjs') as DocsSamples;

const SECRET = 'whsec_test_secret';
/** The docs' KASKO header example value, reused as a delivery id. */
const KASKO_DELIVERY = 'baf59150f9a60c1c0e6a700e6f531676';
const INSURUP_DELIVERY = '0b7f2f0e-3c1e-4a4e-9f57-6a9c1f0d2b11';
const INSURUP_WEBHOOK_ID = '7d1c5a8e-58a4-4d8e-a0a3-2f1e9c3b6d42';
const AXITECH_TS = '1700000000'; // 2023-11-14T22:13:20Z
const AXITECH_NOW = 1700000000 * 1000;
const AXITECH_URL = '/webhooks/axitech?x=1';

// ---------------------------------------------------------------------------------------------
// Fixed vectors. Computed with, e.g.:
//   printf %s "$BODY" | openssl dgst -sha1 -hmac whsec_test_secret
//   python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"whsec_test_secret", sys.stdin.buffer.read(), hashlib.sha256).hexdigest())'
//   (printf 'POST/webhooks/axitech?x=11700000000'; printf %s "$BODY") | openssl dgst -sha256 -hmac whsec_test_secret
//   openssl dgst -sha256 -hmac whsec_test_secret -binary body.json | base64
// where BODY is the body below; bodySha256 pins those exact bytes.
// ---------------------------------------------------------------------------------------------
const FIXED = {
  kasko: {
    type: 'policy.created',
    body: () => JSON.stringify(examples.kasko['policy.created']),
    bodyBytes: 706,
    bodySha256: '90b56ec05c02f6abaee62f841330098274fe93247f209d14c61b4852791d56f6',
    signature: 'sha1=818b9936327bbbf31ab2f84dced5f4eb9a21e7f1',
  },
  insurup: {
    type: 'proposal_premium.received',
    body: () => JSON.stringify(examples.insurup['proposal_premium.received']), // carries Müşteri ismi, İSTANBUL
    bodyBytes: 859,
    bodySha256: 'd693c2e55eb6adc33f3be1f3cba0a46d81962f2e0665e535d522b0a82fe89cc9',
    signature: 'b9bf4b6076709053429c4228c12a7af11d3d8d3e63b7ccf898b4546ef7c28d6b',
    signatureBase64: 'ub9LYHZwkFNCnEIowSp68R09jT5jt8z4mLRUbvfCjWs=',
  },
  /** The same event as printed in insurup-webhooks.md (2-space indent, trailing newline): multi-line, non-ASCII. */
  insurupAsPrinted: {
    type: 'proposal_premium.received',
    body: () => JSON.stringify(examples.insurup['proposal_premium.received'], null, 2) + '\n',
    bodyBytes: 1211,
    bodySha256: '4f4574f1ad11b6612ec7bdd74126da10b173a4ad70ac365e886f347caf5849df',
    signature: '78967a30ee006fecd15698edb48e651c3c19cadebe3a400484de855c6eaea7cf',
    signatureBase64: 'eJZ6MO4Ab+zRVpjttI5lHDwZyt6+OkAEhN6FXG6up88=',
  },
  axitech: {
    type: 'session.submitted',
    body: () => JSON.stringify(examples.axitech['session.submitted']),
    bodyBytes: 854,
    bodySha256: '4c1aa34aacdd352a7c5071bdaffbe8dcba18d340667d77feca0f92ebe04e79e8',
    signature: '6346a55c31a45fd2bd30fd786aabb0c9189492579ffe22671884e4d93688ab91', // POST, AXITECH_URL, 1700000000
    signatureIsoZ: 'bc7fa9d281897dd630f1156d9ea904f2f46c66d328ab64bf14e734517c6d92e9', // timestamp 2023-11-14T22:13:20Z
    signatureIsoLocal: '162487ba95fba79554e2a3724d0c5756db83b61ab053c1b75958fd4e039523c6', // timestamp 2023-11-14T22:13:20
  },
  coverkit: {
    type: 'policy.created',
    body: () => JSON.stringify(examples.coverkit['policy.created']),
    bodyBytes: 209,
    bodySha256: '2dc9044a58623e1b2883f58404565258bc4cad4d0eccbabed0cfa4f9e830876d',
    signature: 'c1ba893e4bef6769411808fe1803fe1190c6041d34be65968bf87f9e60a91077',
  },
} as const;
/** InsurUp, compact body above, secret with non-ASCII characters (UTF-8 key, as every sample encodes it). */
const NON_ASCII_SECRET = 'gizli_anahtar_ŞÜİ';
const INSURUP_NON_ASCII_SECRET_SIGNATURE = '39972bfec57feb5309194dd3dabb0d4198e5054df966bfb45cb7611265dcba6b';

function pinnedBody(vector: { body: () => string; bodyBytes: number; bodySha256: string }): string {
  const body = vector.body();
  const sha = createHash('sha256').update(body, 'utf8').digest('hex');
  expect(
    { bytes: Buffer.byteLength(body, 'utf8'), sha256: sha },
    'the example payload changed: recompute the fixed vectors outside the package (see the comment above FIXED)',
  ).toEqual({ bytes: vector.bodyBytes, sha256: vector.bodySha256 });
  return body;
}

// ---------------------------------------------------------------------------------------------
// Subprocesses and temp files
// ---------------------------------------------------------------------------------------------
let workDir = '';
let fileCounter = 0;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'insurance-webhooks-known-answer-'));
});
afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Writes a body to a temp file as UTF-8 and returns its path. */
function payloadFile(body: string): string {
  const path = join(workDir, `payload-${++fileCounter}.json`);
  writeFileSync(path, body, 'utf8');
  return path;
}

async function run(command: string, args: string[], expectedLines: number): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(command, args, {
      encoding: 'utf8',
      env: { ...process.env, PYTHONUTF8: '1', PYTHONDONTWRITEBYTECODE: '1' },
      maxBuffer: 1024 * 1024,
    }));
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`reference implementation failed: ${command} ${args.join(' ')}\n${e.message}\n${e.stderr ?? ''}`);
  }
  const lines = stdout.replace(/\n$/, '').split('\n');
  if (lines.length !== expectedLines) throw new Error(`${command} printed ${lines.length} lines, expected ${expectedLines}:\n${stdout}`);
  return lines;
}

/** python3 test/reference/insurup_signature.py <command> <secret> <args...>; one output line per payload. */
function python(command: string, secret: string, args: string[], expectedLines: number): Promise<string[]> {
  return run('python3', [PYTHON_REF, command, secret, ...args], expectedLines);
}

// ---------------------------------------------------------------------------------------------
// Deliveries as the providers send them
// ---------------------------------------------------------------------------------------------
type Body = string | Buffer;
/** Each body as a JS string and as the raw UTF-8 bytes a server reads. */
const bothForms = (body: string): Array<[label: string, body: Body]> => [
  ['string', body],
  ['Buffer', Buffer.from(body, 'utf8')],
];

function receiveKasko(type: string, body: Body, signature: string) {
  // Header names spelled as in kasko-webhooks.md.
  return receive('kasko', { body, headers: { 'X-KASKO-Event': type, 'X-KASKO-Delivery': KASKO_DELIVERY, 'X-KASKO-Signature': signature } }, { secret: SECRET });
}
function receiveInsurup(type: string, body: Body, signature: string, secret: string = SECRET) {
  return receive(
    'insurup',
    {
      body,
      headers: { 'x-webhook-event': type, 'x-webhook-id': INSURUP_WEBHOOK_ID, 'x-webhook-delivery': INSURUP_DELIVERY, 'x-webhook-signature': signature },
    },
    { secret },
  );
}
function receiveAxitech(body: Body, signature: string, timestamp: string, url: string, method = 'POST') {
  return receive('axitech', { body, method, url, headers: { 'x-aw-timestamp': timestamp, 'x-aw-signature': signature } }, { secret: SECRET, now: AXITECH_NOW });
}
function receiveCoverkit(body: Body, signature: string) {
  return receive('coverkit', { body, headers: { 'coverkit-signature': signature } }, { secret: SECRET });
}

async function expectRejected(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookError);
  expect((error as WebhookError).code).toBe(code);
}

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

// =============================================================================================
describe('fixed vectors (computed with python3/openssl outside the package)', () => {
  it('KASKO: sha1=<hex HMAC-SHA1> of policy.created', async () => {
    const v = FIXED.kasko;
    const body = pinnedBody(v);
    const headers = await sign('kasko', { type: v.type, body, deliveryId: KASKO_DELIVERY }, SECRET);
    expect(headers['x-kasko-signature']).toBe(v.signature);
    expect(headers['x-kasko-event']).toBe(v.type);
    for (const [, form] of bothForms(body)) {
      const event = await receiveKasko(v.type, form, v.signature);
      expect(event).toMatchObject({ provider: 'kasko', type: v.type, deliveryId: KASKO_DELIVERY });
      expect(event.payload).toEqual(examples.kasko['policy.created']);
    }
    // The PHP sample compares with !==: upper-case hex is another spelling, refused; so is a different MAC.
    await expectRejected(receiveKasko(v.type, body, `sha1=${v.signature.slice(5).toUpperCase()}`), 'signature_invalid');
    await expectRejected(receiveKasko(v.type, body, v.signature.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), 'signature_invalid');
    await expectRejected(receiveKasko(v.type, body + ' ', v.signature), 'signature_invalid');
  });

  it('InsurUp: hex and Base64 HMAC-SHA256 of a non-ASCII body, compact and as printed in the docs', async () => {
    for (const v of [FIXED.insurup, FIXED.insurupAsPrinted]) {
      const body = pinnedBody(v);
      expect(body).toContain('Müşteri ismi');
      expect(body).toContain('İSTANBUL');
      const headers = await sign('insurup', { type: v.type, body, deliveryId: INSURUP_DELIVERY, webhookId: INSURUP_WEBHOOK_ID }, SECRET);
      expect(headers['x-webhook-signature']).toBe(v.signature);
      expect(headers['x-webhook-event']).toBe(v.type);
      expect(hexToBase64(v.signature)).toBe(v.signatureBase64); // the two literals are one MAC
      for (const signature of [v.signature, v.signature.toUpperCase(), v.signatureBase64]) {
        for (const [, form] of bothForms(body)) {
          const event = await receiveInsurup(v.type, form, signature);
          expect(event).toMatchObject({ provider: 'insurup', type: v.type, deliveryId: INSURUP_DELIVERY });
          expect(event.payload).toEqual(examples.insurup['proposal_premium.received']);
        }
      }
    }
    // The compact body's MAC does not verify the as-printed body: the raw bytes are signed.
    await expectRejected(receiveInsurup(FIXED.insurup.type, FIXED.insurupAsPrinted.body(), FIXED.insurup.signature), 'signature_invalid');
  });

  it('InsurUp: a non-ASCII secret is used as its UTF-8 bytes', async () => {
    const body = pinnedBody(FIXED.insurup);
    const headers = await sign('insurup', { type: FIXED.insurup.type, body }, NON_ASCII_SECRET);
    expect(headers['x-webhook-signature']).toBe(INSURUP_NON_ASCII_SECRET_SIGNATURE);
    for (const [, form] of bothForms(body)) {
      await expect(receiveInsurup(FIXED.insurup.type, form, INSURUP_NON_ASCII_SECRET_SIGNATURE, NON_ASCII_SECRET)).resolves.toMatchObject({
        type: FIXED.insurup.type,
      });
    }
  });

  it('Axitech: hex HMAC-SHA256 of POST + url + timestamp + body', async () => {
    const v = FIXED.axitech;
    const body = pinnedBody(v);
    const cases: Array<[timestamp: Date | number | string, header: string, signature: string]> = [
      [AXITECH_NOW, AXITECH_TS, v.signature],
      [new Date(AXITECH_NOW), AXITECH_TS, v.signature],
      [AXITECH_TS, AXITECH_TS, v.signature],
      ['2023-11-14T22:13:20Z', '2023-11-14T22:13:20Z', v.signatureIsoZ],
      ['2023-11-14T22:13:20', '2023-11-14T22:13:20', v.signatureIsoLocal], // the prose's YYYY-MM-DDTHH:mm:ss
    ];
    for (const [timestamp, header, signature] of cases) {
      const headers = await sign('axitech', { type: v.type, body, method: 'POST', url: AXITECH_URL, timestamp }, SECRET);
      expect(headers['x-aw-timestamp']).toBe(header);
      expect(headers['x-aw-signature']).toBe(signature);
      for (const [, form] of bothForms(body)) {
        for (const method of ['POST', 'post']) {
          const event = await receiveAxitech(form, signature, header, AXITECH_URL, method);
          expect(event).toMatchObject({ provider: 'axitech', type: v.type });
          expect(event.payload).toEqual(examples.axitech['session.submitted']);
        }
      }
    }
    // Everything in the signed prefix matters, and the window is 300 s around `now`.
    await expectRejected(receiveAxitech(body, v.signature, AXITECH_TS, '/webhooks/axitech?x=2'), 'signature_invalid');
    await expectRejected(receiveAxitech(body, v.signature, AXITECH_TS, AXITECH_URL, 'PUT'), 'signature_invalid');
    await expectRejected(receiveAxitech(body, v.signature, '1700000001', AXITECH_URL), 'signature_invalid');
    await expectRejected(
      receive('axitech', { body, method: 'POST', url: AXITECH_URL, headers: { 'x-aw-timestamp': AXITECH_TS, 'x-aw-signature': v.signature } }, { secret: SECRET, now: AXITECH_NOW + 301_000 }),
      'timestamp_invalid',
    );
  });

  it('CoverKit: hex HMAC-SHA256 of the body (project decision)', async () => {
    const v = FIXED.coverkit;
    const body = pinnedBody(v);
    const headers = await sign('coverkit', { type: v.type, body }, SECRET);
    expect(headers['coverkit-signature']).toBe(v.signature);
    for (const [, form] of bothForms(body)) {
      const event = await receiveCoverkit(form, v.signature);
      expect(event).toMatchObject({ provider: 'coverkit', type: v.type, deliveryId: examples.coverkit['policy.created'].id });
      expect(event.payload).toEqual(examples.coverkit['policy.created']);
    }
    await expectRejected(receiveCoverkit(body, v.signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))), 'signature_invalid');
  });
});

// =============================================================================================
describe('KASKO: every example against the PHP sample computation (python)', () => {
  const cases = Object.entries(examples.kasko).map(([type, example]) => ({ type, example, body: JSON.stringify(example) }));
  const reference = new Map<string, string>();

  beforeAll(async () => {
    const lines = await python('kasko-sign', SECRET, cases.map((c) => payloadFile(c.body)), cases.length);
    cases.forEach((c, i) => reference.set(c.type, lines[i]!));
  }, 30_000);

  it.each(cases)('$type', async ({ type, example, body }) => {
    const signature = reference.get(type)!;
    expect(signature).toMatch(/^sha1=[0-9a-f]{40}$/);
    for (const [, form] of bothForms(body)) {
      const event = await receiveKasko(type, form, signature);
      expect(event.type).toBe(type);
      expect(event.payload).toEqual(example);
    }
    // The other direction: sign() writes exactly what the PHP sample computes ($hash).
    const headers = await sign('kasko', { type, body }, SECRET);
    expect(headers['x-kasko-signature']).toBe(signature);
  });
});

// =============================================================================================
describe('InsurUp: every example against the docs samples (Python, JavaScript, Java)', () => {
  // Each example compact and as printed in the docs (indented, trailing newline).
  const cases = Object.entries(examples.insurup).flatMap(([type, example]) => [
    { name: `${type} (compact)`, type, example, body: JSON.stringify(example) },
    { name: `${type} (as printed)`, type, example, body: JSON.stringify(example, null, 2) + '\n' },
  ]);
  const files = new Map<string, string>();
  const pythonHex = new Map<string, string>();
  /** Our sign() output per case. */
  const ours = new Map<string, string>();
  const pythonVerifiesOurs = new Map<string, string>();

  beforeAll(async () => {
    for (const c of cases) {
      files.set(c.name, payloadFile(c.body));
      const headers = await sign('insurup', { type: c.type, body: c.body }, SECRET);
      ours.set(c.name, headers['x-webhook-signature']!);
    }
    const paths = cases.map((c) => files.get(c.name)!);
    const [signed, verified] = await Promise.all([
      python('sign', SECRET, paths, cases.length),
      python('verify', SECRET, cases.flatMap((c) => [files.get(c.name)!, ours.get(c.name)!]), cases.length),
    ]);
    cases.forEach((c, i) => {
      pythonHex.set(c.name, signed[i]!);
      pythonVerifiesOurs.set(c.name, verified[i]!);
    });
  }, 30_000);

  it('the non-ASCII example is among them', () => {
    expect(cases.filter((c) => c.body.includes('Müşteri ismi') && c.body.includes('İSTANBUL'))).toHaveLength(2);
  });

  it.each(cases)('$name', async ({ name, type, example, body }) => {
    const hex = pythonHex.get(name)!;
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    // The two verbatim verifiers agree on the Python signature.
    expect(docs.validateSignature(SECRET, body, hex)).toBe(true);
    for (const signature of [hex, hex.toUpperCase()]) {
      for (const [, form] of bothForms(body)) {
        const event = await receiveInsurup(type, form, signature);
        expect(event.type).toBe(type);
        expect(event.payload).toEqual(example);
      }
    }
    // The other direction: our signature passes the docs' Python and JavaScript validators.
    const our = ours.get(name)!;
    expect(our).toBe(hex);
    expect(pythonVerifiesOurs.get(name)).toBe('true');
    expect(docs.validateSignature(SECRET, body, our)).toBe(true);
  });

  it('the verbatim validators are not vacuous: a wrong signature or body is refused', async () => {
    const c = cases[0]!;
    const hex = pythonHex.get(c.name)!;
    const wrong = hex.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'));
    const [pythonWrong, pythonOtherBody] = await Promise.all([
      python('verify', SECRET, [files.get(c.name)!, wrong], 1),
      python('verify', SECRET, [files.get(cases[1]!.name)!, hex], 1),
    ]);
    expect(pythonWrong).toEqual(['false']);
    expect(pythonOtherBody).toEqual(['false']);
    expect(docs.validateSignature(SECRET, c.body, wrong)).toBe(false);
    expect(docs.validateSignature('another_secret', c.body, hex)).toBe(false);
  });

  // ---- Java (Base64) ----
  describe('Java sample (SignatureValidator, Base64)', () => {
    const javaMissing = !available(SYSTEM_PROGRAMS.java);
    let classes = '';
    const java = (args: string[], expectedLines: number) =>
      run('java', ['-cp', classes, '-Dfile.encoding=UTF-8', 'SignatureValidator', ...args], expectedLines);
    const javaBase64 = new Map<string, string>();
    let javaVerifiesOurs: string[] = [];

    beforeAll(async () => {
      if (javaMissing) return; // each test below skips (or, under CI, fails) saying why
      classes = join(workDir, 'java-classes');
      mkdirSync(classes, { recursive: true });
      await run('javac', ['-d', classes, JAVA_REF], 1); // prints nothing on success (one empty line)
      // One JVM for all signatures, one for all verifications (each JVM start costs ~0.3 s).
      const [signed, verified] = await Promise.all([
        java(['sign', SECRET, ...cases.map((c) => files.get(c.name)!)], cases.length),
        java(['verify', SECRET, ...cases.flatMap((c) => [files.get(c.name)!, hexToBase64(ours.get(c.name)!)])], cases.length),
      ]);
      cases.forEach((c, i) => javaBase64.set(c.name, signed[i]!));
      javaVerifiesOurs = verified;
    }, 60_000);

    it.for(cases)('$name', async ({ name, type, example, body }, context) => {
      if (missing(context, SYSTEM_PROGRAMS.java)) return;
      const base64 = javaBase64.get(name)!;
      expect(base64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      // Java's Base64 is the same MAC as Python's hex.
      expect(base64).toBe(hexToBase64(pythonHex.get(name)!));
      for (const [, form] of bothForms(body)) {
        const event = await receiveInsurup(type, form, base64);
        expect(event.type).toBe(type);
        expect(event.payload).toEqual(example);
      }
      // Java's encoder pads: the same MAC unpadded is another spelling, refused.
      await expectRejected(receiveInsurup(type, body, base64.replace(/=+$/, '')), 'signature_invalid');
      // The other direction: our hex, as Base64, is what the Java sample computes and accepts.
      expect(hexToBase64(ours.get(name)!)).toBe(base64);
      expect(javaVerifiesOurs[cases.findIndex((c) => c.name === name)]).toBe('true');
    });

    it('the Java sample is not vacuous: it refuses our hex as-is and a wrong MAC', async (context) => {
      if (missing(context, SYSTEM_PROGRAMS.java)) return;
      const c = cases[0]!;
      const base64 = javaBase64.get(c.name)!;
      const wrong = (base64.startsWith('A') ? 'B' : 'A') + base64.slice(1);
      expect(await java(['verify', SECRET, files.get(c.name)!, ours.get(c.name)!, files.get(c.name)!, wrong, files.get(c.name)!, base64], 3)).toEqual([
        'false',
        'false',
        'true',
      ]);
    }, 30_000);
  });
});

// =============================================================================================
describe('Axitech: every example against generateSignature (JavaScript, verbatim) and python', () => {
  const variants = [
    { method: 'POST', url: AXITECH_URL, timestamp: AXITECH_TS },
    { method: 'post', url: '/', timestamp: AXITECH_TS }, // the sample's route is `/`
    { method: 'POST', url: '/hooks/aw?session=abc&x=%C3%BC', timestamp: '1700000123' },
    { method: 'POST', url: AXITECH_URL, timestamp: '2023-11-14T22:13:20Z' },
    { method: 'POST', url: AXITECH_URL, timestamp: '2023-11-14T22:13:20' },
  ];
  const cases = Object.entries(examples.axitech).flatMap(([type, example]) =>
    variants.map((v) => ({ name: `${type} @${v.timestamp} ${v.method} ${v.url}`, type, example, body: JSON.stringify(example), ...v })),
  );
  const pythonHex = new Map<string, string>();

  beforeAll(async () => {
    docs.setApiSecret(SECRET);
    const lines = await Promise.all(
      cases.map((c) => python('axitech-sign', SECRET, [c.method, c.url, c.timestamp, payloadFile(c.body)], 1)),
    );
    cases.forEach((c, i) => pythonHex.set(c.name, lines[i]![0]!));
  }, 30_000);

  it.each(cases)('$name', async ({ name, type, example, body, method, url, timestamp }) => {
    // The sample passes Express's rawBody (a Buffer); a string gives the same MAC.
    const jsHex = docs.generateSignature(method, url, timestamp, Buffer.from(body, 'utf8'));
    expect(docs.generateSignature(method, url, timestamp, body)).toBe(jsHex);
    expect(jsHex).toBe(pythonHex.get(name));
    for (const [, form] of bothForms(body)) {
      const event = await receiveAxitech(form, jsHex, timestamp, url, method);
      expect(event.type).toBe(type);
      expect(event.payload).toEqual(example);
    }
    // The other direction: the sample's `signature !== req.headers['x-aw-signature']` check passes.
    const headers = await sign('axitech', { type, body, method, url, timestamp }, SECRET);
    expect(headers['x-aw-timestamp']).toBe(timestamp);
    expect(headers['x-aw-signature']).toBe(jsHex);
  });
});

// =============================================================================================
describe('CoverKit: every example against hex HMAC-SHA256 of the body (python)', () => {
  const cases = Object.entries(examples.coverkit).map(([type, example]) => ({ type, example, body: JSON.stringify(example) }));
  const reference = new Map<string, string>();

  beforeAll(async () => {
    const lines = await python('coverkit-sign', SECRET, cases.map((c) => payloadFile(c.body)), cases.length);
    cases.forEach((c, i) => reference.set(c.type, lines[i]!));
  }, 30_000);

  it.each(cases)('$type', async ({ type, example, body }) => {
    const signature = reference.get(type)!;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    for (const [, form] of bothForms(body)) {
      const event = await receiveCoverkit(form, signature);
      expect(event.type).toBe(type);
      expect(event.payload).toEqual(example);
    }
    const headers = await sign('coverkit', { type, body }, SECRET);
    expect(headers['coverkit-signature']).toBe(signature);
  });
});
