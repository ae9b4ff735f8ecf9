/**
 * Express 5 adapter. Signatures need the raw body, and `express.json()` consumes it. This handler
 * works in every arrangement:
 * - mounted before `express.json()` (or on a route it does not cover): it reads the raw body itself;
 * - after `express.raw()`: it uses the Buffer in `req.body`;
 * - after `express.json({ verify: saveRawBody })`: it uses the bytes `saveRawBody` kept;
 * - after a plain `express.json()`: the bytes are gone, and it answers 500 with a message saying so
 *   (a 5xx, so the provider retries once the app is fixed) rather than verifying re-serialised JSON.
 *
 * @example
 * app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko')); // before app.use(express.json())
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from '../core/event.js';
import type { Webhooks } from '../webhooks.js';
import { discardRest, notFound, readRawBody, resolveProvider, tooLarge, writeResponse, type ProviderSelector } from './node-io.js';

/** The parts of Express's request this adapter reads. */
export interface ExpressRequest extends IncomingMessage {
  body?: unknown;
  rawBody?: Buffer;
  originalUrl?: string;
  _body?: boolean;
}

/** `verify` hook for `express.json()` that keeps the raw bytes: `express.json({ verify: saveRawBody })`. */
export function saveRawBody(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as ExpressRequest).rawBody = buffer;
}

const parsedWithoutRaw = {
  status: 500,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({
    error: 'raw_body_unavailable',
    message:
      'express.json() parsed this body before the webhook handler, so its raw bytes are gone and the signature cannot be verified. Mount the webhook route before express.json(), or use express.json({ verify: saveRawBody }).',
  }),
};

export function expressHandler(webhooks: Webhooks, provider: ProviderSelector<ExpressRequest>) {
  return async (req: ExpressRequest, res: ServerResponse, next?: (error?: unknown) => void): Promise<void> => {
    try {
      const name = resolveProvider(provider, req);
      if (!name) return writeResponse(res, notFound);
      const limit = webhooks.maxBodyBytes(name);
      let body: Buffer | string | 'too_large';
      if (Buffer.isBuffer(req.body)) body = req.body;
      else if (req.rawBody !== undefined) body = req.rawBody;
      else if (req._body || req.readableEnded) return writeResponse(res, parsedWithoutRaw);
      else body = await readRawBody(req, limit);
      if (body === 'too_large') {
        writeResponse(res, tooLarge(limit));
        return discardRest(req);
      }
      const url = req.originalUrl ?? req.url;
      writeResponse(res, await webhooks.handle(name, { body, headers: req.headers, method: req.method, url }));
    } catch (error) {
      if (next) next(error);
      else res.destroy();
    }
  };
}
