/**
 * Express 5 adapter. Signatures need the raw body, and Express's body parsers consume it. This
 * handler works in every arrangement:
 * - mounted before the parsers (or on a route they do not cover): it reads the raw body itself,
 *   with the provider's `maxBodyBytes` (default 1 MiB);
 * - after `express.raw()`: it uses the Buffer in `req.body` (express.raw's own `limit`, 100 KB by
 *   default, applies first: set it to at least `maxBodyBytes`);
 * - after `express.json({ verify: saveRawBody })`: it uses the bytes `saveRawBody` kept (same limit note);
 * - after a plain `express.json()`, `express.text()` or `express.urlencoded()`: the bytes are gone,
 *   and it answers 500 naming the parser that ran (a 5xx, so the provider retries once the app is
 *   fixed) rather than verifying re-serialised JSON.
 *
 * @example
 * app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko')); // before app.use(express.json())
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Webhooks } from '../router/webhooks.js';
import { atEdge, selectProvider, type BodyRead, type ProviderSelector } from './edge.js';
import { alreadyRead, readRawBody, writeOutcome } from './node-io.js';

/**
 * The parts of Express's request this adapter reads. An intersection with `unknown` for `rawBody`,
 * since other libraries declare it on Node's request too (Koa's body parser, as a string).
 */
export type ExpressRequest = IncomingMessage & {
  body?: unknown;
  /** Route parameters, for a provider chosen from the path: `(req) => req.params.provider`. */
  params?: Record<string, string>;
  /** The raw bytes `saveRawBody` (or NestJS's `rawBody: true`) kept. */
  rawBody?: unknown;
  originalUrl?: string;
  _body?: boolean;
};

/** `verify` hook for `express.json()` that keeps the raw bytes: `express.json({ verify: saveRawBody })`. */
export function saveRawBody(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as { rawBody?: unknown }).rawBody = buffer;
}

/** Which of Express's parsers took the body, from the content type it matched. */
function parserThatRan(req: ExpressRequest): string {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('json')) return 'express.json()';
  if (type.startsWith('application/x-www-form-urlencoded')) return 'express.urlencoded()';
  if (type.startsWith('text/')) return 'express.text()';
  return 'A body parser';
}

function readExpressBody(req: ExpressRequest, limit: number, done: (read: BodyRead | undefined) => void): void {
  if (Buffer.isBuffer(req.body)) return done({ body: req.body });
  if (Buffer.isBuffer(req.rawBody) || typeof req.rawBody === 'string') return done({ body: req.rawBody });
  if (req._body || alreadyRead(req)) {
    const parser = parserThatRan(req);
    return done({
      consumed: parser,
      fix: `Mount the webhook route before ${parser === 'A body parser' ? 'the body parser' : parser}, or use express.json({ verify: saveRawBody }); in NestJS, create the app with NestFactory.create(AppModule, { rawBody: true }).`,
    });
  }
  readRawBody(req, limit, done);
}

/**
 * An Express route handler for one provider, or a function choosing it from the request. Answers
 * as the Node adapter does (README, "What the endpoint answers"); `req.originalUrl` is what Axitech
 * signed, even under a mounted router.
 */
export function expressHandler(webhooks: Webhooks, provider: ProviderSelector<ExpressRequest>) {
  // Not an async function: where the edge answers without a Promise nothing waits on one (bench/, part 7).
  return (req: ExpressRequest, res: ServerResponse): Promise<void> => {
    const written = atEdge(
      webhooks,
      () => ({
        provider: selectProvider(provider, req),
        request: { method: req.method, url: req.originalUrl ?? req.url, headers: req.headers, read: (limit, done) => readExpressBody(req, limit, done) },
      }),
      (outcome) => writeOutcome(req, res, outcome),
    );
    return written instanceof Promise ? written : WRITTEN;
  };
}

const WRITTEN = Promise.resolve();

/** body-parser's errors, by `error.type`, for a body it read before the webhook route ran. */
const PARSER_ERRORS = new Set(['entity.parse.failed', 'entity.too.large', 'entity.verify.failed', 'charset.unsupported', 'encoding.unsupported', 'request.size.invalid', 'stream.encoding.set']);

/**
 * Express error middleware for the arrangement where a body parser runs before the webhook route
 * (`express.json({ verify: saveRawBody })`, NestJS with `rawBody: true`). When that parser fails
 * (a signed body that is not JSON, one over its `limit`, an unsupported charset), Express skips the
 * route and answers with its own HTML 400/413/415, which a provider takes as final, and nothing is
 * reported. Register this after the routes: for a request the selector maps to a provider it
 * answers as the webhook route would: the kept raw bytes go through `handle()` (an authentic
 * non-JSON body reaches `onInvalid`), a body over the parser's limit is our 413, and without the
 * bytes it is our 500 `raw_body_unavailable`; every other error goes to `next`.
 *
 * @example
 * app.use(express.json({ verify: saveRawBody, limit: '1mb' }));
 * app.post('/webhooks/kasko', expressHandler(webhooks, 'kasko'));
 * app.use(expressErrorHandler(webhooks, (req) => (req.originalUrl?.startsWith('/webhooks/kasko') ? 'kasko' : undefined)));
 */
export function expressErrorHandler(webhooks: Webhooks, provider: ProviderSelector<ExpressRequest>) {
  return async (error: unknown, req: ExpressRequest, res: ServerResponse, next: (error?: unknown) => void): Promise<void> => {
    const { type, limit: parserLimit } = (error ?? {}) as { type?: unknown; limit?: unknown };
    let name: string | undefined;
    try {
      name = typeof type === 'string' && PARSER_ERRORS.has(type) ? selectProvider(provider, req) : undefined;
    } catch {
      name = undefined;
    }
    if (!webhooks.serves(name)) return next(error);
    await atEdge(
      webhooks,
      () => ({
        provider: name,
        request: {
          method: req.method,
          url: req.originalUrl ?? req.url,
          headers: req.headers,
          read: (limit, done) => {
            if (type === 'entity.too.large') return done({ tooLarge: true, ...(typeof parserLimit === 'number' ? { limit: parserLimit } : {}) });
            if (Buffer.isBuffer(req.rawBody)) return done({ body: req.rawBody });
            // A charset or encoding refused before anything was read: the bytes are still there.
            if (!alreadyRead(req)) return readRawBody(req, limit, done);
            done({ consumed: parserThatRan(req), fix: 'Keep its raw bytes with express.json({ verify: saveRawBody }), or mount the webhook route before it.' });
          },
        },
      }),
      (outcome) => writeOutcome(req, res, outcome),
    );
  };
}
