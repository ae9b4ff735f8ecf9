// Real servers on loopback, one per adapter, each mounting the webhook route at /webhooks/<provider>.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { Provider, Webhooks } from '../../src/index.js';
import { nodeHandler } from '../../src/adapters/node.js';
import { expressHandler, saveRawBody } from '../../src/adapters/express.js';
import { fastifyWebhooks } from '../../src/adapters/fastify.js';
import { webHandler } from '../../src/adapters/web.js';

export interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

const providerFromPath = (url: string | undefined) => url?.match(/^\/webhooks\/(\w+)/)?.[1] as Provider | undefined;

function listen(server: http.Server): Promise<RunningServer> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export type ExpressVariant = 'route-first' | 'raw' | 'json-verify' | 'json-after-route';

export const adapters = {
  node: (webhooks: Webhooks) => listen(http.createServer(nodeHandler(webhooks, (req) => providerFromPath(req.url)))),

  express: (webhooks: Webhooks, variant: ExpressVariant = 'route-first') => {
    const app = express();
    const handler = expressHandler(webhooks, (req) => providerFromPath(req.originalUrl));
    if (variant === 'json-verify') app.use(express.json({ verify: saveRawBody, limit: '10mb' }));
    if (variant === 'json-after-route') {
      // The pitfall: a global express.json() that runs first. Here it is registered after the route.
      app.all('/webhooks/:provider', handler);
      app.use(express.json());
    } else {
      // Mounted under a router, so req.url is rewritten and req.originalUrl is what was signed.
      const router = express.Router();
      if (variant === 'raw') router.all('/:provider', express.raw({ type: '*/*', limit: '10mb' }), handler);
      else router.all('/:provider', handler);
      app.use('/webhooks', router);
    }
    app.post('/other/json', express.json(), (req, res) => {
      res.json({ echo: req.body });
    });
    return listen(http.createServer(app));
  },

  expressJsonFirst: (webhooks: Webhooks) => {
    const app = express();
    app.use(express.json());
    app.all('/webhooks/:provider', expressHandler(webhooks, (req) => providerFromPath(req.originalUrl)));
    return listen(http.createServer(app));
  },

  fastify: async (webhooks: Webhooks) => {
    const app = Fastify();
    // One route for every provider, chosen from the path (an unknown one is the package's 404).
    await app.register(fastifyWebhooks(webhooks, { provider: (request) => providerFromPath(request.url), path: '/webhooks/:provider' }));
    app.post('/other/json', async (request) => ({ echo: request.body }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return { origin: `http://127.0.0.1:${port}`, close: () => app.close() } satisfies RunningServer;
  },

  web: (webhooks: Webhooks) => {
    const app = new Hono();
    const handler = webHandler(webhooks, (request) => providerFromPath(new URL(request.url).pathname));
    app.all('/webhooks/:provider', (c) => handler(c.req.raw));
    return new Promise<RunningServer>((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        resolve({
          origin: `http://127.0.0.1:${info.port}`,
          close: () => new Promise((done) => (server as http.Server).close(() => done())),
        });
      });
    });
  },
};
