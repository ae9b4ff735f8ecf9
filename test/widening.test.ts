// "Never lose an authentic delivery": what the senders' stacks emit of each documented shape is
// received, through the real receive() with a genuine signature, with the value asserted; what is
// really wrong is still refused, naming the field (docs/schema-policy.md).
import { describe, expect, it } from 'vitest';
import { examples, receive, sign, WebhookError, type Provider } from '../src/index.js';
import { createDelivery } from '../src/testing/index.js';
import { NOW, options, SECRET, URL_PATH } from './helpers/deliveries.js';

/** A deep copy of the documented example, loosely typed: the tests send shapes the types forbid. */
const example = (provider: Provider, type: string): any => structuredClone((examples[provider] as Record<string, unknown>)[type]);

/** A genuinely signed delivery of `payload` (or exact body text/bytes), received. */
async function received(provider: Provider, type: string, body: unknown) {
  const raw = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const headers = await sign(provider, { type, body: raw, url: URL_PATH, timestamp: NOW }, SECRET);
  return receive(provider, { body: raw, headers, method: 'POST', url: URL_PATH }, options);
}

async function refusal(promise: Promise<unknown>): Promise<WebhookError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}

describe('amounts shown as whole numbers may be fractional', () => {
  it('KASKO gross_premium and premium_tax (PHP float)', async () => {
    const event = await received('kasko', 'policy.created', { ...example('kasko', 'policy.created'), gross_premium: 1999.99, premium_tax: 400.5 });
    expect(event.payload).toMatchObject({ gross_premium: 1999.99, premium_tax: 400.5 });
  });

  it('InsurUp premiums (.NET decimal)', async () => {
    const payload = example('insurup', 'proposal_premium.received');
    payload.premiums[1] = { ...payload.premiums[1], netPremium: 1043.57, grossPremium: 1243.57, commission: 12.4 };
    const event = await received('insurup', 'proposal_premium.received', payload);
    expect((event.payload as any).premiums[1]).toMatchObject({ netPremium: 1043.57, grossPremium: 1243.57, commission: 12.4 });
  });

  it('CoverKit premium, also through createDelivery', async () => {
    const d = await createDelivery('coverkit', 'policy.created', { secret: SECRET, overrides: { data: { premium: 299.99 } } });
    const event = await receive('coverkit', { body: d.body, headers: d.headers }, { secret: SECRET });
    expect((event.payload as any).data.premium).toBe(299.99);
  });
});

describe('date-times: RFC 3339 forms of the documented shape', () => {
  it.each([
    ['coverkit', 'policy.created', 'createdAt', '2024-12-20T12:00:00.000Z'], // Date#toISOString()
    ['coverkit', 'policy.created', 'createdAt', '2024-12-20T15:00:00.1234567+03:00'], // .NET, 7 digits
    ['kasko', 'policy.created', 'start_date', '2017-07-18T12:37:56.000000Z'], // Laravel
    ['kasko', 'policy.created', 'end_date', '2017-08-12T15:37:56+03:00'], // Carbon toIso8601String()
    ['axitech', 'session.submitted', 'created_at', '2023-01-01T12:00:00.000Z'],
    ['axitech', 'session.submitted', 'created_at', '2023-01-01T12:00:00'], // the prose form
  ] as const)('%s %s %s = %s verifies and is kept as sent', async (provider, type, field, value) => {
    const event = await received(provider, type, { ...example(provider, type), [field]: value });
    expect((event.payload as unknown as Record<string, unknown>)[field]).toBe(value);
  });

  it.each([
    ['kasko', 'start_date', '2017-07-18T12:37:56'], // no zone: names no instant
    ['kasko', 'start_date', '2017-07-18 12:37:56+00:00'], // not ISO 8601 (MySQL's 'Y-m-d H:i:s' plus a zone)
    ['kasko', 'end_date', '2017-07-18T12:37:56+03'], // an hour-only offset: no PHP/JS/.NET ISO writer, and Date cannot read it
    ['coverkit', 'createdAt', '2024-12-20'],
    ['coverkit', 'createdAt', '2024-12-20t12:00:00z'],
  ] as const)('%s %s = %s is still refused, naming the field', async (provider, field, value) => {
    const type = 'policy.created';
    const error = await refusal(received(provider, type, { ...example(provider, type), [field]: value }));
    expect(error.code).toBe('payload_invalid');
    expect(error.errors).toEqual([expect.objectContaining({ path: `/${field}` })]);
  });
});

describe('a ±hhmm offset (PHP DATE_ISO8601, format "O") is the same instant as ±hh:mm', () => {
  it.each([
    ['kasko', 'policy.created', 'policy_created_date', '2017-07-18T12:37:56+0000', '2017-07-18T12:37:56+00:00'], // PHP DATE_ISO8601
    ['kasko', 'offer.created', 'offer_created_date', '2017-07-18T15:37:56+0300', '2017-07-18T15:37:56+03:00'],
    ['kasko', 'policy.updated', 'end_date', '2017-08-12T07:07:56.250000-0530', '2017-08-12T07:07:56.250000-05:30'],
    ['coverkit', 'policy.created', 'createdAt', '2024-12-20T12:00:00+0000', '2024-12-20T12:00:00Z'],
    ['axitech', 'session.submitted', 'created_at', '2023-01-01T13:00:00+0100', '2023-01-01T12:00:00Z'],
  ] as const)('%s %s %s = %s verifies, is kept as sent, and Date reads the instant', async (provider, type, field, value, same) => {
    const event = await received(provider, type, { ...example(provider, type), [field]: value });
    const got = (event.payload as unknown as Record<string, string>)[field]!;
    expect(got).toBe(value);
    expect(Date.parse(got)).toBe(Date.parse(same));
  });
});

describe('InsurUp policy dates: the documented calendar date, and the same date as a .NET DateTime writes it', () => {
  const type = 'proposal_premium.purchased';
  it.each([
    ['policyStartDate', '2024-11-20'], // the docs' value
    ['policyStartDate', '2024-11-20T00:00:00'], // System.Text.Json / Newtonsoft, DateTime of kind Unspecified
    ['policyEndDate', '2025-11-20T00:00:00Z'], // kind Utc
    ['policyStartDate', '2024-11-20T00:00:00+03:00'], // kind Local, or a DateTimeOffset, in Türkiye
    ['policyEndDate', '2025-11-20T00:00:00.0000000'], // round-trip format "o"
  ] as const)('%s = %s verifies, is kept as sent, and its first 10 characters are the calendar date', async (field, value) => {
    const event = await received('insurup', type, { ...example('insurup', type), [field]: value });
    const got = (event.payload as unknown as Record<string, string>)[field]!;
    expect(got).toBe(value);
    expect(got.slice(0, 10)).toBe(example('insurup', type)[field]);
  });

  it.each([
    ['policyStartDate', '20-11-2024'],
    ['policyStartDate', '2024-11-32T00:00:00'],
    ['policyEndDate', '2025-11-20 00:00:00'],
    ['policyEndDate', '2025-11-20T00:00'],
  ] as const)('%s = %s is still refused, naming the field', async (field, value) => {
    const error = await refusal(received('insurup', type, { ...example('insurup', type), [field]: value }));
    expect(error.code).toBe('payload_invalid');
    expect(error.errors).toEqual([expect.objectContaining({ path: `/${field}` })]);
  });

  it('also through createDelivery (the testing helper) with a DateTime-shaped date', async () => {
    const d = await createDelivery('insurup', type, { secret: SECRET, overrides: { policyStartDate: '2024-11-20T00:00:00' } });
    const event = await receive('insurup', { body: d.body, headers: d.headers }, { secret: SECRET });
    expect((event.payload as any).policyStartDate).toBe('2024-11-20T00:00:00');
  });
});

describe('an empty key/value map a PHP sender encodes as []', () => {
  it('is accepted as KASKO metadata, and kept as []', async () => {
    const event = await received('kasko', 'offer.created', { ...example('kasko', 'offer.created'), metadata: [] });
    expect((event.payload as any).metadata).toEqual([]);
  });

  it('a non-empty array is not a map: refused', async () => {
    const error = await refusal(received('kasko', 'offer.created', { ...example('kasko', 'offer.created'), metadata: ['some', 'value'] }));
    expect(error.code).toBe('payload_invalid');
    expect(new Set(error.errors!.map((e) => e.path))).toEqual(new Set(['/metadata']));
  });
});

describe('still refused: what is really wrong', () => {
  it('a string where a number is documented', async () => {
    const error = await refusal(received('kasko', 'policy.created', { ...example('kasko', 'policy.created'), gross_premium: '19.99' }));
    expect(error).toMatchObject({ code: 'payload_invalid', errors: [{ path: '/gross_premium', message: 'must be number' }] });
  });

  it('a fraction where an id or a count is documented', async () => {
    const error = await refusal(received('insurup', 'proposal_premium.purchasing', { ...example('insurup', 'proposal_premium.purchasing'), installmentNumber: 1.5 }));
    expect(error).toMatchObject({ code: 'payload_invalid', errors: [{ path: '/installmentNumber', message: 'must be integer' }] });
  });

  it.each([
    ['kasko', 'policy.created'],
    ['coverkit', 'policy.created'],
  ] as const)('%s %s without its id', async (provider, type) => {
    const { id: _id, ...payload } = example(provider, type);
    const error = await refusal(received(provider, type, payload));
    expect(error).toMatchObject({ code: 'payload_invalid', errors: [{ path: '/id', message: 'is required' }] });
  });
});

describe('a UTF-8 byte-order mark before the JSON (.NET senders)', () => {
  const body = JSON.stringify(example('insurup', 'proposal_premium.received'));
  const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(body)]);

  it('is skipped after the MAC was checked over every byte, BOM included (bytes and string bodies)', async () => {
    expect((await received('insurup', 'proposal_premium.received', withBom)).payload).toEqual(example('insurup', 'proposal_premium.received'));
    expect((await received('insurup', 'proposal_premium.received', `\uFEFF${body}`)).payload).toEqual(example('insurup', 'proposal_premium.received'));
  });

  it('is covered by the MAC: signed without it, sent with it, the delivery is refused', async () => {
    const headers = await sign('insurup', { type: 'proposal_premium.received', body }, SECRET);
    const error = await refusal(receive('insurup', { body: withBom, headers }, options));
    expect(error.code).toBe('signature_invalid');
  });

  it('only one leading BOM is skipped: a second is not JSON', async () => {
    const error = await refusal(received('insurup', 'proposal_premium.received', `\uFEFF\uFEFF${body}`));
    expect(error.code).toBe('payload_malformed');
  });
});

describe('integers beyond 2^53 − 1 are refused, never rounded', () => {
  const beyond = '12345678901234567890'; // JSON.parse would give 12345678901234567000
  const bodyWith = (provider: Provider, type: string, pointer: string[], literal: string) => {
    const marker = '"__number_here__"';
    const payload = example(provider, type);
    let node = payload;
    for (const key of pointer.slice(0, -1)) node = node[key];
    node[pointer.at(-1)!] = '__number_here__';
    return JSON.stringify(payload).replace(marker, literal);
  };

  it.each([
    ['insurup', 'proposal_premium.purchasing', '/productId', ['productId']],
    ['insurup', 'proposal_premium.received', '/premiums/1/grossPremium', ['premiums', '1', 'grossPremium']],
    ['kasko', 'policy.created', '/metadata/order~1id', ['metadata', 'order/id']], // the integrator's own id, escaped
    ['coverkit', 'claim.paid', '/data/amount', ['data', 'amount']], // inside open data
  ] as const)('%s %s: refused as payload_invalid naming %s', async (provider, type, path, pointer) => {
    const error = await refusal(received(provider, type, bodyWith(provider, type, [...pointer], beyond)));
    expect(error.code).toBe('payload_invalid');
    expect(error.errors).toEqual([{ path, message: expect.stringMatching(/^is an integer beyond 2\^53 − 1 \(9007199254740991\)/) }]);
    expect(error.message).toBe(`body ${path} ${error.errors![0]!.message}`);
  });

  it('negative ones, and ones with a fraction, too', async () => {
    for (const literal of ['-9007199254740993', '12345678901234567.25']) {
      const error = await refusal(received('kasko', 'policy.created', bodyWith('kasko', 'policy.created', ['gross_premium'], literal)));
      expect(error.errors, literal).toEqual([expect.objectContaining({ path: '/gross_premium' })]);
    }
  });

  it('also in a body long enough to be walked (the walk finds the candidate, the text names it)', async () => {
    const payload = { ...example('kasko', 'policy.created'), metadata: { note: 'x'.repeat(3000), order_id: '__n__' } };
    const error = await refusal(received('kasko', 'policy.created', JSON.stringify(payload).replace('"__n__"', beyond)));
    expect(error.errors).toEqual([expect.objectContaining({ path: '/metadata/order_id' })]);
  });

  it('keeps what is exact: 2^53 − 1, long digit strings, and exponent spellings', async () => {
    // A short body (skimmed for digit runs) and one long enough to be walked (where 1e20, beyond
    // 2^53 − 1 once parsed, is a candidate that only the text clears).
    for (const pad of ['', 'x'.repeat(3000)]) {
      const payload = example('kasko', 'policy.created');
      payload.metadata = { max: '__max__', text: '12345678901234567890', exp: '__exp__', ...(pad ? { pad } : {}) };
      const body = JSON.stringify(payload).replace('"__max__"', '9007199254740991').replace('"__exp__"', '1e20');
      expect(body.length >= 2000).toBe(pad !== '');
      const event = await received('kasko', 'policy.created', body);
      expect((event.payload as any).metadata).toEqual({ max: Number.MAX_SAFE_INTEGER, text: '12345678901234567890', exp: 1e20, ...(pad ? { pad } : {}) });
    }
  });
});
