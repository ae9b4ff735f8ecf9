/**
 * Fastify 5 plugin: registers the webhook route with a raw-body content-type parser scoped to the
 * plugin, so the rest of the app keeps Fastify's JSON parsing. Fastify enforces the body limit
 * while reading; its errors inside the plugin (413, an aborted body) are answered with this
 * package's bodies and reported like every other refusal.
 *
 * @example
 * app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/webhooks/kasko' }));
 */
import type { IncomingMessage } from 'node:http';
import type { Provider } from '../core/event.js';
import { definitions } from '../providers/index.js';
import { adapterFailed, type WebhookResponse } from '../router/responses.js';
import type { Webhooks } from '../router/webhooks.js';
import { atEdge, frameworkRefusal, selectProvider, type EdgeOutcome, type EdgeRequest, type ProviderSelector } from './edge.js';
import { discardRest, readRawBody } from './node-io.js';

/** The parts of a Fastify instance, request and reply this plugin uses. */
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => void,
  ): void;
  setErrorHandler(handler: (error: { statusCode?: number; message?: string; code?: string }, request: FastifyRequestLike, reply: FastifyReplyLike) => unknown): void;
  route(options: {
    method: string[];
    url: string;
    bodyLimit: number;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => unknown;
  }): unknown;
}
export interface FastifyRequestLike {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
  /** Node's request, whose body is still unread when Fastify refuses a Content-Type (415). */
  raw?: IncomingMessage;
}
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(headers: Record<string, string>): FastifyReplyLike;
  send(body: string): unknown;
}

export interface FastifyWebhooksOptions {
  /** The provider of this route, or a function choosing it from the request. */
  provider: ProviderSelector<FastifyRequestLike>;
  /** Route path, e.g. `/webhooks/kasko` (or `/webhooks/:provider` with a selector). */
  path: string;
  /**
   * Largest body the route accepts, in bytes. Default: the provider's `maxBodyBytes` (1 MiB unless
   * configured); with a selector, the largest of the configured providers'.
   */
  bodyLimit?: number;
}

const send = (reply: FastifyReplyLike, response: WebhookResponse) => reply.code(response.status).headers(response.headers).send(response.body);

/**
 * A Fastify plugin serving one route. Answers as the Node adapter does (README, "What the endpoint
 * answers").
 */
export function fastifyWebhooks(webhooks: Webhooks, options: FastifyWebhooksOptions) {
  const { provider, path } = options;
  const configured = (Object.keys(definitions) as Provider[]).filter((name) => webhooks.serves(name));
  const bodyLimit = options.bodyLimit ?? (typeof provider === 'function' ? Math.max(...configured.map((name) => webhooks.maxBodyBytes(name))) : webhooks.maxBodyBytes(provider));
  /** Runs the edge on one request and sends its answer; `raw` when the body was read from Node's request. */
  const finish = (reply: FastifyReplyLike, outcome: EdgeOutcome, raw: IncomingMessage | undefined) => {
    // Fastify has read the whole body before the route's handler: 'gone' means the client left
    // while the error handler read it; the answer goes nowhere. Already recorded as aborted, and
    // not reported, as on the other adapters.
    if ('gone' in outcome) return send(reply, adapterFailed());
    if (outcome.discardRest && raw) discardRest(raw);
    return send(reply, outcome.response);
  };
  // The reply sent at once where the edge answered without a Promise (a synchronous handler's
  // usual form in Fastify: send, return nothing), else a Promise of the reply (bench/, part 7).
  const deliver = (request: FastifyRequestLike, reply: FastifyReplyLike, read: EdgeRequest['read'], raw?: IncomingMessage) => {
    const sent = atEdge(
      webhooks,
      () => ({
        provider: selectProvider(provider, request),
        request: { method: request.method, url: request.url, headers: request.headers, read },
      }),
      (outcome) => finish(reply, outcome, raw),
    );
    return sent instanceof Promise ? sent : undefined;
  };
  return async function insuranceWebhooks(instance: FastifyLike): Promise<void> {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    // Fastify answers 415 to a Content-Type it cannot parse (empty, `application`, a list) before
    // any parser runs, through the error handler below, with the body still unread. The signature
    // covers the body, not this header, and the other adapters accept such deliveries, so there the
    // body is read from Node's request as the Node adapter reads it (with the limit). Done in the
    // error handler rather than in an onRequest hook that rewrites the header: the hook cost every
    // request a run of Fastify's hook runner (3% of a request's time, bench/: part 7).
    instance.setErrorHandler((error, request, reply) => {
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' && request.raw && !request.raw.readableDidRead) {
        const raw = request.raw;
        // Fastify's own limit applies, as it would have while parsing.
        const read: EdgeRequest['read'] = (limit, done) => {
          const applied = Math.min(limit, bodyLimit);
          readRawBody(raw, applied, (got) => done(got && 'tooLarge' in got ? { tooLarge: true, limit: applied } : got));
        };
        return deliver(request, reply, read, raw);
      }
      let name: string | undefined;
      try {
        name = selectProvider(provider, request);
      } catch {
        name = undefined;
      }
      return send(reply, frameworkRefusal(webhooks, name, bodyLimit, error));
    });
    instance.route({
      method: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], // every method reaches the edge: 405 like the other adapters
      url: path,
      bodyLimit,
      handler: (request, reply) => deliver(request, reply, (_limit, done) => done({ body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) })),
    });
  };
}
