/**
 * Fastify 5 plugin: registers the webhook route with a raw-body content-type parser scoped to the
 * plugin, so the rest of the app keeps Fastify's JSON parsing. Fastify enforces the body limit
 * while reading; its errors inside the plugin (413, an aborted body) are answered with this
 * package's bodies and reported like every other refusal.
 *
 * @example
 * app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/webhooks/kasko' }));
 */
import type { Provider } from '../core/event.js';
import { definitions } from '../providers/index.js';
import type { WebhookResponse } from '../router/responses.js';
import type { Webhooks } from '../router/webhooks.js';
import { atEdge, frameworkRefusal, selectProvider, type ProviderSelector } from './edge.js';

/** The parts of a Fastify instance, request and reply this plugin uses. */
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => void,
  ): void;
  setErrorHandler(handler: (error: { statusCode?: number; message?: string; code?: string }, request: FastifyRequestLike, reply: FastifyReplyLike) => unknown): void;
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: unknown, done: () => void) => void): unknown;
  route(options: {
    method: string[];
    url: string;
    bodyLimit: number;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>;
  }): unknown;
}
export interface FastifyRequestLike {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
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

/** A media type Fastify can parse (`type/subtype`, parameters after `;`). */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/;

const send = (reply: FastifyReplyLike, response: WebhookResponse) => reply.code(response.status).headers(response.headers).send(response.body);

/**
 * A Fastify plugin serving one route. Answers as the Node adapter does (README, "What the endpoint
 * answers").
 */
export function fastifyWebhooks(webhooks: Webhooks, options: FastifyWebhooksOptions) {
  const { provider, path } = options;
  const configured = (Object.keys(definitions) as Provider[]).filter((name) => webhooks.serves(name));
  const bodyLimit = options.bodyLimit ?? (typeof provider === 'function' ? Math.max(...configured.map((name) => webhooks.maxBodyBytes(name))) : webhooks.maxBodyBytes(provider));
  return async function insuranceWebhooks(instance: FastifyLike): Promise<void> {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    // Fastify answers 415 to a Content-Type it cannot parse (empty, `application`, a list) before
    // any parser runs; the signature covers the body, not this header, and the other adapters
    // accept such deliveries, so here too the body is read as bytes.
    // A callback hook, not an async one: no Promise for Fastify to wait on per request.
    instance.addHook('onRequest', (request, _reply, done) => {
      const type = request.headers['content-type'];
      if (type !== undefined && (typeof type !== 'string' || !MEDIA_TYPE.test(type))) request.headers['content-type'] = 'application/octet-stream';
      done();
    });
    instance.setErrorHandler((error, request, reply) => {
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
      handler: async (request, reply) => {
        const outcome = await atEdge(webhooks, () => ({
          provider: selectProvider(provider, request),
          request: { method: request.method, url: request.url, headers: request.headers, read: () => ({ body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) }) },
        }));
        // Fastify has read the whole body before the handler: 'gone' cannot happen here.
        return send(reply, 'gone' in outcome ? frameworkRefusal(webhooks, undefined, bodyLimit, { message: 'the request could not be read' }) : outcome.response);
      },
    });
  };
}
