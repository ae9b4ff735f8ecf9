// Threat-model properties (README, "Threat model") that no other test pinned (issue 20): the
// idempotency key is a SHA-256 of the signed body, not its MAC, so a retry signed with the new
// secret during a rotation is the same delivery; authentic deliveries kept by onInvalid are
// deduplicated on the signed body too; a signature header holding several different values does
// not verify, even when one of them is the right MAC.
import { describe, expect, it } from 'vitest';
import { createWebhooks, examples, receive, sign, type InvalidDelivery, type WebhookEvent } from '../src/index.js';

const OLD = 'rotation-old-secret';
const NEW = 'rotation-new-secret';
const body = (policy: string) => JSON.stringify({ ...(examples.kasko['policy.created'] as object), policy_id: policy });

describe('only signed content decides what is a duplicate', () => {
  it('a retry signed with the new secret during a rotation (another MAC) is the same delivery: handled once', async () => {
    const handled: WebhookEvent[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: [NEW, OLD] } }, logger: false }).onAny('kasko', (event) => void handled.push(event));
    const text = body('ROTATED');
    const first = await sign('kasko', { type: 'policy.created', body: text, deliveryId: 'a'.repeat(32) }, OLD);
    const retry = await sign('kasko', { type: 'policy.created', body: text, deliveryId: 'a'.repeat(32) }, NEW);
    expect(retry['x-kasko-signature']).not.toBe(first['x-kasko-signature']);
    expect((await webhooks.handle('kasko', { body: text, headers: first })).status).toBe(200);
    const again = await webhooks.handle('kasko', { body: text, headers: retry });
    expect([again.status, again.headers['x-idempotent-replay']]).toEqual([200, 'true']);
    expect(handled).toHaveLength(1);
    // Another body under the same secrets is a new delivery (the key is not constant).
    expect((await webhooks.handle('kasko', { body: body('OTHER'), headers: await sign('kasko', { type: 'policy.created', body: body('OTHER') }, NEW) })).headers['x-idempotent-replay']).toBeUndefined();
    expect(handled).toHaveLength(2);
  });

  it('an authentic delivery kept by onInvalid, replayed under a fresh delivery id, is kept once', async () => {
    const kept: InvalidDelivery[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: NEW } }, logger: false }).onInvalid((delivery) => void kept.push(delivery));
    const invalid = JSON.stringify({ ...(examples.kasko['policy.created'] as object), policy_id: 42 }); // fails the schema
    for (const deliveryId of ['b'.repeat(32), 'c'.repeat(32), 'd'.repeat(32)]) {
      const answer = await webhooks.handle('kasko', { body: invalid, headers: await sign('kasko', { type: 'policy.created', body: invalid, deliveryId }, NEW) });
      expect(answer.status).toBeLessThan(300);
    }
    expect(kept).toHaveLength(1);
    // A different invalid body is kept too.
    const other = JSON.stringify({ ...(examples.kasko['policy.created'] as object), policy_id: 43 });
    await webhooks.handle('kasko', { body: other, headers: await sign('kasko', { type: 'policy.created', body: other }, NEW) });
    expect(kept).toHaveLength(2);
  });
});

describe('a signature header holding several different values does not verify (401)', () => {
  it('the right MAC repeated is one value; beside another value it is refused, in either order', async () => {
    const text = body('REPEATED');
    const headers = await sign('kasko', { type: 'policy.created', body: text }, NEW);
    const right = headers['x-kasko-signature']!;
    const wrong = `sha1=${'0'.repeat(40)}`;
    await expect(receive('kasko', { body: text, headers: { ...headers, 'x-kasko-signature': [right, right] } }, { secret: NEW })).resolves.toMatchObject({ type: 'policy.created' });
    for (const values of [
      [right, wrong],
      [wrong, right],
    ]) {
      await expect(receive('kasko', { body: text, headers: { ...headers, 'x-kasko-signature': values } }, { secret: NEW })).rejects.toMatchObject({ code: 'signature_invalid', status: 401 });
    }
    const webhooks = createWebhooks({ providers: { kasko: { secret: NEW } }, logger: false }).onAny('kasko', () => {});
    expect((await webhooks.handle('kasko', { body: text, headers: { ...headers, 'x-kasko-signature': [right, wrong] } })).status).toBe(401);
  });
});
