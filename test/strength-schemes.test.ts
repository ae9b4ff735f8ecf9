// Signature schemes and the signed timestamp (src/core/signature.ts, src/core/receive.ts), written
// from the kinds of mutant that survived (issue 20): the timestamped scheme's signed content pinned
// by a vector computed outside the package (sign() and receive() agreeing with each other proves
// nothing), a custom scheme whose MAC has another length, labels, and boundary pairs for the
// timestamp forms and the replay window.
import { describe, expect, it } from 'vitest';
import { bodyHmac, examples, parseTimestamp, receive, sign, timestampedHmac, WebhookError, type SignatureScheme } from '../src/index.js';
import { coverkitTimestampedScheme } from '../src/providers/coverkit.js';

// CoverKit's documented example (policy.created), as literal bytes.
const BODY =
  '{"id":"evt_abc123","type":"policy.created","createdAt":"2024-12-20T12:00:00Z","data":{"id":"policy_xyz789","quoteId":"quote_abc123","status":"active","premium":299,"customer":{"email":"customer@example.com"}}}';
const SECRET = 'whsec_test_secret';
const T = '1700000000';
const NOW = 1_700_000_000_000;
// python3 -c 'import hmac,hashlib,sys; b=sys.stdin.buffer.read(); s=b"whsec_test_secret"
//   print(hmac.new(s, b"1700000000." + b, hashlib.sha256).hexdigest()); print(hmac.new(s, b, hashlib.sha256).hexdigest())' < body.json
// (body.json = BODY, 209 bytes, sha256 2dc9044a58623e1b2883f58404565258bc4cad4d0eccbabed0cfa4f9e830876d)
const MAC_T_DOT_BODY = 'de619e6a120deda476b424c10664459ecf4247687ba4adaaf5a9cf9f411d74c9';
const MAC_BODY_ONLY = 'c1ba893e4bef6769411808fe1803fe1190c6041d34be65968bf87f9e60a91077';

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.catch((error: unknown) => error);
}
const code = async (promise: Promise<unknown>) => ((await outcome(promise)) as WebhookError).code;
const timestamped = (header: string, now = NOW) => receive('coverkit', { body: BODY, headers: { 'coverkit-signature': header } }, { secret: SECRET, signature: coverkitTimestampedScheme, now });

describe('timestamped scheme (t=…,v1=…): the timestamp is part of the signed content', () => {
  it('sign() writes the fixed vector: HMAC-SHA256 of "<t>.<body>"', async () => {
    const headers = await sign('coverkit', { type: 'policy.created', body: BODY, timestamp: T }, SECRET, { signature: coverkitTimestampedScheme });
    expect(headers['coverkit-signature']).toBe(`t=${T},v1=${MAC_T_DOT_BODY}`);
    const fromDate = await sign('coverkit', { type: 'policy.created', body: BODY, timestamp: new Date(NOW + 999) }, SECRET, { signature: coverkitTimestampedScheme });
    expect(fromDate['coverkit-signature']).toBe(`t=${T},v1=${MAC_T_DOT_BODY}`); // whole seconds
  });

  it('receive() accepts the fixed vector and refuses a MAC of the body alone (replay protection)', async () => {
    await expect(timestamped(`t=${T},v1=${MAC_T_DOT_BODY}`)).resolves.toMatchObject({ type: 'policy.created', deliveryId: 'evt_abc123' });
    expect(await code(timestamped(`t=${T},v1=${MAC_BODY_ONLY}`))).toBe('signature_invalid');
    // Another timestamp under the same MAC does not verify: the timestamp is signed.
    expect(await code(timestamped(`t=1700000001,v1=${MAC_T_DOT_BODY}`, NOW + 1000))).toBe('signature_invalid');
  });

  it('parses entries in any order, spaces around them, several v1 (rotation), and ignores others', async () => {
    for (const header of [
      `v1=${MAC_T_DOT_BODY},t=${T}`,
      ` t = ${T} ,v1 = ${MAC_T_DOT_BODY} `,
      `t=${T},v1=${'0'.repeat(64)},v1=${MAC_T_DOT_BODY}`,
      `t=${T},v1=${MAC_T_DOT_BODY},v1=${'0'.repeat(64)}`,
      `t=${T},v0=${MAC_BODY_ONLY},v1=${MAC_T_DOT_BODY}`,
      `t=${T},v1=not-hex,v1=${MAC_T_DOT_BODY}`,
    ]) {
      await expect(timestamped(header), header).resolves.toMatchObject({ type: 'policy.created' });
    }
    // Stripe's v1 is lower-case hex: another spelling of the MAC is not that MAC.
    expect(await code(timestamped(`t=${T},v1=${MAC_T_DOT_BODY.toUpperCase()}`))).toBe('signature_invalid');
  });

  it('is list-valued: repeated headers (t in one, v1 in another, as a proxy may split them) are read as one list', async () => {
    const split = receive('coverkit', { body: BODY, headers: { 'coverkit-signature': [`t=${T}`, `v1=${MAC_T_DOT_BODY}`] } }, { secret: SECRET, signature: coverkitTimestampedScheme, now: NOW });
    await expect(split).resolves.toMatchObject({ type: 'policy.created' });
  });

  it('refuses a header without t, without a valid v1, or with v1 under another name', async () => {
    for (const header of [`v1=${MAC_T_DOT_BODY}`, `t=${T}`, `t=${T},v1=${MAC_T_DOT_BODY.slice(2)}`, `t=${T},v2=${MAC_T_DOT_BODY}`, `t=${T},xv1=${MAC_T_DOT_BODY}`, `t${T},v1${MAC_T_DOT_BODY}`, '']) {
      expect(await code(timestamped(header)), header).toBe('signature_invalid');
    }
    const scheme = timestampedHmac('x');
    expect(scheme.parse(`t=${T},v1=${MAC_T_DOT_BODY}`)).toEqual({ timestamp: T, macs: [Uint8Array.from(Buffer.from(MAC_T_DOT_BODY, 'hex'))] });
    expect(scheme.parse(`t=${T}`)).toBeUndefined();
    expect(scheme.parse(`v1=${MAC_T_DOT_BODY}`)).toBeUndefined();
    expect(scheme.prefix({ method: 'POST', url: '/', timestamp: T })).toBe(`${T}.`);
    expect(scheme.format(Uint8Array.of(0, 255), { method: 'POST', url: '/', timestamp: T })).toBe(`t=${T},v1=00ff`);
    expect([scheme.name, scheme.algorithm, scheme.timestamp, scheme.listValued]).toEqual(['x', 'SHA-256', 'signature', true]);
  });

  it('applies the replay window to the signed t, both ways: exactly 300 s accepted, one more refused', async () => {
    const header = `t=${T},v1=${MAC_T_DOT_BODY}`;
    await expect(timestamped(header, NOW + 300_000)).resolves.toBeDefined();
    await expect(timestamped(header, NOW - 300_000)).resolves.toBeDefined();
    const old = (await outcome(timestamped(header, NOW + 301_000))) as WebhookError;
    expect([old.code, old.message]).toEqual(['timestamp_invalid', 'the signed timestamp is 301s old; the window is 300s']);
    const future = (await outcome(timestamped(header, NOW - 301_000))) as WebhookError;
    expect([future.code, future.message]).toEqual(['timestamp_invalid', 'the signed timestamp is 301s in the future; the window is 300s']);
  });
});

describe('the replay window at the millisecond (Axitech, timestamps in ms)', () => {
  const url = '/h';
  const body = JSON.stringify(examples.axitech['session.submitted']);
  const at = async (timestamp: string) => ({ body, url, method: 'POST', headers: await sign('axitech', { type: 'session.submitted', body, url, timestamp }, SECRET) });
  const ms = String(NOW);

  it.each([
    [undefined, 300_000],
    [10, 10_000],
    [0, 0],
  ])('toleranceSeconds %s: %d ms either way accepted, 1 ms more refused', async (toleranceSeconds, edge) => {
    const delivery = await at(ms);
    const options = (now: number) => ({ secret: SECRET, now, ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }) });
    for (const now of [NOW + edge, NOW - edge]) await expect(receive('axitech', delivery, options(now)), String(now - NOW)).resolves.toBeDefined();
    for (const now of [NOW + edge + 1, NOW - edge - 1]) expect(await code(receive('axitech', delivery, options(now))), String(now - NOW)).toBe('timestamp_invalid');
  });

  it('without now, the clock is Date.now()', async () => {
    const delivery = await at(String(Date.now()));
    await expect(receive('axitech', delivery, { secret: SECRET })).resolves.toBeDefined();
    expect(await code(receive('axitech', await at(String(Date.now() - 400_000)), { secret: SECRET }))).toBe('timestamp_invalid');
    await expect(receive('axitech', delivery, { secret: SECRET, now: new Date() })).resolves.toBeDefined();
  });
});

describe('parseTimestamp: boundary pairs', () => {
  it('seconds below 1e11, milliseconds from 1e11 (exactly)', () => {
    expect(parseTimestamp('99999999999')).toBe(99_999_999_999_000);
    expect(parseTimestamp('100000000000')).toBe(100_000_000_000);
    expect(parseTimestamp('1')).toBe(1000);
    expect(parseTimestamp('1700000000')).toBe(NOW);
    expect(parseTimestamp('1700000000000')).toBe(NOW);
  });

  it('at most 16 digits, no sign, no leading zero, nothing around', () => {
    expect(parseTimestamp('1'.padEnd(16, '0'))).toBe(1e15);
    expect(parseTimestamp('1'.padEnd(17, '0'))).toBeUndefined();
    for (const bad of ['0', '01700000000', '+1700000000', '-1700000000', ' 1700000000', '1700000000 ', '1700000000.5', '1e9', '']) {
      expect(parseTimestamp(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('ISO-8601: fields must survive the round trip, offsets within ±23:59, fractions to the nanosecond', () => {
    expect(parseTimestamp('2023-11-14T22:13:20Z')).toBe(NOW);
    expect(parseTimestamp('2023-11-14T22:13:20')).toBe(NOW);
    expect(parseTimestamp('2023-11-15T01:13:20+03:00')).toBe(NOW);
    expect(parseTimestamp('2023-11-14T19:13:20-03:00')).toBe(NOW);
    expect(parseTimestamp('2023-11-14T22:43:20+00:30')).toBe(NOW);
    expect(parseTimestamp('2023-11-15T22:12:20+23:59')).toBe(NOW);
    expect(parseTimestamp('2023-11-14T22:13:20+24:00')).toBeUndefined();
    expect(parseTimestamp('2023-11-14T22:13:20+00:60')).toBeUndefined();
    expect(parseTimestamp('2023-11-14T22:13:20.5Z')).toBe(NOW + 500);
    // A fraction and an offset together: the fraction is added, the offset taken off.
    expect(parseTimestamp('2023-11-15T01:13:20.25+03:00')).toBe(NOW + 250);
    expect(parseTimestamp('2023-11-14T19:13:20.25-03:00')).toBe(NOW + 250);
    // Date.UTC would carry years 0000–0099 into the 1900s: refused, not moved; 0100 is exact.
    expect(parseTimestamp('0050-01-01T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp('0100-01-01T00:00:00Z')).toBe(Date.UTC(100, 0, 1) - 0);
    expect(parseTimestamp('9999-12-31T23:59:59Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
    expect(parseTimestamp('2023-11-14T22:13:20.123456789Z')).toBeCloseTo(NOW + 123.456789, 3);
    expect(parseTimestamp('2023-11-14T22:13:20.1234567890Z')).toBeUndefined();
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    for (const bad of ['2023-02-29T00:00:00Z', '2023-11-31T00:00:00Z', '2023-13-01T00:00:00Z', '2023-00-10T00:00:00Z', '2023-11-00T00:00:00Z', '2023-11-14T24:00:00Z', '2023-11-14T23:60:00Z', '2023-11-14T23:59:60Z', '2023-11-14', '2023-11-14 22:13:20Z', 'x2023-11-14T22:13:20Z', '2023-11-14T22:13:20Zx', '2023-11-14T22:13:202023-11-14T22:13:20Z']) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
  });
});

describe('custom schemes', () => {
  // A scheme whose parse accepts any length: comparison must still require equal lengths.
  const anyLength: SignatureScheme = {
    name: 'kasko-hmac-sha1',
    algorithm: 'SHA-1',
    parse: (value) => ({ macs: [Uint8Array.from(Buffer.from(value, 'hex'))] }),
    prefix: () => '',
    format: (mac) => Buffer.from(mac).toString('hex'),
  };
  const body = JSON.stringify({ id: 'x' });

  it('a MAC of another length never verifies: extended (even by zero bytes) or truncated', async () => {
    const headers = await sign('kasko', { type: 'policy.created', body }, SECRET, { signature: anyLength });
    const mac = headers['x-kasko-signature']!;
    const options = { secret: SECRET, signature: anyLength };
    const withMac = (value: string) => receive('kasko', { body, headers: { ...headers, 'x-kasko-signature': value } }, options);
    expect(await code(withMac(mac))).toBe('payload_invalid'); // verified; the body is not a policy
    for (const value of [`${mac}00`, `${mac}0000`, mac.slice(0, -2), `${mac}${mac}`, '']) {
      expect(await code(withMac(value)), value).toBe('signature_invalid');
    }
  });

  it('bodyHmac: the label is required unless optional; sign() writes the first encoding, with the label unless optional', () => {
    const mac = Uint8Array.from({ length: 32 }, (_, i) => i);
    const hex = Buffer.from(mac).toString('hex');
    const base64 = Buffer.from(mac).toString('base64');
    const request = { method: 'POST', url: '/', timestamp: undefined };
    const labelled = bodyHmac({ name: 'a', algorithm: 'SHA-256', encodings: ['hex'], label: 'sha256=' });
    expect(labelled.format(mac, request)).toBe(`sha256=${hex}`);
    expect(labelled.parse(`sha256=${hex}`)?.macs).toEqual([mac]);
    expect(labelled.parse(hex)).toBeUndefined();
    expect(labelled.parse(`sha256=sha256=${hex}`)).toBeUndefined();
    expect(labelled.prefix(request)).toBe('');
    const optional = bodyHmac({ name: 'b', algorithm: 'SHA-256', encodings: ['base64', 'hex'], label: 'v=', labelOptional: true });
    expect(optional.format(mac, request)).toBe(base64);
    for (const value of [base64, `v=${base64}`, hex, `v=${hex}`]) expect(optional.parse(value)?.macs, value).toEqual([mac]);
    const bare = bodyHmac({ name: 'c', algorithm: 'SHA-1', encodings: ['hex'] });
    expect(bare.format(mac.subarray(0, 20), request)).toBe(hex.slice(0, 40));
    expect(bare.parse(hex.slice(0, 40))?.macs).toEqual([mac.subarray(0, 20)]);
    expect(bare.parse(hex)).toBeUndefined(); // 32 bytes is not SHA-1's length
    expect([bare.name, bare.algorithm, bare.timestamp, bare.signsRequestLine]).toEqual(['c', 'SHA-1', undefined, undefined]);
  });
});

describe('receive.ts: the defaults it fills in, exactly (issue 20, run of src/core/receive.ts)', () => {
  it('Axitech signs the method: a delivery without one is taken as POST (the only method providers use), another method does not verify', async () => {
    const body = JSON.stringify(examples.axitech['session.submitted']);
    const headers = await sign('axitech', { type: 'session.submitted', body, url: '/hooks/axitech', timestamp: NOW }, SECRET);
    const event = await receive('axitech', { body, headers, url: '/hooks/axitech' }, { secret: SECRET, now: NOW });
    expect(event.type).toBe('session.submitted');
    expect(await code(receive('axitech', { body, headers, url: '/hooks/axitech', method: 'PUT' }, { secret: SECRET, now: NOW }))).toBe('signature_invalid');
  });

  it('a custom scheme that signs a timestamp header, on a provider that documents none: "the timestamp header is missing"', async () => {
    const scheme: SignatureScheme = { ...bodyHmac({ name: 'custom', algorithm: 'SHA-256', encodings: ['hex'] }), timestamp: 'header' };
    const headers = await sign('coverkit', { type: 'policy.created', body: BODY }, SECRET);
    const error = (await outcome(receive('coverkit', { body: BODY, headers }, { secret: SECRET, signature: scheme, now: NOW }))) as WebhookError;
    expect([error.code, error.message]).toEqual(['timestamp_invalid', 'the timestamp header is missing']);
  });
});
