import { describe, expect, it } from 'vitest';
import {
  examples,
  providerCatalog,
  receive,
  receiveSync,
  sign,
  WebhookError,
  UsageError,
  type Provider,
  type WebhookErrorCode,
} from '../src/index.js';
import { pointerKeys } from '../src/core/pointer.js';
import { receiveWith } from '../src/core/receive.js';
import { providerDefinition } from '../src/root-api.js';
import { decodeBase64, defaultBackend, encodeHex, webBackend } from '../src/core/crypto.js';
import { bodyHmac, MAC_BYTES } from '../src/core/signature.js';
import { coverkitTimestampedScheme } from '../src/providers/coverkit.js';
import { allExamples, delivery, NOW, options, providers, SECRET, SIGNATURE_HEADER, URL_PATH, type Delivery } from './helpers/deliveries.js';

const incoming = (d: Delivery, patch: Partial<{ body: string | Uint8Array; headers: any; method: string; url: string }> = {}) => ({
  body: d.body,
  headers: d.headers,
  method: d.method,
  url: d.url,
  ...patch,
});

async function rejection(promise: Promise<unknown>): Promise<WebhookError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}
async function expectCode(promise: Promise<unknown>, code: WebhookErrorCode) {
  const error = await rejection(promise);
  expect(error.code, error.message).toBe(code);
  return error;
}
const withHeader = (d: Delivery, name: string, value: string | undefined) => {
  const headers: Record<string, string | undefined> = { ...d.headers, [name]: value };
  if (value === undefined) delete headers[name];
  return headers;
};

describe.each(allExamples)('$provider $type example', ({ provider, type, payload }) => {
  it('is received as a typed event from a string, a Buffer and a Uint8Array body', async () => {
    const d = await delivery(provider, type);
    const bodies = [d.body, Buffer.from(d.body, 'utf8'), new TextEncoder().encode(d.body)];
    for (const body of bodies) {
      const event = await receive(provider, incoming(d, { body }), options);
      expect(event).toMatchObject({ provider, type, payload });
    }
  });

  it('is received the same with Web Headers, upper-case keys, and Web Crypto', async () => {
    const d = await delivery(provider, type);
    const upper = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toUpperCase(), v]));
    const expected = await receive(provider, incoming(d), options);
    expect(await receive(provider, incoming(d, { headers: new Headers(d.headers) }), options)).toEqual(expected);
    expect(await receive(provider, incoming(d, { headers: upper }), options)).toEqual(expected);
    expect(await receiveWith(webBackend(), providerDefinition(provider), incoming(d), options)).toEqual(expected);
    expect(receiveSync(provider, incoming(d), options)).toEqual(expected);
  });
});

describe.each(providers)('%s signatures', (provider) => {
  const type = Object.keys(examples[provider])[0]!; // any of its events: the signature does not depend on it
  const header = SIGNATURE_HEADER[provider];

  it('rejects a tampered body (every single-byte flip of the first 64 bytes)', async () => {
    const d = await delivery(provider, type);
    const bytes = Buffer.from(d.body);
    // A body may be shorter than 64 bytes: a flip past its end would change nothing and verify.
    for (let i = 0; i < Math.min(64, bytes.length); i++) {
      const flipped = Buffer.from(bytes);
      flipped[i] = flipped[i]! ^ 0x01;
      await expectCode(receive(provider, incoming(d, { body: flipped }), options), 'signature_invalid');
    }
    await expectCode(receive(provider, incoming(d, { body: `${d.body} ` }), options), 'signature_invalid');
  });

  it('rejects the wrong secret, and accepts any secret of a rotation', async () => {
    const d = await delivery(provider, type);
    await expectCode(receive(provider, incoming(d), { ...options, secret: 'other' }), 'signature_invalid');
    await expect(receive(provider, incoming(d), { ...options, secret: ['new-secret', SECRET] })).resolves.toMatchObject({ type });
    await expect(receive(provider, incoming(d), { ...options, secret: [SECRET, 'new-secret'] })).resolves.toMatchObject({ type });
    await expectCode(receive(provider, incoming(d), { ...options, secret: ['a', 'b'] }), 'signature_invalid');
  });

  it('rejects a missing signature with signature_missing', async () => {
    const d = await delivery(provider, type);
    await expectCode(receive(provider, incoming(d, { headers: withHeader(d, header, undefined) }), options), 'signature_missing');
  });

  it('rejects truncated, extended, garbage and duplicated signatures with signature_invalid', async () => {
    const d = await delivery(provider, type);
    const good = d.headers[header]!;
    // Base64 padding is optional (decodeBase64): dropping `=` is the same MAC, so truncate what follows it.
    const bare = good.replace(/=+$/, '');
    const garbage = [
      '',
      bare.slice(0, -2),
      `${good}00`,
      bare.slice(0, -1),
      `${bare.slice(0, -1)}g`,
      `${good.slice(0, -1)}\u0000`,
      'x'.repeat(10_000),
      '\u0000'.repeat(good.length),
      'sha1=',
      'sha256=',
      `sha512=${good}`,
    ];
    for (const value of garbage) {
      await expectCode(receive(provider, incoming(d, { headers: withHeader(d, header, value) }), options), 'signature_invalid');
    }
    // A header sent twice counts once when both are the same, and is refused, naming it, when they differ.
    expect((await receive(provider, incoming(d, { headers: { ...d.headers, [header]: [good, good] } }), options)).type).toBe(type);
    expect((await receive(provider, incoming(d, { headers: { ...d.headers, [header]: `${good}, ${good}` } }), options)).type).toBe(type);
    const other = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    // A list-valued scheme (Stripe-style `t=…,v1=…`) carries several signatures by design: any one may match.
    const differing = async (value: string | string[]) =>
      providerDefinition(provider).signature.listValued
        ? expect((await receive(provider, incoming(d, { headers: { ...d.headers, [header]: value } }), options)).type).toBe(type)
        : expectCode(receive(provider, incoming(d, { headers: { ...d.headers, [header]: value } }), options), 'signature_invalid');
    await differing([other, good]);
    // API Gateway joins repeats with "," (no space): the same rules.
    expect((await receive(provider, incoming(d, { headers: { ...d.headers, [header]: `${good},${good}` } }), options)).type).toBe(type);
    await differing(`${good},${other}`);
  });

  it('refuses wrong use at once with a UsageError', async () => {
    const d = await delivery(provider, type);
    expect(() => receive(provider, incoming(d), { secret: '' })).toThrow(UsageError);
    expect(() => receive(provider, incoming(d), { secret: [] })).toThrow(/non-empty/);
    expect(() => receive(provider, incoming(d), { secret: ['ok', ''] })).toThrow(UsageError);
    expect(() => receive(provider, incoming(d), {} as never)).toThrow(/secret/);
    expect(() => receive('allianz' as Provider, incoming(d), options)).toThrow(/unknown provider "allianz"/);
    expect(() => receive(provider, { headers: d.headers } as never, options)).toThrow(/raw body/);
    expect(() => sign(provider, { type, body: d.body }, '')).toThrow(UsageError);
  });

  it('rejects a body over maxBodyBytes before verifying anything', async () => {
    const d = await delivery(provider, type);
    const size = Buffer.byteLength(d.body);
    await expect(receive(provider, incoming(d), { ...options, maxBodyBytes: size })).resolves.toMatchObject({ type });
    const error = await expectCode(receive(provider, incoming(d), { ...options, maxBodyBytes: size - 1 }), 'body_too_large');
    expect(error.status).toBe(413);
    // Multi-byte characters count as bytes, not UTF-16 units.
    await expectCode(receive(provider, incoming(d, { body: 'ş'.repeat(600_000) }), options), 'body_too_large');
  });
});

describe('after a valid signature', () => {
  it('an unknown event type is event_unknown, keeping the payload', async () => {
    for (const provider of providers) {
      // The unknown type where the provider carries it: a header (sign() sends it) or a body field.
      const type = 'policy.reinstated';
      const { eventType } = providerCatalog(provider).transport;
      const payload = eventType.in === 'body' ? pointerKeys(eventType.pointer).reduceRight<unknown>((inner, key) => ({ [key]: inner }), type) : { any: 'thing' };
      const error = await expectCode(receive(provider, incoming(await delivery(provider, type, payload)), options), 'event_unknown');
      expect(error.type).toBe(type);
      expect(error.payload).toEqual(payload);
      expect(error.status).toBe(202);
    }
  });

  it('a body that is not JSON, or not UTF-8, is payload_malformed', async () => {
    for (const provider of providers) {
      await expectCode(receive(provider, incoming(await delivery(provider, 'policy.created', '{"id": ')), options), 'payload_malformed');
      const bytes = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"\xff\xfe"}
      const headers = await sign(provider, { type: 'policy.created', body: bytes, url: URL_PATH, timestamp: NOW }, SECRET);
      await expectCode(receive(provider, { body: bytes, headers, url: URL_PATH, method: 'POST' }, options), 'payload_malformed');
    }
  });

  it('a wrong-shape body is payload_invalid with the offending fields', async () => {
    const d = await delivery('kasko', 'policy.created', { id: 5, livemode: 'yes' });
    const error = await expectCode(receive('kasko', incoming(d), options), 'payload_invalid');
    expect(error.errors).toEqual(expect.arrayContaining([{ path: '/id', message: 'must be string' }, { path: '/policy_id', message: 'is required' }]));
    expect(error.payload).toEqual({ id: 5, livemode: 'yes' });
    expect(error.status).toBe(400);
  });

  it('an envelope without its event type is payload_invalid naming the field', async () => {
    const error = await expectCode(receive('coverkit', incoming(await delivery('coverkit', 'x', { id: 'evt_1', data: {} })), options), 'payload_invalid');
    expect(error.errors).toEqual([{ path: '/type', message: 'is required (a string naming the event)' }]);
  });

  it('a missing event header is header_missing', async () => {
    for (const [provider, name] of [['kasko', 'x-kasko-event'], ['insurup', 'x-webhook-event']] as const) {
      const d = await delivery(provider, provider === 'kasko' ? 'policy.created' : 'proposal_premium.purchased');
      await expectCode(receive(provider, incoming(d, { headers: withHeader(d, name, undefined) }), options), 'header_missing');
    }
  });

  it('strict mode reports unknown properties as payload_invalid', async () => {
    const d = await delivery('coverkit', 'policy.created', { id: 'evt_1', type: 'policy.created', createdAt: '2024-12-20T12:00:00Z', data: { id: 'p', quoteId: 'q', status: 'active', premium: 1, customer: { email: 'e' }, brandNew: 1 } });
    await expect(receive('coverkit', incoming(d), options)).resolves.toMatchObject({ type: 'policy.created' });
    const error = await expectCode(receive('coverkit', incoming(d), { ...options, strict: true }), 'payload_invalid');
    expect(error.errors).toEqual([{ path: '/data/brandNew', message: 'is not described by the schema (strict mode)' }]);
  });

  it('prototype-poisoning keys are refused, also when spelled with \\u escapes, and nothing is polluted', async () => {
    // Valid policies apart from the key (metadata is open), so only the key check can refuse them;
    // and what a handler might do with a delivered payload, a naive deep merge, must not pollute.
    const merge = (target: any, source: any): any => {
      for (const key of Object.keys(source)) target[key] = source[key] !== null && typeof source[key] === 'object' ? merge(target[key] ?? {}, source[key]) : source[key];
      return target;
    };
    const policy = JSON.stringify((await import('../src/index.js')).examples.kasko['policy.created']).slice(1, -1);
    for (const body of [
      `{"__proto__": {"polluted": true}, ${policy}}`,
      `{${policy}, "metadata": {"a": {"\\u005f_proto__": {"polluted": true}}}}`,
      `{"constructor": {"prototype": {"polluted": true}}, ${policy}}`,
    ]) {
      try {
        const outcome = await receive('kasko', incoming(await delivery('kasko', 'policy.created', body)), options).catch((e: unknown) => e);
        merge({}, outcome instanceof WebhookError ? (outcome.payload ?? {}) : (outcome as { payload: unknown }).payload);
        expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
        expect(outcome).toBeInstanceOf(WebhookError);
        expect([(outcome as WebhookError).code, (outcome as WebhookError).errors?.[0]?.message]).toEqual(['payload_invalid', expect.stringMatching(/prototype-poisoning/)]);
      } finally {
        delete (Object.prototype as Record<string, unknown>).polluted;
      }
    }
    // A "constructor" field that is not a prototype carrier is ordinary data.
    const event = await expectCode(receive('kasko', incoming(await delivery('kasko', 'policy.reinstated', '{"constructor": "Ada"}')), options), 'event_unknown');
    expect(event.payload).toEqual({ constructor: 'Ada' });
  });

  it('deeply nested and very large bodies end in a WebhookError, never a RangeError', async () => {
    // Inside KASKO's open metadata of a valid policy: the schema would accept them, so only the
    // depth check stands between them and a handler's JSON.stringify (a RangeError).
    const policy = JSON.stringify({ ...(await import('../src/index.js')).examples.kasko['policy.created'], metadata: { deep: '@@' } });
    const deep = policy.replace('"@@"', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    const deepObject = policy.replace('"@@"', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    for (const body of [deep, deepObject]) {
      const error = await rejection(receive('kasko', incoming(await delivery('kasko', 'policy.created', body)), { ...options, maxBodyBytes: 10_000_000 }));
      expect([error.code, error.errors?.[0]?.message]).toEqual(['payload_invalid', 'nests deeper than 1000 levels']);
    }
  });
});

describe('Axitech timestamps', () => {
  const at = async (timestamp: string, url = URL_PATH) => {
    const body = JSON.stringify((await import('../src/index.js')).examples.axitech['session.submitted']);
    const headers = await sign('axitech', { type: 'session.submitted', body, url, timestamp }, SECRET);
    return { body, headers, method: 'post', url };
  };

  it('accepts Unix seconds, Unix milliseconds and ISO-8601 (with or without Z, with an offset)', async () => {
    for (const value of [String(NOW / 1000), String(NOW), new Date(NOW).toISOString(), '2026-11-25T12:00:00Z', '2026-11-25T12:00:00', '2026-11-25T15:00:00+03:00']) {
      await expect(receive('axitech', await at(value), options), value).resolves.toMatchObject({ type: 'session.submitted' });
    }
  });

  it('enforces the window in both directions, honouring now and toleranceSeconds', async () => {
    const stale = await at(String(NOW / 1000 - 301));
    const future = await at(String(NOW / 1000 + 301));
    const edge = await at(String(NOW / 1000 - 300));
    expect((await expectCode(receive('axitech', stale, options), 'timestamp_invalid')).message).toMatch(/301s old/);
    expect((await expectCode(receive('axitech', future, options), 'timestamp_invalid')).message).toMatch(/in the future/);
    await expect(receive('axitech', edge, options)).resolves.toBeDefined();
    await expect(receive('axitech', stale, { ...options, toleranceSeconds: 600 })).resolves.toBeDefined();
    await expect(receive('axitech', stale, { ...options, now: new Date(NOW - 10_000) })).resolves.toBeDefined();
    // A genuine delivery replayed later is refused.
    await expectCode(receive('axitech', edge, { ...options, now: NOW + 60_000 }), 'timestamp_invalid');
  });

  it('refuses a missing or unparseable timestamp, and a timestamp changed after signing', async () => {
    const d = await at(String(NOW / 1000));
    const { 'x-aw-timestamp': _, ...without } = d.headers;
    await expectCode(receive('axitech', { ...d, headers: without }, options), 'timestamp_invalid');
    for (const bad of ['yesterday', '', '12:00', '1e9', '2026-11-25']) {
      await expectCode(receive('axitech', await at(bad), options), 'timestamp_invalid');
    }
    await expectCode(receive('axitech', { ...d, headers: { ...d.headers, 'x-aw-timestamp': String(NOW / 1000 + 1) } }, options), 'signature_invalid');
  });

  it('signs the method and the URL: another path, query or method does not verify', async () => {
    const d = await at(String(NOW / 1000));
    await expectCode(receive('axitech', { ...d, url: '/webhooks/in?tenant=8' }, options), 'signature_invalid');
    await expectCode(receive('axitech', { ...d, url: '/webhooks/in' }, options), 'signature_invalid');
    await expectCode(receive('axitech', { ...d, method: 'PUT' }, options), 'signature_invalid');
    await expect(receive('axitech', { ...d, method: 'POST' }, options)).resolves.toBeDefined();
    expect(() => receive('axitech', { body: d.body, headers: d.headers }, options)).toThrow(/incoming\.url/);
  });
});

describe('InsurUp unsigned deliveries', () => {
  it('are refused by default and accepted only with allowUnsigned', async () => {
    const d = await delivery('insurup', 'proposal_premium.purchased');
    const unsigned = { ...d, headers: withHeader(d, 'x-webhook-signature', undefined) };
    await expectCode(receive('insurup', incoming(d as Delivery, { headers: unsigned.headers }), options), 'signature_missing');
    await expect(receive('insurup', incoming(d, { headers: unsigned.headers }), { allowUnsigned: true })).resolves.toMatchObject({
      type: 'proposal_premium.purchased',
      deliveryId: d.headers['x-webhook-delivery'],
      webhookId: d.headers['x-webhook-id'],
    });
    // With a secret and allowUnsigned, a signature that is present must still verify.
    await expectCode(receive('insurup', incoming(d), { secret: 'other', allowUnsigned: true }), 'signature_invalid');
    // Core names no provider: which ones may omit the signature is provider.json's `signature.optional`.
    expect(() => receive('kasko', incoming(d), { allowUnsigned: true })).toThrow(
      'insurance-webhooks: KASKO always signs its deliveries; allowUnsigned is for a provider that sends no signature when no secret is set (provider.json signature.optional)',
    );
  });

  it('accepts the signature as hex in any case (the C# sample) and as padded Base64 (the Java sample), no other spelling', async () => {
    const d = await delivery('insurup', 'proposal_premium.received');
    const hex = d.headers['x-webhook-signature']!;
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    const mixed = [...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    for (const value of [hex.toUpperCase(), mixed, base64]) {
      await expect(receive('insurup', incoming(d, { headers: withHeader(d, 'x-webhook-signature', value) }), options)).resolves.toBeDefined();
    }
    await expectCode(receive('insurup', incoming(d, { headers: withHeader(d, 'x-webhook-signature', base64.replace(/=+$/, '')) }), options), 'signature_invalid');
    const altered = (base64[0] === 'A' ? 'B' : 'A') + base64.slice(1);
    await expectCode(receive('insurup', incoming(d, { headers: withHeader(d, 'x-webhook-signature', altered) }), options), 'signature_invalid');
    await expectCode(receive('insurup', incoming(d, { headers: withHeader(d, 'x-webhook-signature', `${base64.slice(0, -2)}-_`) }), options), 'signature_invalid');
  });
});

describe('KASKO signature label', () => {
  it('requires sha1= and lower-case hex (the PHP sample compares with !==)', async () => {
    const d = await delivery('kasko', 'policy.created');
    const hex = d.headers['x-kasko-signature']!.slice('sha1='.length);
    expect(d.headers['x-kasko-signature']).toMatch(/^sha1=[0-9a-f]{40}$/);
    expect(d.headers['x-kasko-delivery']).toMatch(/^[0-9a-f]{32}$/);
    await expect(receive('kasko', incoming(d), options)).resolves.toBeDefined();
    for (const value of [`sha1=${hex.toUpperCase()}`, hex, `SHA1=${hex}`, `sha256=${hex}`, ` sha1=${hex}`]) {
      await expectCode(receive('kasko', incoming(d, { headers: withHeader(d, 'x-kasko-signature', value) }), options), 'signature_invalid');
    }
  });
});

describe('CoverKit signature scheme', () => {
  it('accepts hex with or without sha256=, and can be overridden', async () => {
    const d = await delivery('coverkit', 'claim.paid');
    const hex = d.headers['coverkit-signature']!;
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    await expect(receive('coverkit', incoming(d, { headers: withHeader(d, 'coverkit-signature', `sha256=${hex}`) }), options)).resolves.toMatchObject({ deliveryId: 'evt_claim_paid_example' });

    const headers = await sign('coverkit', { type: 'claim.paid', body: d.body, timestamp: NOW }, SECRET, { signature: coverkitTimestampedScheme });
    expect(headers['coverkit-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const overridden = { ...options, signature: coverkitTimestampedScheme };
    await expect(receive('coverkit', incoming(d, { headers }), overridden)).resolves.toMatchObject({ type: 'claim.paid' });
    await expectCode(receive('coverkit', incoming(d, { headers }), options), 'signature_invalid');
    await expectCode(receive('coverkit', incoming(d, { headers }), { ...overridden, now: NOW + 3_600_000 }), 'timestamp_invalid');
  });
});

describe('a scheme of its own may use any HMAC hash both crypto backends provide', () => {
  // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
  const RFC_4231 = {
    'SHA-384': 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    'SHA-512': '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  } as const;

  for (const [algorithm, expected] of Object.entries(RFC_4231) as [keyof typeof RFC_4231, string][]) {
    it(`${algorithm}: the RFC 4231 MAC on Node's crypto and on Web Crypto, and a Base64 body scheme that verifies it`, async () => {
      for (const backend of [defaultBackend, webBackend()]) {
        expect(encodeHex(await backend.hmac(algorithm, 'Jefe', '', 'what do ya want for nothing?')), backend.name).toBe(expected);
      }
      const scheme = bodyHmac({ name: 'coverkit-hmac-sha256', algorithm, encodings: ['base64'] });
      const d = await delivery('coverkit', 'claim.paid');
      const headers = await sign('coverkit', { type: 'claim.paid', body: d.body }, SECRET, { signature: scheme });
      expect(decodeBase64(headers['coverkit-signature']!, MAC_BYTES[algorithm])).toHaveLength(expected.length / 2);
      await expect(receive('coverkit', incoming(d, { headers }), { ...options, signature: scheme })).resolves.toMatchObject({ type: 'claim.paid' });
      await expectCode(receive('coverkit', incoming(d, { headers }), options), 'signature_invalid');
    });
  }
});
