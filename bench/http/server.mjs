// One HTTP server of part 7 (`npm run bench`), in a process of its own so that autocannon, in the
// parent, does not share its event loop. Plain JavaScript run by plain `node` (no tsx): the code
// under test is the compiled dist/, as in the other parts. Spawned by bench/sections/http.ts with
// the server kind as argv[2] and BENCH_HTTP (JSON: secret, dist entry URLs) in the environment;
// listens on 127.0.0.1, port 0, prints `{"port":…}` on stdout once listening, answers CPU-time
// queries on stdin, exits when its stdin closes (the parent went away) or on SIGTERM.
//
// Bare servers do the floor work on the same bytes: read the raw body, HMAC-SHA-1 with a key
// prepared once, decode the claimed MAC, crypto.timingSafeEqual, JSON.parse; they answer what the
// package answers to a handled delivery (200, the same JSON body and content-type).
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { constants, PerformanceObserver } from 'node:perf_hooks';

const kind = process.argv[2];
const config = JSON.parse(process.env.BENCH_HTTP);
const PATH = '/webhooks/kasko';
const key = createSecretKey(Buffer.from(config.secret, 'utf8'));
const LABEL = /^sha1=/;

/** The floor: verify and parse, or undefined (the answer is then 401). */
function floor(body, headers) {
  const signature = headers['x-kasko-signature'];
  if (typeof signature !== 'string') return undefined;
  const claimed = Buffer.from(signature.replace(LABEL, ''), 'hex');
  const mac = createHmac('sha1', key).update(body).digest();
  if (mac.length !== claimed.length || !timingSafeEqual(mac, claimed)) return undefined;
  return JSON.parse(body.toString('utf8'));
}
const JSON_TYPE = 'application/json; charset=utf-8';
/** What the package answers to a handled delivery. */
const handledBody = (headers) => JSON.stringify({ received: true, type: headers['x-kasko-event'], deliveryId: headers['x-kasko-delivery'] });

/** The body as Node hands it over, read the plain way (no limit bookkeeping: the floor). */
function readBody(req, done) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
}

function nodeBare(req, res) {
  readBody(req, (body) => {
    const payload = floor(body, req.headers);
    const text = payload === undefined ? '{"error":"signature_invalid"}' : handledBody(req.headers);
    res.writeHead(payload === undefined ? 401 : 200, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  });
}

async function webhooks(options = {}) {
  const { createWebhooks } = await import(config.rootEntry);
  // The default configuration: idempotency on, in memory; console logger; telemetry default
  // (@opentelemetry/api cannot be imported from the benchmark's copy of dist/: not installed).
  return createWebhooks({ providers: { kasko: { secret: config.secret } }, ...options }).on('kasko', 'policy.created', () => {});
}

let server;
switch (kind) {
  case 'node-bare':
    server = http.createServer(nodeBare);
    break;
  case 'node-receive': {
    // A bare server that calls receive() itself: what the router and adapter add is the rest.
    const { receive } = await import(config.kaskoEntry);
    const options = { secret: config.secret };
    server = http.createServer((req, res) =>
      readBody(req, (body) =>
        receive({ body, headers: req.headers, method: req.method, url: req.url }, options).then(
          (event) => {
            const text = JSON.stringify({ received: true, type: event.type, deliveryId: event.deliveryId });
            res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(text)) });
            res.end(text);
          },
          () => {
            res.writeHead(401);
            res.end();
          },
        ),
      ),
    );
    break;
  }
  case 'node':
  case 'node-no-idempotency': {
    const { nodeHandler } = await import(config.nodeEntry);
    server = http.createServer(nodeHandler(await webhooks(kind === 'node' ? {} : { idempotency: false }), 'kasko'));
    break;
  }
  case 'express-bare':
  case 'express': {
    const { default: express } = await import('express');
    const app = express();
    if (kind === 'express') {
      const { expressHandler } = await import(config.expressEntry);
      app.post(PATH, expressHandler(await webhooks(), 'kasko'));
    } else {
      app.post(PATH, (req, res) =>
        readBody(req, (body) => {
          const payload = floor(body, req.headers);
          if (payload === undefined) res.status(401).json({ error: 'signature_invalid' });
          else res.status(200).type(JSON_TYPE).send(handledBody(req.headers));
        }),
      );
    }
    server = http.createServer(app);
    break;
  }
  case 'fastify-bare':
  case 'fastify-no-idempotency':
  case 'fastify': {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    if (kind !== 'fastify-bare') {
      const { fastifyWebhooks } = await import(config.fastifyEntry);
      await app.register(fastifyWebhooks(await webhooks(kind === 'fastify' ? {} : { idempotency: false }), { provider: 'kasko', path: PATH }));
    } else {
      // The same raw-body parser the adapter installs.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));
      app.post(PATH, async (request, reply) => {
        const payload = floor(request.body, request.headers);
        if (payload === undefined) return reply.code(401).send({ error: 'signature_invalid' });
        return reply.code(200).header('content-type', JSON_TYPE).send(handledBody(request.headers));
      });
    }
    await app.ready();
    server = app.server;
    break;
  }
  case 'hono-bare':
  case 'hono-no-idempotency':
  case 'hono': {
    const { Hono } = await import('hono');
    const { createAdaptorServer } = await import('@hono/node-server');
    const app = new Hono();
    if (kind !== 'hono-bare') {
      const { webHandler } = await import(config.webEntry);
      const handler = webHandler(await webhooks(kind === 'hono' ? {} : { idempotency: false }), 'kasko');
      app.post(PATH, (c) => handler(c.req.raw));
    } else {
      app.post(PATH, async (c) => {
        const body = Buffer.from(await c.req.raw.arrayBuffer());
        const headers = { 'x-kasko-signature': c.req.header('x-kasko-signature'), 'x-kasko-event': c.req.header('x-kasko-event'), 'x-kasko-delivery': c.req.header('x-kasko-delivery') };
        const payload = floor(body, headers);
        if (payload === undefined) return c.json({ error: 'signature_invalid' }, 401);
        return new Response(handledBody(headers), { status: 200, headers: { 'content-type': JSON_TYPE } });
      });
    }
    server = createAdaptorServer({ fetch: app.fetch });
    break;
  }
  case 'node-bare-spin': {
    // The control of bench/http-ladder.ts: the bare server plus SPIN_US (default 12) µs of busy
    // work per request, to show what a given amount of added work does to req/s and CPU/request.
    const spin = Number(process.env.SPIN_US ?? 12) / 1000;
    server = http.createServer((req, res) => readBody(req, (body) => {
      const payload = floor(body, req.headers);
      const until = performance.now() + spin;
      while (performance.now() < until);
      const text = handledBody(req.headers);
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    }));
    break;
  }
  case 'node-either': {
    // The router without an adapter or idempotency: the bare server's body read, handleEither().
    const webhooksX = await webhooks({ idempotency: false });
    // As src/adapters/node-io.ts writes an answer.
    const write = (res, r) => {
      for (const name of Object.keys(r.headers)) res.setHeader(name, r.headers[name]);
      res.setHeader('content-length', String(Buffer.byteLength(r.body)));
      res.writeHead(r.status);
      res.end(r.body);
    };
    server = http.createServer((req, res) => readBody(req, (body) => {
      const r = webhooksX.handleEither('kasko', { body, headers: req.headers, method: req.method, url: req.url });
      if (r instanceof Promise) r.then((x) => write(res, x)); else write(res, r);
    }));
    break;
  }
  case 'node-small-store': {
    // bench/http-ladder.ts: the default router with a memory store of 1 000 keys (no retention).
    const { nodeHandler } = await import(config.nodeEntry);
    const { memoryStore } = await import(config.rootEntry);
    server = http.createServer(nodeHandler(await webhooks({ idempotency: { store: memoryStore({ maxEntries: 1000 }) } }), 'kasko'));
    break;
  }
  case 'node-store-module': {
    // bench/http-ladder.ts: the default router with the memory store of another module (its path
    // in BENCH_STORE_MODULE, e.g. an earlier src/idempotency/memory.ts bundled with esbuild), to
    // compare two store implementations side by side (docs/benchmarks.md, issue 15, fourth pass).
    const { nodeHandler } = await import(config.nodeEntry);
    const { memoryStore } = await import(pathToFileURL(process.env.BENCH_STORE_MODULE).href);
    server = http.createServer(nodeHandler(await webhooks({ idempotency: { store: memoryStore() } }), 'kasko'));
    break;
  }
  case 'node-custom-key': {
    // bench/http-ladder.ts: the default router keyed by the delivery id (no SHA-256 of the body).
    const { nodeHandler } = await import(config.nodeEntry);
    server = http.createServer(nodeHandler(await webhooks({ idempotency: { key: (event) => `kasko:${event.deliveryId}` } }), 'kasko'));
    break;
  }
  case 'node-receivesync': {
    // A bare server calling receiveSync() itself (no Promise).
    const { receiveSync } = await import(config.kaskoEntry);
    const options = { secret: config.secret };
    server = http.createServer((req, res) =>
      readBody(req, (body) => {
        const event = receiveSync({ body, headers: req.headers, method: req.method, url: req.url }, options);
        const text = JSON.stringify({ received: true, type: event.type, deliveryId: event.deliveryId });
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      }));
    break;
  }
  default:
    throw new Error(`unknown server kind ${kind}`);
}

server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
// Each line on stdin asks for this process's CPU time so far (µs, all threads), answered as a line
// `{"cpu":…}`: the parent divides its growth over a run by the requests served. The parent going
// away (or being done) closes stdin: do not linger.
// With it, the main thread's time in garbage-collection pauses so far (µs): scavenges of the young
// generation apart from the old generation's mark-compact (bench/http-ladder.ts prints both).
const gc = { minor: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor += entry.duration * 1000;
    else gc.major += entry.duration * 1000;
  }
}).observe({ entryTypes: ['gc'] });
let pending = '';
process.stdin.on('data', (chunk) => {
  pending += chunk.toString();
  for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
    pending = pending.slice(at + 1);
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpu: user + system, gcMinor: gc.minor, gcMajor: gc.major })}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
