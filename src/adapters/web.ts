/**
 * Web-standard adapter: `Request` in, `Response` out — for Hono, Next.js route handlers, Bun, Deno
 * and Cloudflare Workers. Uses Web Crypto where `node:crypto` is absent.
 *
 * @example
 * // Next.js app/api/webhooks/kasko/route.ts
 * import { webHandler } from 'insurance-webhooks/web';
 * export const POST = webHandler(webhooks, 'kasko');
 * // Hono: app.post('/webhooks/kasko', (c) => handler(c.req.raw));
 */
import { adapterFailed, type WebhookResponse } from '../router/responses.js';
import type { Webhooks } from '../router/webhooks.js';
import { atEdge, selectProvider, type BodyRead, type EdgeOutcome, type ProviderSelector } from './edge.js';

/** The request body, or `tooLarge` as soon as more than `limit` bytes arrive (the stream is cancelled). */
const CONSUMED: BodyRead = {
  consumed: 'Something (request.json(), request.text(), a framework body parser)',
  fix: 'Pass the untouched Request: in Hono `c.req.raw` before any `c.req.json()`; in a Next.js route handler do not read the body first.',
};

async function readRequestBody(request: Request, limit: number): Promise<BodyRead> {
  // `bodyUsed` before `body`: on @hono/node-server, touching `body` builds a whole Request and a
  // web stream over Node's (a third of the request's time, bench/: part 7).
  if (request.bodyUsed) return CONSUMED;
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return { tooLarge: true };
  if (declared !== null && /^[0-9]+$/.test(declared)) {
    // A declared length within the limit: the server reads no more than that (HTTP framing), so
    // the body is read in one call, which runtimes serve without a stream (Hono's Node server reads
    // the IncomingMessage directly). Checked again after, in case the Request was built by hand.
    let bytes: ArrayBuffer;
    try {
      bytes = await request.arrayBuffer();
    } catch (error) {
      // Refused before reading anything: a reader was taken but not read from. A stream that failed
      // mid-read was read from (bodyUsed), and is locked too: the client went away mid-body.
      if (!request.bodyUsed) return CONSUMED;
      throw error;
    }
    return bytes.byteLength > limit ? { tooLarge: true } : { body: new Uint8Array(bytes) };
  }
  if (request.body?.locked) return CONSUMED;
  if (!request.body) return { body: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body };
}

const toResponse = (response: WebhookResponse) => new Response(response.body, { status: response.status, headers: response.headers });

export interface WebHandlerOptions {
  /**
   * The path and query as the client sent them, for Axitech, which signs them. Default: from
   * `request.url`, which the URL parser has normalised: characters a sender signs raw but the parser
   * percent-encodes (`'` in a query, for one) then fail to verify. Where the runtime keeps the raw
   * request line, return it: with @hono/node-server, `c.env.incoming.url`.
   */
  url?: (request: Request) => string;
}

const pathAndQuery = (request: Request): string => {
  const url = new URL(request.url);
  return url.pathname + url.search;
};

/**
 * `(request) => Promise<Response>` for one provider, or a function choosing it from the request.
 * Answers as the Node adapter does (README, "What the endpoint answers"); a Request whose body was
 * already read is a 500 `raw_body_unavailable`, never a thrown TypeError.
 *
 * @example
 * app.post('/webhooks/axitech', (c) => webHandler(webhooks, 'axitech', { url: () => c.env.incoming.url })(c.req.raw));
 */
export function webHandler(webhooks: Webhooks, provider: ProviderSelector<Request>, options: WebHandlerOptions = {}) {
  const urlOf = options.url ?? pathAndQuery;
  // A body stream that failed mid-read is a client gone (recorded as aborted, as with Node); a
  // Request still wants a Response: 500, retryable, and no one reads it.
  const respond = (outcome: EdgeOutcome) => toResponse('gone' in outcome ? adapterFailed() : outcome.response);
  return (request: Request): Promise<Response> => {
    // Not an async function: one Promise per request, not one per frame (bench/, part 7).
    const response = atEdge(
      webhooks,
      () => ({
        provider: selectProvider(provider, request),
        request: {
          method: request.method,
          url: urlOf(request),
          headers: request.headers,
          // A body stream that fails mid-read: the client went away.
          read: (limit, done) => void readRequestBody(request, limit).then(done, () => done(undefined)),
        },
      }),
      respond,
    );
    return response instanceof Promise ? response : Promise.resolve(response);
  };
}
