import { describe, expect, it } from 'vitest';
import { runDrift } from '../src/drift/index.js';
import { examples, validate, type Provider } from '../src/index.js';
import { fieldCases, OPTIONAL_IN_CONSTRUCTED, REMOVE, tree, withValueAt } from './helpers/example-cases.js';

const events = tree.providers.flatMap((provider) =>
  provider.events.map(({ event, schema }) => ({ provider: provider.name as Provider, event, schema })),
);
const exampleOf = (provider: Provider, event: string) => (examples[provider] as Record<string, unknown>)[event];
const run = (provider: Provider, event: string, payload: unknown, strict = false) =>
  validate(provider, event as never, payload, { strict });

describe('the schema catalog', () => {
  it('has a schema for each event the docs name, examples in prose included (as drift reads docs/providers/)', async () => {
    const report = await runDrift();
    const named = report.providers.flatMap((provider) => provider.listedEvents.map((event) => `${provider.provider}:${event}`));
    expect(named).toContain('axitech:submission.created'); // only in prose: event_type "(e.g., "submission.created")"
    expect(events.map((e) => `${e.provider}:${e.event}`).sort()).toEqual(named.sort());
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

  it('types the Axitech submission.created envelope and keeps its data open, with an optional string sessionId', () => {
    const payload = { ...(exampleOf('axitech', 'submission.created') as object), data: { anything: [1, { deep: true }] } };
    expect(run('axitech', 'submission.created', payload, true).ok).toBe(true);
    expect(run('axitech', 'submission.created', { ...payload, data: { sessionId: 7 } })).toMatchObject({ ok: false, errors: [{ path: '/data/sessionId' }] });
    expect(run('axitech', 'submission.created', { ...payload, event_type: 'session.submitted' })).toMatchObject({ ok: false, errors: [{ path: '/event_type' }] });
    expect(run('axitech', 'submission.created', { ...payload, created_at: 'yesterday' })).toMatchObject({ ok: false, errors: [{ path: '/created_at' }] });
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

describe('date and number shapes: the documented forms, and what the senders\' stacks emit of them', () => {
  const kasko = exampleOf('kasko', 'policy.created') as object;
  const axitech = exampleOf('axitech', 'session.submitted') as any;
  const coverkit = exampleOf('coverkit', 'policy.created') as object;
  const insurup = exampleOf('insurup', 'proposal_premium.purchased') as object;
  const cases: [string, (v: string) => boolean, string[], string[]][] = [
    [
      'KASKO date-time: ISO 8601 with T and a zone (PHP/Carbon offsets, DATE_ISO8601 +0000, Laravel microseconds and Z)',
      (v) => run('kasko', 'policy.created', { ...kasko, start_date: v }).ok,
      ['2017-07-18T12:37:56+00:00', '2017-07-18T12:37:56+03:00', '2017-07-18T12:37:56-05:30', '2017-07-18T12:37:56Z', '2017-07-18T12:37:56.000000Z', '2017-07-18T12:37:56.123+00:00', '2017-07-18T12:37:56+0000', '2017-07-18T12:37:56-0530', '2017-07-18T12:37:56.123456+0300'],
      ['2017-07-18T12:37:56', '2017-07-18', '2017-13-18T12:37:56+00:00', '2017-07-18 12:37:56+00:00', '2017-07-18T12:37:56+03', '2017-07-18T12:37:56+2400', '2017-07-18T12:37:56+00:0', '2017-07-18T12:37:60Z', '2017-07-18T12:37:56.Z', '2017-07-18t12:37:56z', 'yesterday'],
    ],
    [
      'Axitech created_at: the prose form, with or without a zone, milliseconds allowed (Node toISOString)',
      (v) => run('axitech', 'session.submitted', { ...axitech, created_at: v }).ok,
      ['2023-01-01T12:00:00Z', '2023-01-01T12:00:00', '2023-01-01T12:00:00.000Z', '2023-01-01T12:00:00.123', '2023-01-01T12:00:00+01:00', '2023-01-01T12:00:00+0100'],
      ['2023-01-01', '2023-01-01T25:00:00Z', '2023-01-01 12:00:00', '2023-01-01T12:00:00+01', '1672574400'],
    ],
    [
      'Axitech data.date, as created_at',
      (v) => run('axitech', 'session.submitted', { ...axitech, data: { ...axitech.data, date: v } }).ok,
      ['2023-01-01T12:00:00Z', '2023-01-01T12:00:00', '2023-01-01T12:00:00.000Z'],
      ['2023-01-01', 'not a date'],
    ],
    [
      'CoverKit createdAt: RFC 3339 with a zone (JavaScript toISOString, .NET 7 fractional digits)',
      (v) => run('coverkit', 'policy.created', { ...coverkit, createdAt: v }).ok,
      ['2024-12-20T12:00:00Z', '2024-12-20T12:00:00.000Z', '2024-12-20T12:00:00+00:00', '2024-12-20T15:00:00.1234567+03:00', '2024-12-20T12:00:00+0000'],
      ['2024-12-20T12:00:00', '2024-12-20', '2024-12-20 12:00:00Z', '2024-12-20t12:00:00z', '2024-12-20T12:00:00+00'],
    ],
    [
      'InsurUp policy dates: the documented date, or that date with a time as a .NET DateTime writes it',
      (v) => run('insurup', 'proposal_premium.purchased', { ...insurup, policyStartDate: v }).ok,
      ['2024-11-20', '2024-02-29', '2024-11-20T00:00:00', '2024-11-20T00:00:00Z', '2024-11-20T00:00:00.0000000', '2024-11-20T00:00:00+03:00', '2024-11-20T00:00:00.123+0300'],
      ['20-11-2024', '2024-11-32', '2024-11-20 00:00:00', '2024-11-20T00:00', '2024-11-20T24:00:00', '2024-11-20t00:00:00', '2024-11-20T00:00:00+03', '2024-11-20Z', 'yesterday'],
    ],
  ];
  it.each(cases)('%s', (_name, accepts, good, bad) => {
    for (const value of good) expect(accepts(value), value).toBe(true);
    for (const value of bad) expect(accepts(value), value).toBe(false);
  });

  it('amounts and rates shown as whole numbers may be fractional; ids and counts must be whole', () => {
    const received = exampleOf('insurup', 'proposal_premium.received') as any;
    const premium = (patch: object) => ({ ...received, premiums: [{ ...received.premiums[0], ...patch }] });
    const fractional = run('insurup', 'proposal_premium.received', premium({ grossPremium: 1243.57, netPremium: 1043.57, commission: 12.5, exchangeRate: 34.27 }));
    expect(fractional.ok && (fractional.value as any).premiums[0]).toMatchObject({ grossPremium: 1243.57, netPremium: 1043.57, commission: 12.5, exchangeRate: 34.27 });
    expect(run('insurup', 'proposal_premium.received', premium({ installmentNumber: 1.5 }))).toMatchObject({
      ok: false,
      errors: [{ path: '/premiums/0/installmentNumber', message: 'must be integer' }],
    });
    expect(run('insurup', 'proposal_premium.received', { ...received, productId: 40235.5 })).toMatchObject({ ok: false, errors: [{ path: '/productId', message: 'must be integer' }] });
    expect(run('insurup', 'proposal_premium.received', premium({ grossPremium: '1243.57' }))).toMatchObject({
      ok: false,
      errors: [{ path: '/premiums/0/grossPremium', message: 'must be number' }],
    });
  });

  it('KASKO metadata: an open object, or [] for an empty one (PHP); never a non-empty array', () => {
    expect(run('kasko', 'policy.created', { ...kasko, metadata: [] }, true)).toEqual({ ok: true, value: { ...kasko, metadata: [] } });
    const refused = run('kasko', 'policy.created', { ...kasko, metadata: ['some', 'value'] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(new Set(refused.errors.map((e) => e.path))).toEqual(new Set(['/metadata']));
  });
});
