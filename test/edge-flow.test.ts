// The edge's flow itself (src/adapters/edge.ts), below the adapters: the body reader hands over what
// it read through a callback, so an answer ready at once comes without a Promise (bench/, part 7),
// and every way a reader or a writer can misbehave still ends in exactly one answer.
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { atEdge, type BodyRead, type EdgeOutcome, type EdgeRequest } from '../src/adapters/edge.js';
import { expressHandler } from '../src/adapters/express.js';
import { fastifyWebhooks } from '../src/adapters/fastify.js';
import { nodeHandler } from '../src/adapters/node.js';
import { webHandler } from '../src/adapters/web.js';
import { createWebhooks, examples, sign } from '../src/index.js';
import { delivery, NOW, SECRET } from './helpers/deliveries.js';

const body = JSON.stringify(examples.kasko['policy.created']);

/** `observe`: with an onDelivery hook (then handle() itself answers with a Promise). */
async function setup(handler: () => unknown = () => {}, observe = false) {
  const outcomes: string[] = [];
  const reports: string[] = [];
  const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, telemetry: false })
    .on('kasko', 'policy.created', handler as () => void)
    .onError((error) => void reports.push((error as { code?: string }).code ?? String(error)));
  if (observe) webhooks.onDelivery((record) => void outcomes.push(record.outcome));
  const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
  const request = (read: EdgeRequest['read']) => () => ({ provider: 'kasko', request: { method: 'POST', url: '/webhooks/kasko', headers, read } });
  return { webhooks, request, outcomes, reports };
}

const statusOf = (outcome: EdgeOutcome) => ('gone' in outcome ? 'gone' : outcome.response.status);

describe('the edge flow', () => {
  it('answers without a Promise when the body is at hand and the handlers are synchronous', async () => {
    const { webhooks, request } = await setup();
    const answered = atEdge(webhooks, request((_limit, done) => done({ body })), statusOf);
    expect(answered).toBe(200);
  });

  it('answers with a Promise of what the writer returned when the body comes later', async () => {
    const { webhooks, request } = await setup();
    let deliver: ((read: BodyRead | undefined) => void) | undefined;
    const written: number[] = [];
    const answered = atEdge(
      webhooks,
      request((_limit, done) => void (deliver = done)),
      (outcome) => (written.push(statusOf(outcome) as number), 'written'),
    );
    expect(answered).toBeInstanceOf(Promise);
    expect(written).toEqual([]);
    deliver!({ body });
    expect(written).toEqual([200]); // written as the body arrived, not a tick later
    await expect(answered).resolves.toBe('written');
  });

  it('waits for an asynchronous handler, then answers once', async () => {
    const { webhooks, request } = await setup(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const written: (number | string)[] = [];
    const answered = atEdge(webhooks, request((_limit, done) => done({ body })), (outcome) => void written.push(statusOf(outcome)));
    expect(answered).toBeInstanceOf(Promise);
    await answered;
    expect(written).toEqual([200]);
  });

  it('takes a reader that throws before handing over a body as a client gone: recorded aborted, no handler run', async () => {
    let ran = 0;
    const { webhooks, request, outcomes, reports } = await setup(() => void ran++, true);
    const answered = atEdge(
      webhooks,
      request(() => {
        throw new Error('socket reset');
      }),
      statusOf,
    );
    expect([answered, ran, outcomes, reports]).toEqual(['gone', 0, ['aborted'], []]);
  });

  it('takes a reader that calls back twice at its first call: one answer, one handler run', async () => {
    let ran = 0;
    const { webhooks, request } = await setup(() => void ran++);
    const written: (number | string)[] = [];
    atEdge(
      webhooks,
      request((_limit, done) => {
        done({ body });
        done(undefined);
        done({ tooLarge: true });
      }),
      (outcome) => void written.push(statusOf(outcome)),
    );
    expect([written, ran]).toEqual([[200], 1]);
  });

  it('passes on what the writer throws, without answering a second time', async () => {
    const { webhooks, request } = await setup();
    let calls = 0;
    const broken = new Error('the response could not be written');
    const writer = () => {
      calls++;
      throw broken;
    };
    expect(() => atEdge(webhooks, request((_limit, done) => done({ body })), writer)).toThrow(broken);
    expect(calls).toBe(1);
    let deliver: ((read: BodyRead | undefined) => void) | undefined;
    const later = atEdge(webhooks, request((_limit, done) => void (deliver = done)), writer);
    deliver!({ body });
    await expect(later).rejects.toBe(broken);
    expect(calls).toBe(2);
  });

  it('takes a reader that throws after handing over the body at its call: one answer, the handlers\' (async handler)', async () => {
    const { webhooks, request, reports } = await setup(() => new Promise((resolve) => setTimeout(resolve, 10)));
    const written: (number | string)[] = [];
    const answered = atEdge(
      webhooks,
      request((_limit, done) => {
        done({ body });
        throw new Error('a reader that fails after its call');
      }),
      (outcome) => void written.push(statusOf(outcome)),
    );
    await answered;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([written, reports]).toEqual([[200], []]);
  });

  it('answers 500 adapter_failed, reported, when choosing the provider throws', async () => {
    const { webhooks, reports } = await setup();
    const answered = atEdge(
      webhooks,
      () => {
        throw new URIError('URI malformed');
      },
      statusOf,
    );
    expect([answered, reports]).toEqual([500, ['adapter_failed']]);
  });
});

describe("the caller's async context", () => {
  // A store entered around the adapter's call (a request-scoped logger, a trace) must reach the
  // handlers, also when the body arrives after the call returned: the stream's events come from
  // the socket's context, not the caller's (src/adapters/node-io.ts readRawBody).
  it.each(['node', 'express'] as const)('%s: reaches the handlers when the body arrives in pieces, later', async (kind) => {
    const als = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, telemetry: false, logger: false }).on('kasko', 'policy.created', () => void seen.push(als.getStore()));
    const handler = kind === 'node' ? nodeHandler(webhooks, 'kasko') : expressHandler(webhooks, 'kasko');
    let served = 0;
    const server = http.createServer((req, res) => void als.run(`request ${++served}`, () => handler(req, res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
      const { port } = server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        const request = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        });
        request.on('error', reject);
        request.write(body.slice(0, 100));
        setTimeout(() => request.end(body.slice(100)), 30);
      });
      expect([status, seen]).toEqual([200, ['request 1']]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the caller's async context, Fastify and Web (Hono)", () => {
  // As above, for the two other adapters: Fastify with a store entered in an onRequest hook (the
  // body at hand, and its 415 path, which reads Node's request itself), the web adapter on Hono
  // with a store entered around its call. Pieces 30 ms apart, declared length and chunked.
  const servers = {
    fastify: async (webhooks: ReturnType<typeof createWebhooks>, als: AsyncLocalStorage<string>) => {
      const app = Fastify();
      let served = 0;
      app.addHook('onRequest', (_request, _reply, next) => als.run(`request ${++served}`, next));
      await app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/' }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
    },
    web: async (webhooks: ReturnType<typeof createWebhooks>, als: AsyncLocalStorage<string>) => {
      const { Hono } = await import('hono');
      const { serve } = await import('@hono/node-server');
      const handler = webHandler(webhooks, 'kasko');
      const app = new Hono();
      let served = 0;
      app.post('/', (c) => als.run(`request ${++served}`, () => handler(c.req.raw)));
      const server = await new Promise<http.Server>((resolve) => {
        const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as http.Server));
      });
      return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
    },
  };
  it.each(['fastify', 'web'] as const)('%s: reaches the handlers when the body arrives in pieces, later', async (kind) => {
    const als = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET } }, telemetry: false, logger: false }).on('kasko', 'policy.created', () => void seen.push(als.getStore()));
    const server = await servers[kind](webhooks, als);
    const types = kind === 'fastify' ? ['application/json', 'application'] : ['application/json'];
    const statuses: number[] = [];
    try {
      for (const type of types) {
        for (const chunked of [false, true]) {
          const one = body.replace('"TEST-POLICY-12345"', `"ALS-${statuses.length}"`);
          const headers = await sign('kasko', { type: 'policy.created', body: one }, SECRET);
          const length = chunked ? {} : { 'content-length': String(Buffer.byteLength(one)) };
          statuses.push(
            await new Promise<number>((resolve, reject) => {
              const request = http.request({ port: server.port, host: '127.0.0.1', method: 'POST', path: '/', headers: { ...headers, 'content-type': type, ...length } }, (response) => {
                response.resume();
                resolve(response.statusCode!);
              });
              request.on('error', reject);
              request.write(one.slice(0, 100));
              setTimeout(() => request.end(one.slice(100)), 30);
            }),
          );
        }
      }
      const count = types.length * 2;
      expect([statuses, seen]).toEqual([Array(count).fill(200), Array.from({ length: count }, (_, i) => `request ${i + 1}`)]);
    } finally {
      await server.close();
    }
  });
});

describe('a client that leaves mid-body: recorded aborted, never reported, on every path', () => {
  // README/edge.ts: a client gone is not a refusal (the provider retries, no one reads the answer).
  it('web: a Request whose body stream fails, with a declared length or without', async () => {
    const { webhooks, outcomes, reports } = await setup(() => {}, true);
    const handler = webHandler(webhooks, 'kasko');
    const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
    const statuses: number[] = [];
    for (const declared of [true, false]) {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body.slice(0, 50)));
          setTimeout(() => controller.error(new TypeError('terminated')), 5);
        },
      });
      const length: Record<string, string> = declared ? { 'content-length': String(body.length) } : {};
      const request = new Request('http://127.0.0.1/webhooks/kasko', { method: 'POST', headers: { ...headers, ...length }, body: stream, duplex: 'half' } as RequestInit);
      statuses.push((await handler(request)).status);
    }
    expect([statuses, outcomes, reports]).toEqual([[500, 500], ['aborted', 'aborted'], []]);
  });

  it('web: a Request whose body a reader was taken from (not read) is still raw_body_unavailable', async () => {
    const { webhooks, reports } = await setup();
    const handler = webHandler(webhooks, 'kasko');
    const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
    for (const declared of [true, false]) {
      const length: Record<string, string> = declared ? { 'content-length': String(body.length) } : {};
      const request = new Request('http://127.0.0.1/webhooks/kasko', { method: 'POST', headers: { ...headers, ...length }, body });
      request.body!.getReader();
      const response = await handler(request);
      expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([500, 'raw_body_unavailable']);
    }
    expect(reports).toEqual(['raw_body_unavailable', 'raw_body_unavailable']);
  });

  it('fastify: on the 415 path (a Content-Type it cannot parse), read from Node\'s request', async () => {
    const { webhooks, outcomes, reports } = await setup(() => {}, true);
    const app = Fastify();
    await app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/webhooks/kasko' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
      const head = Object.entries(headers)
        .filter(([name]) => name.toLowerCase() !== 'content-type')
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(`POST /webhooks/kasko HTTP/1.1\r\nhost: x\r\ncontent-type: application\r\n${head}content-length: ${body.length}\r\n\r\n${body.slice(0, 50)}`);
          setTimeout(() => (socket.destroy(), resolve()), 50);
        });
        socket.on('error', () => {});
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect([outcomes, reports]).toEqual([['aborted'], []]);
    } finally {
      await app.close();
    }
  });
});

describe('an answer of sync.respond that cannot be written', () => {
  // A header with a line break, a status outside 200–599: Node's setHeader/writeHead and the Web
  // Response constructor throw. Before, the Node adapter never answered (an unhandled rejection,
  // fatal by Node's default) and nothing was reported; now it is a reported, retryable 500.
  const purchasing = { proposalId: 'p', productId: 1, installmentNumber: 1, paymentType: 'CreditCard' };
  it.each([
    ['a header value with a line break', { status: 200, headers: { 'x-note': 'a\nb' }, body: '{}' }],
    ['a header name with a space', { status: 200, headers: { 'x note': 'a' }, body: '{}' }],
    ['a status outside 200–599', { status: 1000, headers: {}, body: '{}' }],
  ])('%s: 500, reported, on the Node and Web adapters', async (_name, answer) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const reports: string[] = [];
    const webhooks = createWebhooks({ providers: { insurup: { secret: SECRET, now: NOW } }, logger: false, telemetry: false, sync: { respond: () => answer } })
      .on('insurup', 'proposal_premium.purchasing', () => ({ allow: true }))
      .onError((error) => void reports.push((error as Error).message));
    const handler = nodeHandler(webhooks, 'insurup');
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const node = await delivery('insurup', 'proposal_premium.purchasing', purchasing);
      const { port } = server.address() as AddressInfo;
      const viaNode = await fetch(`http://127.0.0.1:${port}${node.url}`, { method: 'POST', headers: node.headers, body: node.body, signal: AbortSignal.timeout(2000) });
      const web = await delivery('insurup', 'proposal_premium.purchasing', { ...purchasing, proposalId: 'q' });
      const viaWeb = await webHandler(webhooks, 'insurup')(new Request(`http://127.0.0.1${web.url}`, { method: 'POST', headers: web.headers, body: web.body }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect([viaNode.status, viaWeb.status, unhandled]).toEqual([500, 500, []]);
      expect(reports.length).toBeGreaterThanOrEqual(2);
      expect(reports.every((message) => /sync\.respond/.test(message))).toBe(true);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
