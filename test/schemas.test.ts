import { describe, expect, it } from 'vitest';
import { examples, validate, type Provider } from '../src/index.js';
import { fieldCases, OPTIONAL_IN_CONSTRUCTED, REMOVE, tree, withValueAt } from './helpers/example-cases.js';

const events = tree.providers.flatMap((provider) =>
  provider.events.map(({ event, schema }) => ({ provider: provider.name as Provider, event, schema })),
);
const exampleOf = (provider: Provider, event: string) => (examples[provider] as Record<string, unknown>)[event];
const run = (provider: Provider, event: string, payload: unknown, strict = false) =>
  validate(provider, event as never, payload, { strict });

describe('the schema catalog', () => {
  it('has a schema for each of the 19 documented events', () => {
    expect(events.map((e) => `${e.provider}:${e.event}`).sort()).toEqual(
      [
        'kasko:offer.created', 'kasko:policy.created', 'kasko:policy.updated', 'kasko:policy.cancelled',
        'insurup:proposal_premium.received', 'insurup:proposal_premium.purchasing',
        'insurup:proposal_premium.purchase_failed', 'insurup:proposal_premium.purchased',
        'axitech:session.submitted',
        'coverkit:quote.created', 'coverkit:quote.expired', 'coverkit:policy.created', 'coverkit:policy.renewed',
        'coverkit:policy.cancelled', 'coverkit:policy.expired', 'coverkit:claim.submitted', 'coverkit:claim.approved',
        'coverkit:claim.denied', 'coverkit:claim.paid',
      ].sort(),
    );
  });
});

describe.each(events)('$provider $event', ({ provider, event, schema }) => {
  const example = exampleOf(provider, event);
  const cases = fieldCases(provider, example);
  const documented = schema['x-example'] === 'documented';

  it('accepts its example, in production and strict mode', () => {
    expect(run(provider, event, example)).toEqual({ ok: true, value: example });
    expect(run(provider, event, example, true)).toEqual({ ok: true, value: example });
  });

  it('requires every field its documented example shows, naming the field when it is missing', () => {
    const required = cases.filter((c) => documented || !OPTIONAL_IN_CONSTRUCTED.has(c.pointer));
    expect(required.length).toBeGreaterThan(0);
    for (const { pointer } of required) {
      const result = run(provider, event, withValueAt(example, pointer, REMOVE));
      expect(result.ok, pointer).toBe(false);
      if (!result.ok) expect(result.errors).toContainEqual({ path: pointer, message: 'is required' });
    }
  });

  it('rejects a wrong type in each field, naming the field', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const { pointer, wrongValue } of cases) {
      for (const strict of [false, true]) {
        const result = run(provider, event, withValueAt(example, pointer, wrongValue), strict);
        expect(result.ok, `${pointer} = ${JSON.stringify(wrongValue)}`).toBe(false);
        if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(pointer);
      }
    }
  });

  it('accepts an unknown property in production mode and reports it in strict mode', () => {
    const extended = { ...(example as object), added_tomorrow: true };
    expect(run(provider, event, extended).ok).toBe(true);
    expect(run(provider, event, extended, true)).toEqual({
      ok: false,
      errors: [{ path: '/added_tomorrow', message: 'is not described by the schema (strict mode)' }],
    });
  });

  it('rejects a body that is not an object', () => {
    for (const body of [null, [], 'text', 42]) expect(run(provider, event, body).ok).toBe(false);
  });
});

describe('strictness where the docs say little', () => {
  it('reports unknown nested properties in strict mode only where the docs describe the object', () => {
    const kasko = exampleOf('kasko', 'policy.created') as any;
    const asset = { ...kasko, assets: [{ ...kasko.assets[0], size: 10 }] };
    expect(run('kasko', 'policy.created', asset).ok).toBe(true);
    expect(run('kasko', 'policy.created', asset, true)).toMatchObject({ ok: false, errors: [{ path: '/assets/0/size' }] });
    // metadata is the integrator's own free-form object: open in both modes
    const metadata = { ...kasko, metadata: { anything: { goes: [1, 2] } } };
    expect(run('kasko', 'policy.created', metadata, true).ok).toBe(true);
  });

  it('keeps the data of the nine undocumented CoverKit events open, with an optional string id', () => {
    const payload = { id: 'evt_1', type: 'claim.paid', createdAt: '2024-12-20T12:00:00Z', data: { amount: 5, nested: {} } };
    expect(run('coverkit', 'claim.paid', payload, true).ok).toBe(true);
    expect(run('coverkit', 'claim.paid', { ...payload, data: { id: 7 } })).toMatchObject({
      ok: false,
      errors: [{ path: '/data/id' }],
    });
    expect(run('coverkit', 'claim.paid', { ...payload, data: 'x' }).ok).toBe(false);
  });

  it('requires the CoverKit type to match the event', () => {
    const payload = exampleOf('coverkit', 'policy.created') as object;
    expect(run('coverkit', 'policy.created', { ...payload, type: 'policy.renewed' })).toEqual({
      ok: false,
      errors: [{ path: '/type', message: 'must be "policy.created"' }],
    });
  });

  it('does not require the Axitech data.key that only the property list mentions', () => {
    const payload = exampleOf('axitech', 'session.submitted') as any;
    expect(run('axitech', 'session.submitted', { ...payload, data: { ...payload.data, key: 'k' } }, true).ok).toBe(true);
  });
});

describe('date and money shapes accept exactly the documented forms', () => {
  const kasko = exampleOf('kasko', 'policy.created') as object;
  const axitech = exampleOf('axitech', 'session.submitted') as any;
  const coverkit = exampleOf('coverkit', 'policy.created') as object;
  const insurup = exampleOf('insurup', 'proposal_premium.purchased') as object;
  const cases: [string, (v: string) => boolean, string[], string[]][] = [
    [
      'KASKO date-time with offset',
      (v) => run('kasko', 'policy.created', { ...kasko, start_date: v }).ok,
      ['2017-07-18T12:37:56+00:00', '2017-07-18T12:37:56+03:00', '2017-07-18T12:37:56-05:30', '2017-07-18T12:37:56Z'],
      ['2017-07-18T12:37:56', '2017-07-18', '2017-13-18T12:37:56+00:00', '2017-07-18 12:37:56+00:00', 'yesterday'],
    ],
    [
      'Axitech created_at, with or without Z',
      (v) => run('axitech', 'session.submitted', { ...axitech, created_at: v }).ok,
      ['2023-01-01T12:00:00Z', '2023-01-01T12:00:00'],
      ['2023-01-01', '2023-01-01T12:00:00+01:00', '2023-01-01T25:00:00Z', '1672574400'],
    ],
    [
      'Axitech data.date, with or without Z',
      (v) => run('axitech', 'session.submitted', { ...axitech, data: { ...axitech.data, date: v } }).ok,
      ['2023-01-01T12:00:00Z', '2023-01-01T12:00:00'],
      ['2023-01-01', 'not a date'],
    ],
    [
      'CoverKit createdAt',
      (v) => run('coverkit', 'policy.created', { ...coverkit, createdAt: v }).ok,
      ['2024-12-20T12:00:00Z'],
      ['2024-12-20T12:00:00', '2024-12-20', '2024-12-20T12:00:00+00:00'],
    ],
    [
      'InsurUp policy dates',
      (v) => run('insurup', 'proposal_premium.purchased', { ...insurup, policyStartDate: v }).ok,
      ['2024-11-20', '2024-02-29'],
      ['2024-11-20T00:00:00Z', '20-11-2024', '2024-11-32'],
    ],
  ];
  it.each(cases)('%s', (_name, accepts, good, bad) => {
    for (const value of good) expect(accepts(value), value).toBe(true);
    for (const value of bad) expect(accepts(value), value).toBe(false);
  });

  it('money and counts shown as integers must be integers; the exchange rate may be fractional', () => {
    const received = exampleOf('insurup', 'proposal_premium.received') as any;
    const premium = (patch: object) => ({ ...received, premiums: [{ ...received.premiums[0], ...patch }] });
    expect(run('insurup', 'proposal_premium.received', premium({ grossPremium: 1243.5 }))).toMatchObject({
      ok: false,
      errors: [{ path: '/premiums/0/grossPremium', message: 'must be integer' }],
    });
    expect(run('insurup', 'proposal_premium.received', premium({ exchangeRate: 34.27 })).ok).toBe(true);
  });
});
