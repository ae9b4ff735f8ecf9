// What an attacker can do with what a provider does not sign, and what the package does about it
// (README, "Threat model"); and errors that must never be blamed on the sender.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { nodeHandler } from '../src/adapters/node.js';
import { block, createWebhooks, examples, receive, sign, UsageError, WebhookError, type SignatureScheme, type WebhookEvent } from '../src/index.js';
import { NOW, SECRET } from './helpers/deliveries.js';

const kaskoBody = (policy: string) => JSON.stringify({ ...(examples.kasko['policy.created'] as object), policy_id: policy });

function router() {
  const handled: WebhookEvent[] = [];
  const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET }, insurup: { secret: SECRET }, axitech: { secret: SECRET, now: NOW } }, logger: false })
    .onAny('kasko', (event) => void handled.push(event))
    .onAny('insurup', (event) => void handled.push(event));
  return { webhooks, handled };
}

describe('unsigned delivery headers (KASKO, InsurUp): only what is signed decides what is new', () => {
  it('a captured body replayed under a fresh delivery id is a duplicate: handled once', async () => {
    const { webhooks, handled } = router();
    const body = kaskoBody('REPLAYED-1');
    const genuine = await sign('kasko', { type: 'policy.created', body, deliveryId: 'a'.repeat(32) }, SECRET);
    expect((await webhooks.handle('kasko', { body, headers: genuine })).status).toBe(200);
    const replayed = { ...genuine, 'x-kasko-delivery': 'b'.repeat(32) }; // the signature still matches the body
    const answer = await webhooks.handle('kasko', { body, headers: replayed });
    expect([answer.status, answer.headers['x-idempotent-replay']]).toEqual([200, 'true']);
    expect(handled).toHaveLength(1);
  });

  it("an old body sent under a genuine delivery's id does not make the genuine delivery a replay", async () => {
    const { webhooks, handled } = router();
    const old = kaskoBody('OLD');
    const oldHeaders = await sign('kasko', { type: 'policy.created', body: old, deliveryId: 'c'.repeat(32) }, SECRET);
    const fresh = kaskoBody('NEW');
    const freshHeaders = await sign('kasko', { type: 'policy.created', body: fresh, deliveryId: 'd'.repeat(32) }, SECRET);
    await webhooks.handle('kasko', { body: old, headers: oldHeaders });
    // The attacker sends the old body with the id the genuine delivery is about to use…
    await webhooks.handle('kasko', { body: old, headers: { ...oldHeaders, 'x-kasko-delivery': 'd'.repeat(32) } });
    // …and the genuine delivery is still handled.
    const genuine = await webhooks.handle('kasko', { body: fresh, headers: freshHeaders });
    expect([genuine.status, genuine.headers['x-idempotent-replay']]).toEqual([200, undefined]);
    expect(handled.map((e) => (e.payload as { policy_id: string }).policy_id)).toEqual(['OLD', 'NEW']);
  });

  it('a relabelled body (policy.created sent as policy.cancelled) runs the other handler once: the threat model says what to do', async () => {
    const { webhooks, handled } = router();
    const body = kaskoBody('RELABEL');
    const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
    await webhooks.handle('kasko', { body, headers });
    const relabelled = { ...headers, 'x-kasko-event': 'policy.cancelled' };
    expect((await webhooks.handle('kasko', { body, headers: relabelled })).status).toBe(200);
    expect((await webhooks.handle('kasko', { body, headers: { ...relabelled, 'x-kasko-delivery': 'e'.repeat(32) } })).headers['x-idempotent-replay']).toBe('true');
    expect(handled.map((e) => e.type)).toEqual(['policy.created', 'policy.cancelled']);
  });

  it('a delivery id longer than 200 characters is refused (400 header_invalid), before anything keeps it', async () => {
    const { webhooks, handled } = router();
    const body = kaskoBody('LONG-ID');
    const headers = await sign('kasko', { type: 'policy.created', body, deliveryId: 'f'.repeat(16_384) }, SECRET);
    const answer = await webhooks.handle('kasko', { body, headers });
    expect([answer.status, JSON.parse(answer.body)]).toEqual([400, { error: 'header_invalid', message: 'the x-kasko-delivery header is longer than 200 characters' }]);
    expect(answer.body.length).toBeLessThan(200);
    expect(handled).toHaveLength(0);
    const fits = await sign('kasko', { type: 'policy.created', body, deliveryId: 'f'.repeat(200) }, SECRET);
    expect((await webhooks.handle('kasko', { body, headers: fits })).status).toBe(200);
  });

  it('sync events keep the delivery id: each purchase attempt is decided anew', async () => {
    const decisions: string[] = [];
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET } }, logger: false }).on('insurup', 'proposal_premium.purchasing', (event) => void decisions.push(event.deliveryId!));
    const body = JSON.stringify(examples.insurup['proposal_premium.purchasing']);
    for (const id of ['attempt-1', 'attempt-2']) await webhooks.handle('insurup', { body, headers: await sign('insurup', { type: 'proposal_premium.purchasing', body, deliveryId: id }, SECRET) });
    expect(decisions).toEqual(['attempt-1', 'attempt-2']);
  });
});

describe('Axitech: no separators between method, url, timestamp and body, so timestamps must be canonical', () => {
  const body = JSON.stringify(examples.axitech['session.submitted']);
  const seconds = String(NOW / 1000);

  it('a leading zero cannot move a character from the url into the timestamp', async () => {
    const headers = await sign('axitech', { type: 'session.submitted', body, url: '/hook0', timestamp: seconds }, SECRET);
    await expect(receive('axitech', { body, headers, url: '/hook0' }, { secret: SECRET, now: NOW })).resolves.toMatchObject({ type: 'session.submitted' });
    // The same signed bytes: POST + /hook + 0<seconds> + body.
    const shifted = { ...headers, 'x-aw-timestamp': `0${seconds}` };
    await expect(receive('axitech', { body, headers: shifted, url: '/hook' }, { secret: SECRET, now: NOW })).rejects.toMatchObject({ code: 'timestamp_invalid' });
  });

  it.each(['0' + seconds, '2026-02-30T12:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T12:00:00+24:00', '2026-11-25T12:00:60Z', '-1700000000', '+1700000000', ' 1700000000'])(
    'refuses the non-canonical or impossible timestamp %j',
    async (timestamp) => {
      const headers = await sign('axitech', { type: 'session.submitted', body, url: '/', timestamp }, SECRET);
      await expect(receive('axitech', { body, headers, url: '/' }, { secret: SECRET, now: NOW })).rejects.toMatchObject({ code: 'timestamp_invalid' });
    },
  );

  it.each([seconds, `${NOW}`, new Date(NOW).toISOString(), new Date(NOW).toISOString().replace('.000Z', 'Z'), '2026-11-25T14:00:00+02:00', '2026-11-25T12:00:00'])('accepts the canonical %j', async (timestamp) => {
    const headers = await sign('axitech', { type: 'session.submitted', body, url: '/', timestamp }, SECRET);
    await expect(receive('axitech', { body, headers, url: '/' }, { secret: SECRET, now: NOW })).resolves.toMatchObject({ type: 'session.submitted' });
  });
});

describe('never the sender’s fault when it is ours', () => {
  it('allowUnsigned without a secret, and a signature arrives: 401 (any client can send one), not a 500', async () => {
    const webhooks = createWebhooks({ providers: { insurup: { allowUnsigned: true } }, logger: false });
    const body = JSON.stringify(examples.insurup['proposal_premium.received']);
    const headers = await sign('insurup', { type: 'proposal_premium.received', body }, 'whatever');
    const answer = await webhooks.handle('insurup', { body, headers });
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([401, 'signature_invalid']);
    const { 'x-webhook-signature': _, ...unsigned } = headers;
    expect((await webhooks.handle('insurup', { body, headers: unsigned })).status).toBe(200);
  });

  it('a non-string method is wrong use (UsageError), never payload_malformed', async () => {
    const body = kaskoBody('M');
    const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
    expect(() => receive('kasko', { body, headers, method: 42 as never }, { secret: SECRET })).toThrow(new UsageError('insurance-webhooks: incoming.method must be a string (the request method)'));
  });

  it('a bug met while verifying (a custom scheme that throws) is a retryable 500 internal_error, reported, never a 4xx', async () => {
    const broken: SignatureScheme = {
      name: 'kasko-hmac-sha1',
      algorithm: 'SHA-1',
      parse: () => {
        throw new TypeError('cannot read properties of undefined');
      },
      prefix: () => '',
      format: () => '',
    };
    const errors: unknown[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, signature: broken } } }).onError((error) => void errors.push(error));
    const body = kaskoBody('BUG');
    const answer = await webhooks.handle('kasko', { body, headers: await sign('kasko', { type: 'policy.created', body }, SECRET) });
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([500, 'internal_error']);
    expect(errors).toEqual([expect.any(TypeError)]);
    expect(errors[0]).not.toBeInstanceOf(WebhookError);
    const rejected = await receive('kasko', { body, headers: await sign('kasko', { type: 'policy.created', body }, SECRET) }, { secret: SECRET, signature: broken }).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(TypeError); // receive() passes a bug on as it is
    vi.restoreAllMocks();
  });
});

describe('second review: decisions, selectors, stores, parsers, replays and logs', () => {
  const purchasing = JSON.stringify(examples.insurup['proposal_premium.purchasing']);

  it.each([
    ['a later handler throws', async () => {
      throw new Error('audit log down');
    }],
    ['a later handler is slower than the deadline', () => new Promise((resolve) => setTimeout(resolve, 300))],
  ])('a block already returned stands when %s, even with onDeadline: allow', async (_, later) => {
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET } }, sync: { onDeadline: 'allow', deadlineMs: 100 }, logger: false })
      .on('insurup', 'proposal_premium.purchasing', async () => block('flagged by fraud check'))
      .on('insurup', 'proposal_premium.purchasing', later);
    const answer = await webhooks.handle('insurup', { body: purchasing, headers: await sign('insurup', { type: 'proposal_premium.purchasing', body: purchasing }, SECRET) });
    expect([answer.status, JSON.parse(answer.body)]).toEqual([422, { allow: false, reason: 'flagged by fraud check' }]);
  });

  it('a provider selector that throws is a 500 internal_error, reported, and the server keeps serving', async () => {
    const errors: unknown[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } } }).onError((error) => void errors.push(error));
    const server = http.createServer(nodeHandler(webhooks, (req) => decodeURIComponent(req.url!.split('/')[2]!) as never));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const broken = await fetch(`${origin}/webhooks/%E0%A4%A`, { method: 'POST', body: '{}' });
      expect([broken.status, ((await broken.json()) as { error: string }).error]).toEqual([500, 'internal_error']);
      expect(errors).toEqual([expect.objectContaining({ code: 'adapter_failed', status: 500 })]);
      const body = kaskoBody('AFTER-THROWING-SELECTOR');
      const ok = await fetch(`${origin}/webhooks/kasko`, { method: 'POST', headers: await sign('kasko', { type: 'policy.created', body }, SECRET), body });
      expect(ok.status).toBe(200);
    } finally {
      server.close();
    }
  });

  it.each([
    ['{"status":0,"body":"x"}'],
    ['{"status":302,"body":"x"}'],
    ['{"status":"200","body":"x"}'],
  ])('a store record %s that is not a 2xx this package stored is a store fault (503), never replayed', async (record) => {
    const store = { claim: async () => ({ state: 'done' as const, response: record }), complete: async () => {}, release: async () => {} };
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, idempotency: { store }, logger: false });
    const body = kaskoBody('FOREIGN-RECORD');
    const answer = await webhooks.handle('kasko', { body, headers: await sign('kasko', { type: 'policy.created', body }, SECRET) });
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([503, 'store_unavailable']);
  });

  it('unknown event types are deduplicated like any delivery: onUnknown runs once for five replays under fresh ids', async () => {
    const seen = vi.fn();
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, logger: false }).onUnknown(seen);
    const body = kaskoBody('UNKNOWN-REPLAYED');
    for (let i = 0; i < 5; i++) {
      const answer = await webhooks.handle('kasko', { body, headers: await sign('kasko', { type: 'policy.renewed', body, deliveryId: `${i}`.repeat(32) }, SECRET) });
      expect(answer.status).toBe(202);
    }
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('an invalid body relabelled as the sync event is decided each time (fallback) but kept once', async () => {
    const kept = vi.fn();
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET } }, logger: false }).onInvalid(kept);
    const body = JSON.stringify({ proposalId: 42 });
    for (let i = 0; i < 5; i++) {
      const answer = await webhooks.handle('insurup', { body, headers: await sign('insurup', { type: 'proposal_premium.purchasing', body }, SECRET) });
      expect(answer.status).toBe(422);
    }
    expect(kept).toHaveBeenCalledTimes(1);
  });

  it('a payload never rides along when an error is logged as JSON, and a malformed body is not quoted', async () => {
    const body = JSON.stringify({ ...(examples.kasko['policy.created'] as object), first_name: 12345, last_name: 'Ayse_Yilmaz' });
    const refused = (await receive('kasko', { body, headers: await sign('kasko', { type: 'policy.created', body }, SECRET) }, { secret: SECRET }).catch((error: unknown) => error)) as WebhookError;
    expect(refused.payload).toMatchObject({ last_name: 'Ayse_Yilmaz' }); // still there for onInvalid and onError
    expect(JSON.stringify({ error: refused })).not.toContain('Ayse_Yilmaz');
    const malformed = '{"a": Ayse_Yilmaz}';
    const bad = (await receive('kasko', { body: malformed, headers: await sign('kasko', { type: 'policy.created', body: malformed }, SECRET) }, { secret: SECRET }).catch((error: unknown) => error)) as WebhookError;
    expect(bad.code).toBe('payload_malformed');
    expect(bad.message).not.toContain('Yilmaz');
  });

  it.each([
    ['idempotency.store', { idempotency: { store: {} } }, 'idempotency.store must have claim(), complete() and release() (memoryStore(), redisStore(), or your own)'],
    ['idempotency.key', { idempotency: { key: 'x' } }, 'idempotency.key must be a function of the event'],
    ['sync.respond', { sync: { respond: 'x' } }, 'sync.respond must be a function of the decision'],
  ])('a %s of the wrong shape is refused at start-up', (_, extra, says) => {
    expect(() => createWebhooks({ providers: { kasko: { secret: SECRET } }, ...(extra as object) })).toThrow(new UsageError(`insurance-webhooks: ${says}`));
  });
});
