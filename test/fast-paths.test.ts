// The fast paths of issue 15 ("Speed end to end") keep every protection: the JSON walk skipped
// only when the text cannot need it, the memory store's own eviction queue, the router's
// synchronous use of the memory store and its answers without a Promise, and the signed body
// kept in the event (a private field) where copies cannot carry it.
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, parseJson } from '../src/core/json.js';
import { createWebhooks, defaultIdempotencyKey, examples, receiveSync, sign } from '../src/index.js';
import { memoryStore, SYNCHRONOUS } from '../src/idempotency/memory.js';

describe('parseJson: the walk is skipped only when the text cannot need it', () => {
  it('refuses MAX_DEPTH levels of nesting, with the path, without "proto" in the text', () => {
    const deep = `${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`;
    const outcome = parseJson(`{"a":${deep}}`);
    expect(outcome).toMatchObject({ ok: false, reason: 'unsafe' });
    expect((outcome as { path: string }).path.startsWith('/a/0/0')).toBe(true);
    const objects = `${'{"k":'.repeat(MAX_DEPTH + 1)}1${'}'.repeat(MAX_DEPTH + 1)}`;
    expect(parseJson(objects)).toMatchObject({ ok: false, reason: 'unsafe' });
  });

  it('accepts a shallow body with more than MAX_DEPTH brackets, in strings or in many containers', () => {
    expect(parseJson(JSON.stringify({ note: '{['.repeat(MAX_DEPTH) }))).toMatchObject({ ok: true });
    const many = JSON.stringify({ items: Array.from({ length: 3 * MAX_DEPTH }, (_, i) => ({ i, tags: [i] })) });
    expect(parseJson(many)).toMatchObject({ ok: true });
    expect(parseJson(`${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}`)).toMatchObject({ ok: true });
  });

  it('still refuses forbidden keys, escaped or not, and rounded integers in long bodies', () => {
    const pad = 'x'.repeat(5000);
    expect(parseJson(`{"pad":"${pad}","__proto__":{"admin":true}}`)).toMatchObject({ ok: false, path: '/__proto__' });
    expect(parseJson(`{"pad":"${pad}","\\u005f_proto__":{"admin":true}}`)).toMatchObject({ ok: false, path: '/__proto__' });
    expect(parseJson(`{"pad":"${pad}","constructor":{"prototype":{}}}`)).toMatchObject({ ok: false, path: '/constructor/prototype' });
    expect(parseJson(`{"pad":"${pad}","amount":12345678901234567890}`)).toMatchObject({ ok: false, path: '/amount' });
    const many = { items: Array.from({ length: 2 * MAX_DEPTH }, (_, i) => ({ i })), amount: 12345678901234567890 };
    expect(parseJson(JSON.stringify(many).replace('12345678901234567000', '12345678901234567890'))).toMatchObject({ ok: false, path: '/amount' });
  });
});

describe('memoryStore: eviction in insertion order, through the synchronous operations too', () => {
  it('keeps the newest completed keys, never a claim in progress, past many evictions', () => {
    const store = memoryStore({ maxEntries: 100 });
    const sync = store[SYNCHRONOUS];
    const held = sync.claim('held', 60_000);
    expect(held.state).toBe('claimed');
    for (let i = 0; i < 5_000; i++) {
      const claim = sync.claim(`k${i}`, 60_000);
      if (claim.state !== 'claimed') throw new Error(`k${i}: ${claim.state}`);
      sync.complete(`k${i}`, claim.token, `{"status":200,"body":"${i}"}`, 60_000);
      expect(store.size).toBeLessThanOrEqual(100);
    }
    expect(sync.claim('held', 60_000)).toEqual({ state: 'in_progress' });
    expect(sync.claim('k4999', 60_000)).toEqual({ state: 'done', response: '{"status":200,"body":"4999"}' });
    expect(sync.claim('k4901', 60_000)).toMatchObject({ state: 'done' });
    expect(sync.claim('k0', 60_000)).toMatchObject({ state: 'claimed' }); // evicted long ago
  });

  it('sweeps lapsed entries after out-of-order completions, and the async API agrees', async () => {
    let time = 0;
    const store = memoryStore({ now: () => time });
    const sync = store[SYNCHRONOUS];
    const tokens = Array.from({ length: 50 }, (_, i) => (sync.claim(`k${i}`, 1_000) as { token: string }).token);
    for (let i = 49; i >= 0; i -= 2) sync.complete(`k${i}`, tokens[i]!, '{"status":200,"body":""}', 500);
    for (let i = 0; i < 50; i += 2) sync.release(`k${i}`, tokens[i]!);
    expect(store.size).toBe(25);
    time = 600; // completed keys lapsed
    expect(await store.claim('k1', 1_000)).toMatchObject({ state: 'claimed' });
    expect(store.size).toBe(1);
  });
});

describe('the signed body rides in the event, out of reach (not a WeakMap entry per delivery)', () => {
  const secret = 'whsec_fast_paths';
  async function kaskoEvent() {
    const payload = examples.kasko['policy.cancelled'];
    const body = JSON.stringify(payload);
    const headers = await sign('kasko', { body, type: 'policy.cancelled', deliveryId: 'd-1' }, secret);
    return { body, event: receiveSync('kasko', { body, headers }, { secret }) };
  }

  it('keys a KASKO event by the SHA-256 of its signed body, computed outside the package', async () => {
    const { body, event } = await kaskoEvent();
    expect(defaultIdempotencyKey(event)).toBe(`kasko:policy.cancelled:${createHash('sha256').update(body).digest('hex')}`);
  });

  it('a copy (spread, structuredClone, JSON) carries no signed body: keyed by its delivery id, never by the original body', async () => {
    const { event } = await kaskoEvent();
    const copies = [{ ...event }, { ...event, payload: { forged: true } }, structuredClone(event), JSON.parse(JSON.stringify(event))];
    for (const copy of copies) expect(defaultIdempotencyKey(copy)).toBe('kasko:d-1');
  });

  it('shows only the five public fields: own keys, JSON and util.inspect', async () => {
    const { body, event } = await kaskoEvent();
    expect(Object.keys(event)).toEqual(['provider', 'type', 'deliveryId', 'webhookId', 'payload']);
    expect(Object.getOwnPropertySymbols(event)).toEqual([]);
    expect(JSON.stringify(event)).not.toContain('"body"');
    expect(inspect(event, { depth: 0 })).not.toContain(body.slice(0, 20));
  });
});

describe('the router answers without a Promise where every step was synchronous', () => {
  const secret = 'whsec_fast_paths';
  async function delivery() {
    const body = JSON.stringify(examples.kasko['policy.created']);
    return { body, headers: await sign('kasko', { body, type: 'policy.created', deliveryId: `d-${Math.random()}` }, secret) };
  }

  it('handleEither(): the answer itself with the memory store and a synchronous handler; a Promise with an async one', async () => {
    const seen: string[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret } }, telemetry: false }).on('kasko', 'policy.created', (event) => void seen.push(event.type));
    const incoming = await delivery();
    const answered = webhooks.handleEither('kasko', incoming);
    expect(answered).not.toBeInstanceOf(Promise);
    expect((answered as { status: number }).status).toBe(200);
    // The same body again is the stored answer, also without a Promise.
    const again = webhooks.handleEither('kasko', incoming);
    expect(again).not.toBeInstanceOf(Promise);
    expect((again as { headers: Record<string, string> }).headers['x-idempotent-replay']).toBe('true');
    expect(seen).toEqual(['policy.created']);

    const slow = createWebhooks({ providers: { kasko: { secret } }, telemetry: false }).on('kasko', 'policy.created', async () => {});
    const pending = slow.handleEither('kasko', await delivery());
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).status).toBe(200);
  });

  it('a handler that throws synchronously, or rejects after an earlier synchronous one, answers 500 and releases the claim', async () => {
    let calls = 0;
    const webhooks = createWebhooks({ providers: { kasko: { secret } }, telemetry: false, logger: false })
      .on('kasko', 'policy.created', () => void calls++)
      .on('kasko', 'policy.created', () => {
        if (calls === 1) throw new Error('sync failure');
        return Promise.reject(new Error('async failure'));
      });
    const incoming = await delivery();
    const first = webhooks.handleEither('kasko', incoming);
    expect(first).not.toBeInstanceOf(Promise);
    expect((first as { status: number }).status).toBe(500);
    // Released: the retry runs the handlers again (the second one now rejects).
    const retry = webhooks.handleEither('kasko', incoming);
    expect(retry).toBeInstanceOf(Promise);
    expect((await retry).status).toBe(500);
    expect(calls).toBe(2);
  });
});
