// Reading headers and writing them (src/core/incoming.ts, src/core/sign.ts), written from the kinds
// of mutant that survived (issue 20): the exact lower-case key wins, own properties only, repeats;
// and every header sign() writes, with its defaults.
import { describe, expect, it } from 'vitest';
import { examples, receive, sign, timestampedHmac, WebhookError } from '../src/index.js';
import { readHeader } from '../src/core/incoming.js';

describe('readHeader', () => {
  it('in any key case, the key of that name only: other headers before it are never read as it', () => {
    const bag = { 'Content-Type': 'application/json', 'X-Other-Header': 'x', 'X-KASKO-Event': 'policy.created' };
    expect(readHeader(bag, 'x-kasko-event')).toBe('policy.created');
    expect(readHeader({ 'Content-Type': 'application/json', 'X-Kasko-Eventx': 'no' }, 'x-kasko-event')).toBeUndefined();
  });

  it('the exact lower-case key wins over other spellings; otherwise any case', () => {
    expect(readHeader({ 'X-Kasko-Event': 'upper', 'x-kasko-event': 'lower' }, 'x-kasko-event')).toBe('lower');
    expect(readHeader({ 'x-kasko-event': 'lower', 'X-Kasko-Event': 'upper' }, 'x-kasko-event')).toBe('lower');
    expect(readHeader({ 'X-KASKO-EVENT': 'upper', other: 'o' }, 'x-kasko-event')).toBe('upper');
    expect(readHeader({ 'x-kasko-events': 'longer', 'x-kasko-even': 'shorter' }, 'x-kasko-event')).toBeUndefined();
    expect(readHeader(new Headers({ 'X-Kasko-Event': 'web' }), 'x-kasko-event')).toBe('web');
    expect(readHeader(new Headers(), 'x-kasko-event')).toBeUndefined();
  });

  it('own properties only: nothing inherited is a header', () => {
    const inherited = Object.create({ 'x-kasko-event': 'proto', 'X-Kasko-Delivery': 'proto' }) as Record<string, string>;
    expect(readHeader(inherited, 'x-kasko-event')).toBeUndefined();
    expect(readHeader(inherited, 'x-kasko-delivery')).toBeUndefined();
    expect(readHeader({}, 'constructor')).toBeUndefined();
  });

  it('repeats count once when identical and are refused, naming the header, when they differ', () => {
    expect(readHeader({ 'x-a': ['v', 'v'] }, 'x-a')).toBe('v');
    expect(readHeader({ 'x-a': [] }, 'x-a')).toBeUndefined();
    expect(readHeader({ 'x-a': 'v, v' }, 'x-a')).toBe('v');
    for (const value of [['v', 'w'], 'v, w']) {
      let error: unknown;
      try {
        readHeader({ 'x-a': value }, 'x-a');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebhookError);
      expect((error as WebhookError).message).toBe('the x-a header is repeated with different values');
    }
  });
});

describe('sign(): the headers a provider sends', () => {
  const body = (provider: keyof typeof examples, type: string) => JSON.stringify((examples[provider] as Record<string, unknown>)[type]);

  it('KASKO: content type, event, a fresh delivery id, the signature; nothing else', async () => {
    const headers = await sign('kasko', { type: 'policy.created', body: body('kasko', 'policy.created') }, 's');
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'x-kasko-delivery', 'x-kasko-event', 'x-kasko-signature']);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-kasko-event']).toBe('policy.created');
    expect(headers['x-kasko-delivery']).toMatch(/^[0-9a-f]{32}$/);
    const given = await sign('kasko', { type: 'policy.created', body: '{}', deliveryId: 'mine' }, 's');
    expect(given['x-kasko-delivery']).toBe('mine');
  });

  it('InsurUp: also a webhook id (a fresh UUID unless given)', async () => {
    const headers = await sign('insurup', { type: 'proposal_premium.received', body: '{}' }, 's');
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'x-webhook-delivery', 'x-webhook-event', 'x-webhook-id', 'x-webhook-signature']);
    expect(headers['x-webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await sign('insurup', { type: 'proposal_premium.received', body: '{}', webhookId: 'w' }, 's'))['x-webhook-id']).toBe('w');
  });

  it('Axitech: the timestamp header (Unix seconds by default, now), url "/" and method POST by default', async () => {
    const b = body('axitech', 'session.submitted');
    const before = Math.floor(Date.now() / 1000);
    const headers = await sign('axitech', { type: 'session.submitted', body: b }, 's');
    const after = Math.floor(Date.now() / 1000);
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'x-aw-signature', 'x-aw-timestamp']);
    expect(Number(headers['x-aw-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(Number(headers['x-aw-timestamp'])).toBeLessThanOrEqual(after);
    await expect(receive('axitech', { body: b, headers, url: '/', method: 'POST' }, { secret: 's' })).resolves.toMatchObject({ type: 'session.submitted' });
    await expect(receive('axitech', { body: b, headers, url: '', method: 'POST' }, { secret: 's' })).rejects.toMatchObject({ code: 'signature_invalid' });
    const lower = await sign('axitech', { type: 'session.submitted', body: b, method: 'put', url: '/x', timestamp: 1_700_000_000_999 }, 's');
    expect(lower['x-aw-timestamp']).toBe('1700000000');
    await expect(receive('axitech', { body: b, headers: lower, url: '/x', method: 'PUT' }, { secret: 's', now: 1_700_000_000_000 })).resolves.toBeDefined();
    const literal = await sign('axitech', { type: 'session.submitted', body: b, timestamp: '2023-11-14T22:13:20Z' }, 's');
    expect(literal['x-aw-timestamp']).toBe('2023-11-14T22:13:20Z');
  });

  it('a timestamp carried in the signature header is not also written as a header', async () => {
    const scheme = { ...timestampedHmac('axitech-hmac-sha256'), signsRequestLine: true };
    const headers = await sign('axitech', { type: 'session.submitted', body: '{}', timestamp: 1_700_000_000_000 }, 's', { signature: scheme });
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'x-aw-signature']);
    expect(headers['x-aw-signature']).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  it('CoverKit: no event, delivery or timestamp header (all in the signed body)', async () => {
    const headers = await sign('coverkit', { type: 'policy.created', body: body('coverkit', 'policy.created') }, 's');
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'coverkit-signature']);
  });
});
