// The receiving edge (src/adapters/edge.ts), through all four adapters on real loopback servers:
// the same situation gets the same status and body from each, and every refusal reaches onError.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooks, examples, sign, type Provider, type Webhooks } from '../src/index.js';
import { nodeHandler } from '../src/adapters/node.js';
import { expressErrorHandler, expressHandler, saveRawBody } from '../src/adapters/express.js';
import { webHandler } from '../src/adapters/web.js';
import { SECRET } from './helpers/deliveries.js';
import { adapters, type RunningServer } from './helpers/servers.js';

const LIMIT = 2048;
/** Twice LIMIT in four chunks, with no Content-Length: the limit must be enforced while reading. */
const chunkedOverLimit = () =>
  new ReadableStream({
    start(controller) {
      for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(LIMIT / 2)));
      controller.close();
    },
  });
const NAMES = ['node', 'express', 'fastify', 'web'] as const;

function setup() {
  const reports: { error: { code?: string; status?: number; message?: string }; provider: string | undefined }[] = [];
  const handled: string[] = [];
  const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET, maxBodyBytes: LIMIT }, coverkit: { secret: SECRET, maxBodyBytes: LIMIT } } })
    .onAny('kasko', (event) => void handled.push(event.type))
    .onError((error, context) => void reports.push({ error: error as never, provider: context.provider }));
  return { webhooks, reports, handled };
}

const kaskoBody = JSON.stringify(examples.kasko['policy.created']);
const signedKasko = () => sign('kasko', { type: 'policy.created', body: kaskoBody }, SECRET);
const answer = async (response: Response) => ({ status: response.status, body: await response.text(), allow: response.headers.get('allow') });

interface Situation {
  name: string;
  send: (origin: string) => Promise<Response>;
  status: number;
  body: unknown;
  /** What onError receives: the refusal's code, or nothing for a delivery handled. */
  reported?: string;
}

const situations: Situation[] = [
  {
    name: 'a path naming no provider',
    send: async (origin) => fetch(`${origin}/webhooks/nope`, { method: 'POST', body: '{}' }),
    status: 404,
    body: { error: 'not_found', message: 'no webhook provider at this path' },
    reported: 'not_found',
  },
  {
    name: 'a path naming a prototype property (constructor)',
    send: async (origin) => fetch(`${origin}/webhooks/constructor`, { method: 'POST', body: '{}' }),
    status: 404,
    body: { error: 'not_found', message: 'no webhook provider at this path' },
    reported: 'not_found',
  },
  {
    name: 'a provider this endpoint is not configured for',
    send: async (origin) => fetch(`${origin}/webhooks/insurup`, { method: 'POST', body: '{}' }),
    status: 404,
    body: { error: 'not_found', message: 'no webhook provider at this path' },
    reported: 'not_found',
  },
  {
    name: 'OPTIONS',
    send: async (origin) => fetch(`${origin}/webhooks/kasko`, { method: 'OPTIONS' }),
    status: 405,
    body: { error: 'method_not_allowed', message: 'webhooks are delivered with POST' },
    reported: 'method_not_allowed',
  },
  {
    name: 'GET',
    send: async (origin) => fetch(`${origin}/webhooks/kasko`),
    status: 405,
    body: { error: 'method_not_allowed', message: 'webhooks are delivered with POST' },
    reported: 'method_not_allowed',
  },
  {
    name: 'a body over the limit, declared',
    send: async (origin) => fetch(`${origin}/webhooks/kasko`, { method: 'POST', headers: await signedKasko(), body: 'x'.repeat(LIMIT + 1) }),
    status: 413,
    body: { error: 'body_too_large', message: `body is larger than ${LIMIT} bytes` },
    reported: 'body_too_large',
  },
  {
    name: 'a body over the limit, chunked',
    send: async (origin) =>
      fetch(`${origin}/webhooks/kasko`, {
        method: 'POST',
        headers: await signedKasko(),
        body: chunkedOverLimit(),
        duplex: 'half',
      } as RequestInit),
    status: 413,
    body: { error: 'body_too_large', message: `body is larger than ${LIMIT} bytes` },
    reported: 'body_too_large',
  },
  {
    name: 'an event header sent twice, differing',
    send: async (origin) => {
      const headers = new Headers(await signedKasko());
      headers.append('x-kasko-event', 'policy.cancelled');
      return fetch(`${origin}/webhooks/kasko`, { method: 'POST', headers, body: kaskoBody });
    },
    status: 400,
    body: { error: 'header_invalid', message: 'the x-kasko-event header is repeated with different values' },
    reported: 'header_invalid',
  },
  {
    name: 'an event header sent twice, the same',
    send: async (origin) => {
      const headers = new Headers(await signedKasko());
      headers.append('x-kasko-event', 'policy.created');
      return fetch(`${origin}/webhooks/kasko`, { method: 'POST', headers, body: kaskoBody });
    },
    status: 200,
    body: { received: true, type: 'policy.created' },
  },
  ...['application', 'application/json,text/plain', ';;;'].map((contentType) => ({
    name: `a Content-Type a framework cannot parse (${contentType}): the body is still read as bytes`,
    send: async (origin: string) => {
      const body = kaskoBody.replace('"TEST-POLICY-12345"', `"CT-${contentType.length}"`);
      const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
      return fetch(`${origin}/webhooks/kasko`, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });
    },
    status: 200,
    body: { received: true, type: 'policy.created' },
  })),
  {
    name: 'a Content-Type a framework cannot parse and a body over the limit, chunked',
    send: async (origin) =>
      fetch(`${origin}/webhooks/kasko`, {
        method: 'POST',
        headers: { ...(await signedKasko()), 'content-type': 'application' },
        body: chunkedOverLimit(),
        duplex: 'half',
      } as RequestInit),
    status: 413,
    body: { error: 'body_too_large', message: `body is larger than ${LIMIT} bytes` },
    reported: 'body_too_large',
  },
  {
    name: 'a forged signature',
    send: async (origin) => fetch(`${origin}/webhooks/kasko`, { method: 'POST', headers: { ...(await signedKasko()), 'x-kasko-signature': `sha1=${'0'.repeat(40)}` }, body: kaskoBody }),
    status: 401,
    body: { error: 'signature_invalid' },
    reported: 'signature_invalid',
  },
];

describe.each(NAMES)('%s adapter: the same answers as every other', (name) => {
  let server: RunningServer;
  const state = setup();
  beforeAll(async () => {
    server = await adapters[name](state.webhooks);
  });
  afterAll(() => server.close());

  it.for(situations)('$name: $status', async (situation) => {
    state.reports.length = 0;
    const { status, body, allow } = await answer(await situation.send(server.origin));
    expect(status).toBe(situation.status);
    expect(JSON.parse(body)).toMatchObject(situation.body as object);
    if (status === 405) expect(allow).toBe('POST');
    expect(state.reports.map((r) => r.error.code)).toEqual(situation.reported ? [situation.reported] : []);
  });
});

/** Servers where something read the body before the webhook handler. */
async function listen(handler: http.RequestListener): Promise<RunningServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))),
  };
}

const consumers: { name: string; start: (webhooks: Webhooks) => Promise<RunningServer>; contentType: string; message: RegExp }[] = [
  {
    name: 'node, after a parser read the stream (Next.js pages routes, Koa, Connect)',
    contentType: 'application/json',
    start: (webhooks) => {
      const handler = nodeHandler(webhooks, 'kasko');
      return listen((req, res) => {
        req.on('data', () => {});
        req.on('end', () => void handler(req, res));
      });
    },
    message: /^A body parser read this request's body.*bodyParser: false.*Koa or Connect/,
  },
  ...(['json', 'text', 'urlencoded'] as const).map((parser) => ({
    name: `express, after express.${parser}()`,
    contentType: { json: 'application/json', text: 'text/plain', urlencoded: 'application/x-www-form-urlencoded' }[parser],
    start: async (webhooks: Webhooks) => {
      const app = express();
      app.use(express[parser]({ type: () => true }));
      app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko'));
      return listen(app);
    },
    message: new RegExp(`^express\\.${parser}\\(\\) read this request's body.*Mount the webhook route before express\\.${parser}\\(\\)`),
  })),
  {
    name: 'web, after request.text()',
    contentType: 'application/json',
    start: (webhooks) => {
      const handler = webHandler(webhooks, 'kasko');
      const app = new Hono();
      app.post('/webhooks/kasko', async (c) => {
        await c.req.raw.text();
        return handler(c.req.raw);
      });
      return new Promise((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
          resolve({ origin: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => (server as http.Server).close(() => done())) }),
        );
      });
    },
    message: /request\.json\(\), request\.text\(\).*Pass the untouched Request/,
  },
];

describe('a body a framework already read: 500 at once, naming the fix, reported', () => {
  it.for(consumers)('$name', async ({ start, contentType, message }) => {
    const { webhooks, reports, handled } = setup();
    const server = await start(webhooks);
    try {
      const response = await fetch(`${server.origin}/webhooks/kasko`, {
        method: 'POST',
        headers: { ...(await signedKasko()), 'content-type': contentType },
        body: kaskoBody,
        signal: AbortSignal.timeout(5000), // it used to hang forever
      });
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.error).toBe('raw_body_unavailable');
      expect(body.message).toMatch(message);
      expect(reports.map((r) => [r.error.code, r.provider])).toEqual([['raw_body_unavailable', 'kasko']]);
      expect(handled).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('request data never reaches a prototype', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('handle(%j) is a 404', async (name) => {
    const { webhooks } = setup();
    const response = await webhooks.handle(name as Provider, { body: '{}', headers: {} });
    expect([response.status, JSON.parse(response.body).error]).toEqual([404, 'not_found']);
  });
});

describe('Express with a body parser before the route: its failures become our answers (expressErrorHandler)', () => {
  async function verifyArrangement(webhooks: Webhooks) {
    const app = express();
    app.use(express.json({ verify: saveRawBody, limit: '2kb', type: () => true }));
    app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko'));
    app.post('/other', (req, res) => void res.json(req.body));
    app.use(expressErrorHandler(webhooks, (req) => (req.originalUrl?.startsWith('/webhooks/kasko') ? 'kasko' : undefined)));
    return listen(app);
  }

  it('a signed body that is not JSON reaches onInvalid (202), not Express’s HTML 400', async () => {
    const { webhooks, reports } = setup();
    const kept: unknown[] = [];
    webhooks.onInvalid((delivery) => void kept.push([delivery.error.code, delivery.body.toString()]));
    const server = await verifyArrangement(webhooks);
    try {
      const body = '{"not json';
      const response = await fetch(`${server.origin}/webhooks/kasko`, { method: 'POST', headers: await sign('kasko', { type: 'policy.created', body }, SECRET), body });
      expect([response.status, await response.json()]).toEqual([202, { received: true, handled: false, valid: false, type: 'policy.created', deliveryId: expect.any(String) }]);
      expect(kept).toEqual([['payload_malformed', body]]);
      expect(reports).toEqual([]);
      // Other routes keep Express's own error handling.
      expect((await fetch(`${server.origin}/other`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('a body over the parser’s limit is our 413, reported; a forged one still 401', async () => {
    const { webhooks, reports } = setup();
    const server = await verifyArrangement(webhooks);
    try {
      const big = JSON.stringify({ ...(examples.kasko['policy.created'] as object), metadata: { pad: 'x'.repeat(3000) } });
      const response = await fetch(`${server.origin}/webhooks/kasko`, { method: 'POST', headers: await sign('kasko', { type: 'policy.created', body: big }, SECRET), body: big });
      expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([413, 'body_too_large']);
      expect(reports.map((r) => r.error.code)).toEqual(['body_too_large']);
      const forged = await fetch(`${server.origin}/webhooks/kasko`, { method: 'POST', headers: { ...(await signedKasko()), 'x-kasko-signature': `sha1=${'0'.repeat(40)}` }, body: '{"not json' });
      expect(forged.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('expressErrorHandler: what the parser refused before reading is read, and its own limit is named', () => {
  it('a charset body-parser does not support is read raw and handled (200), as on the other adapters', async () => {
    const { webhooks, handled } = setup();
    const app = express();
    app.use(express.json({ verify: saveRawBody }));
    app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko'));
    app.use(expressErrorHandler(webhooks, (req) => (req.originalUrl?.startsWith('/webhooks/kasko') ? 'kasko' : undefined)));
    const server = await listen(app);
    try {
      const body = kaskoBody.replace('"TEST-POLICY-12345"', '"CHARSET-1"');
      const headers = { ...(await sign('kasko', { type: 'policy.created', body }, SECRET)), 'content-type': 'application/json; charset=iso-8859-1' };
      const response = await fetch(`${server.origin}/webhooks/kasko`, { method: 'POST', headers, body });
      expect(response.status).toBe(200);
      expect(handled).toEqual(['policy.created']);
    } finally {
      await server.close();
    }
  });

  it('a body over the parser’s limit is answered with that limit', async () => {
    const { webhooks } = setup();
    const app = express();
    app.use(express.json({ verify: saveRawBody, limit: 1000 }));
    app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko'));
    app.use(expressErrorHandler(webhooks, () => 'kasko'));
    const server = await listen(app);
    try {
      const body = JSON.stringify({ ...(examples.kasko['policy.created'] as object), metadata: { pad: 'x'.repeat(2000) } });
      const response = await fetch(`${server.origin}/webhooks/kasko`, { method: 'POST', headers: { ...(await sign('kasko', { type: 'policy.created', body }, SECRET)), 'content-type': 'application/json' }, body });
      expect([response.status, await response.json()]).toEqual([413, { error: 'body_too_large', message: 'body is larger than 1000 bytes' }]);
    } finally {
      await server.close();
    }
  });
});

describe('Web adapter and Axitech: the URL the sender signed, not the one the URL parser rewrote', () => {
  it("a query with ' is signed raw: 401 from request.url, 200 with the url option (raw request line)", async () => {
    const webhooks = createWebhooks({ providers: { axitech: { secret: SECRET } }, logger: false });
    const app = new Hono<{ Bindings: { incoming: http.IncomingMessage } }>();
    app.post('/parsed/*', (c) => webHandler(webhooks, 'axitech')(c.req.raw));
    app.post('/raw/*', (c) => webHandler(webhooks, 'axitech', { url: () => c.env.incoming.url! })(c.req.raw));
    const server = await new Promise<RunningServer>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve({ origin: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => (started as http.Server).close(() => done())) }),
      );
    });
    try {
      const body = JSON.stringify(examples.axitech['session.submitted']);
      const post = async (path: string) => {
        const headers = await sign('axitech', { type: 'session.submitted', body, url: path }, SECRET);
        // node:http keeps the request line as sent; fetch would normalise it, so send it raw.
        return new Promise<number>((resolve, reject) => {
          const { hostname, port } = new URL(server.origin);
          const request = http.request({ hostname, port, path, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
            response.resume();
            resolve(response.statusCode!);
          });
          request.on('error', reject);
          request.end(body);
        });
      };
      expect(await post("/parsed/hook?name=o'brien")).toBe(401);
      expect(await post("/raw/hook?name=o'brien")).toBe(200);
    } finally {
      await server.close();
    }
  });
});
