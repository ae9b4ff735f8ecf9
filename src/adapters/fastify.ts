/**
 * Fastify 5 plugin: registers the webhook route with a raw-body content-type parser scoped to the
 * plugin, so the rest of the app keeps Fastify's JSON parsing. Fastify enforces the body limit
 * while reading; its errors inside the plugin (413, an aborted body) are answered with this
 * package's bodies and reported like every other refusal.
 *
 * @example
 * app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/webhooks/kasko' }));
 */
import type { WebhookResponse } from '../router/responses.js';
import type { Webhooks } from '../router/webhooks.js';
import { frameworkRefusal, receiveAtEdge, selectProvider, type ProviderSelector } from './edge.js';

/** The parts of a Fastify instance, request and reply this plugin uses. */
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => void,
  ): void;
  setErrorHandler(handler: (error: { statusCode?: number; message?: string }, request: FastifyRequestLike, reply: FastifyReplyLike) => unknown): void;
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

const send = (reply: FastifyReplyLike, response: WebhookResponse) => reply.code(response.status).headers(response.headers).send(response.body);

/**
 * A Fastify plugin serving one route. Answers as the Node adapter does (README, "What the endpoint
 * answers").
 */
export function fastifyWebhooks(webhooks: Webhooks, options: FastifyWebhooksOptions) {
  const { provider, path } = options;
  const configured = (['kasko', 'insurup', 'axitech', 'coverkit'] as const).filter((name) => webhooks.serves(name));
  const bodyLimit = options.bodyLimit ?? (typeof provider === 'function' ? Math.max(...configured.map((name) => webhooks.maxBodyBytes(name))) : webhooks.maxBodyBytes(provider));
  return async function insuranceWebhooks(instance: FastifyLike): Promise<void> {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    instance.setErrorHandler((error, request, reply) => {
      return send(reply, frameworkRefusal(webhooks, selectProvider(provider, request), bodyLimit, error));
    });
    instance.route({
      method: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'],
      url: path,
      bodyLimit,
      handler: async (request, reply) => {
        const outcome = await receiveAtEdge(webhooks, selectProvider(provider, request), {
          method: request.method,
          url: request.url,
          headers: request.headers,
          read: async () => ({ body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) }),
        });
        // Fastify has read the whole body; a client that left mid-body never reaches the handler.
        return send(reply, 'gone' in outcome ? frameworkRefusal(webhooks, selectProvider(provider, request), bodyLimit, { message: 'the request could not be read' }) : outcome.response);
      },
    });
  };
}
