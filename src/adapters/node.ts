/**
 * Node `http` adapter: reads the raw body itself (refusing it past the limit without buffering it),
 * hands it to `webhooks.handle()`, writes the answer.
 *
 * @example
 * import http from 'node:http';
 * import { createWebhooks } from 'insurance-webhooks';
 * import { nodeHandler } from 'insurance-webhooks/node';
 * const webhooks = createWebhooks({ providers: { kasko: { secret: process.env.KASKO_SECRET! } } });
 * webhooks.on('kasko', 'policy.created', (event) => console.log(event.payload.policy_id));
 * http.createServer(nodeHandler(webhooks, 'kasko')).listen(3000);
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Webhooks } from '../webhooks.js';
import { discardRest, notFound, readRawBody, resolveProvider, tooLarge, writeResponse, type ProviderSelector } from './node-io.js';

export type { ProviderSelector } from './node-io.js';

/**
 * A `(req, res)` listener for `http.createServer` (or any framework that exposes Node's objects).
 * `provider` may be a function of the request, e.g. to serve `/kasko` and `/insurup` from one server.
 */
export function nodeHandler(webhooks: Webhooks, provider: ProviderSelector<IncomingMessage>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const name = resolveProvider(provider, req);
    if (!name) return writeResponse(res, notFound);
    const limit = webhooks.maxBodyBytes(name);
    let body: Buffer | 'too_large';
    try {
      body = await readRawBody(req, limit);
    } catch {
      res.destroy(); // the client is gone: there is no one to answer, and nothing was handled
      return;
    }
    if (body === 'too_large') {
      writeResponse(res, tooLarge(limit));
      return discardRest(req);
    }
    writeResponse(res, await webhooks.handle(name, { body, headers: req.headers, method: req.method, url: req.url }));
  };
}
