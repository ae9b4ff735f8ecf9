// Regression tests for what the robustness work found: options that would switch a protection off,
// deep nesting, store calls that never answer, handlers that overrun, and a 413 that must arrive.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createWebhooks, examples, receive, sign, UsageError, WebhookError, type IdempotencyStore } from '../src/index.js';
import { nodeHandler } from '../src/adapters/node.js';
import { delivery, options, SECRET } from './helpers/deliveries.js';

describe('options that would disable a protection are refused', () => {
  it.each([
    { toleranceSeconds: Number.NaN },
    { toleranceSeconds: Number.POSITIVE_INFINITY },
    { toleranceSeconds: -1 },
    { now: Number.NaN },
    { now: new Date('not a date') },
    { maxBodyBytes: Number.NaN },
    { maxBodyBytes: Number.POSITIVE_INFINITY },
    { maxBodyBytes: 1.5 },
  ])('%o', async (bad) => {
    const body = JSON.stringify(examples.axitech['session.submitted']);
    const headers = await sign('axitech', { type: 'session.submitted', body, url: '/h', timestamp: Date.UTC(2016, 0, 1) }, 's');
    expect(() => receive('axitech', { body, headers, url: '/h' }, { secret: 's', ...bad })).toThrow(UsageError);
    expect(() => createWebhooks({ providers: { kasko: { secret: 's', ...bad } } })).toThrow(UsageError);
  });
});

describe('nesting', () => {
  it('refuses bodies nested deeper than 1000 levels as payload_invalid, and accepts 999 inside an open object', async () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const policy = examples.kasko['policy.created'];
    const deep = JSON.stringify({ ...policy, metadata: { x: 0 } }).replace('{"x":0}', nested(1000));
    const d = await delivery('kasko', 'policy.created', deep);
    const error = (await receive('kasko', { body: d.body, headers: d.headers }, options).catch((e: unknown) => e)) as WebhookError;
    expect(error.code).toBe('payload_invalid');
    expect(error.errors?.[0]?.message).toBe('nests deeper than 1000 levels');
    const fine = await delivery('kasko', 'policy.created', JSON.stringify({ ...policy, metadata: { x: 0 } }).replace('{"x":0}', nested(999))); // metadata is at depth 1: 999 levels deep
    const event = await receive('kasko', { body: fine.body, headers: fine.headers }, options);
    expect(() => structuredClone(event.payload)).not.toThrow();
  });
});

async function serve(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('store calls that never answer', () => {
  it('answer 503 after idempotency.timeoutMs instead of hanging, and run nothing', async () => {
    const hanging: IdempotencyStore = { claim: () => new Promise(() => {}), complete: async () => {}, release: async () => {} };
    let runs = 0;
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, now: options.now } }, idempotency: { store: hanging, timeoutMs: 100 } }).onAny('kasko', () => void runs++);
    const d = await delivery('kasko', 'policy.created');
    const started = Date.now();
    const response = await webhooks.handle('kasko', { body: d.body, headers: d.headers });
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(runs).toBe(0);
  });
});

describe('handlerTimeoutMs', () => {
  it('answers 503 past the deadline, records the late success, and never runs the handler twice', async () => {
    let runs = 0;
    let finish!: () => void;
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, now: options.now } }, handlerTimeoutMs: 50 }).onAny('kasko', async () => {
      runs++;
      await new Promise<void>((resolve) => (finish = resolve));
    });
    const d = await delivery('kasko', 'policy.updated');
    const incoming = { body: d.body, headers: d.headers };
    expect((await webhooks.handle('kasko', incoming)).status).toBe(503);
    expect((await webhooks.handle('kasko', incoming)).status).toBe(409); // retry while it still runs
    finish();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const replay = await webhooks.handle('kasko', incoming);
    expect(replay.status).toBe(200);
    expect(replay.headers['x-idempotent-replay']).toBe('true');
    expect(runs).toBe(1);
  });
});

describe('413 while the client is still sending', () => {
  it('reaches the client (no reset) for a chunked body far over the limit, repeatedly', async () => {
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, maxBodyBytes: 1024 } } });
    const server = await serve(nodeHandler(webhooks, 'kasko'));
    try {
      for (let i = 0; i < 30; i++) {
        const status = await new Promise<number | string>((resolve) => {
          const request = http.request(`${server.origin}/`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (response) => {
            response.resume();
            resolve(response.statusCode!);
          });
          request.on('error', (error) => resolve(`error: ${error.message}`));
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          request.write(chunk);
          request.write(chunk);
          request.end(chunk);
        });
        expect(status).toBe(413);
      }
    } finally {
      await server.close();
    }
  });
});
