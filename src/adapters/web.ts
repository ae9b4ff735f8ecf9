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
import type { Provider } from '../core/event.js';
import type { Webhooks, WebhookResponse } from '../webhooks.js';

/** The request body, or `too_large` as soon as more than `limit` bytes arrive (the stream is cancelled). */
async function readRequestBody(request: Request, limit: number): Promise<Uint8Array | 'too_large'> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return 'too_large';
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return 'too_large';
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const toResponse = (response: WebhookResponse) => new Response(response.body, { status: response.status, headers: response.headers });

/** `(request) => Promise<Response>` for one provider, or a function choosing it from the request. */
export function webHandler(webhooks: Webhooks, provider: Provider | ((request: Request) => Provider | undefined)) {
  return async (request: Request): Promise<Response> => {
    const name = typeof provider === 'function' ? provider(request) : provider;
    if (!name) return toResponse({ status: 404, headers: {}, body: '' });
    const limit = webhooks.maxBodyBytes(name);
    const body = await readRequestBody(request, limit);
    if (body === 'too_large') {
      return toResponse({
        status: 413,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ error: 'body_too_large', message: `body is larger than ${limit} bytes` }),
      });
    }
    const url = new URL(request.url);
    return toResponse(await webhooks.handle(name, { body, headers: request.headers, method: request.method, url: url.pathname + url.search }));
  };
}
