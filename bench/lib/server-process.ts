// The server side of `npm run load` / `npm run soak`, run in a child process of its own (forked by
// bench/lib/load-server.ts) so that autocannon, in the parent, does not share its event loop.
//
// LOAD_SERVER_CONFIG (JSON) picks the server:
// - mode "webhooks": the Node adapter (nodeHandler) for all four providers, idempotency on with a
//   memory store, one handler per provider that counts its runs per idempotency key;
// - mode "bare": an http server that drains the body and answers 200, nothing else (the baseline).
// It listens on 127.0.0.1 only and answers the parent over IPC (see ServerRequest / ServerReply).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhooks, defaultIdempotencyKey, memoryStore, providers, WebhookError, type Provider, type WebhookEvent } from '../../src/index.js';
import { nodeHandler } from '../../src/adapters/node.js';

export interface ServerConfig {
  mode: 'webhooks' | 'bare';
  secret: string;
  maxBodyBytes: number;
  /** Idempotency TTL (the soak uses a short one to exercise eviction). */
  ttlSeconds: number;
  maxEntries: number;
}

export type ServerRequest =
  | { id: number; cmd: 'stats'; reset: boolean }
  | { id: number; cmd: 'memory' }
  | { id: number; cmd: 'exit' };

export interface StatsReply {
  /** Handler runs per idempotency key since the last reset. */
  runs: [string, number][];
  storeSize: number;
  /** Largest store size sampled (every 50 ms) since the last reset. */
  maxStoreSize: number;
  /** Refusals reported to onError, by WebhookError code. */
  refusals: Record<string, number>;
  /** Anything else reported to onError (handler failures, store errors): must stay 0. */
  failures: string[];
}

export interface MemoryReply {
  gc: boolean;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  storeSize: number;
}

const isChild = typeof process.send === 'function' && process.env.LOAD_SERVER_CONFIG !== undefined;

function reply(id: number, body: unknown): void {
  process.send!({ id, body });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.LOAD_SERVER_CONFIG!) as ServerConfig;
  const store = memoryStore({ maxEntries: config.maxEntries });
  let runs = new Map<string, number>();
  let refusals: Record<string, number> = {};
  let failures: string[] = [];
  let maxStoreSize = 0;

  const count = (event: WebhookEvent) => {
    const key = defaultIdempotencyKey(event) ?? `${event.provider}:<no key>`;
    runs.set(key, (runs.get(key) ?? 0) + 1);
  };
  const options = { secret: config.secret, maxBodyBytes: config.maxBodyBytes };
  const names = Object.keys(providers) as Provider[];
  const webhooks = createWebhooks({
    providers: Object.fromEntries(names.map((name) => [name, options])),
    idempotency: { store, ttlSeconds: config.ttlSeconds },
  }).onError((error) => {
      // Refusals the router and the adapters' edge report (WebhookError, Refusal, EdgeRefusal: a
      // code and a 4xx status) are the load's expected answers, counted; anything else is a failure.
      const refusal = error as { code?: unknown; status?: unknown };
      if (error instanceof WebhookError || (typeof refusal.code === 'string' && typeof refusal.status === 'number' && refusal.status < 500)) {
        const code = String(refusal.code);
        refusals[code] = (refusals[code] ?? 0) + 1;
      } else if (failures.length < 100) failures.push(String((error as Error)?.stack ?? error));
    });
  for (const name of names) webhooks.onAny(name, count);

  const route = (url: string | undefined) => url?.match(/^\/webhooks\/(\w+)/)?.[1] as Provider | undefined;
  const server =
    config.mode === 'webhooks'
      ? http.createServer(nodeHandler(webhooks, (req) => route(req.url)))
      : http.createServer((req, res) => {
          req.resume();
          req.on('end', () => {
            res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '2' });
            res.end('{}');
          });
        });
  server.keepAliveTimeout = 30_000;

  const sampler = setInterval(() => {
    if (store.size > maxStoreSize) maxStoreSize = store.size;
  }, 50);

  process.on('message', (message: ServerRequest) => {
    switch (message.cmd) {
      case 'stats': {
        if (store.size > maxStoreSize) maxStoreSize = store.size;
        const body: StatsReply = { runs: [...runs], storeSize: store.size, maxStoreSize, refusals, failures };
        if (message.reset) {
          runs = new Map();
          refusals = {};
          failures = [];
          maxStoreSize = store.size;
        }
        reply(message.id, body);
        break;
      }
      case 'memory': {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc) {
          gc();
          gc();
        }
        const usage = process.memoryUsage();
        const body: MemoryReply = { gc: Boolean(gc), heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, rss: usage.rss, external: usage.external, arrayBuffers: usage.arrayBuffers, storeSize: store.size };
        reply(message.id, body);
        break;
      }
      case 'exit':
        clearInterval(sampler);
        server.closeAllConnections();
        server.close(() => {
          reply(message.id, { closed: true });
          process.disconnect();
        });
        break;
    }
  });
  // The parent went away (crashed, killed): do not linger.
  process.on('disconnect', () => process.exit(0));

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ listening: (server.address() as AddressInfo).port });
}

if (isChild) await main();
