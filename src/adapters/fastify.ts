/**
 * Fastify 5 plugin: registers the webhook route with a raw-body content-type parser scoped to the
 * plugin, so the rest of the app keeps Fastify's JSON parsing. Fastify enforces the body limit
 * while reading (413 without buffering the rest).
 *
 * @example
 * app.register(fastifyWebhooks(webhooks, { provider: 'kasko', path: '/webhooks/kasko' }));
 */
import type { Provider } from '../core/event.js';
import type { Webhooks } from '../webhooks.js';

/** The parts of a Fastify instance, request and reply this plugin uses. */
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => void,
  ): void;
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
  provider: Provider;
  /** Route path, e.g. `/webhooks/kasko`. */
  path: string;
}

export function fastifyWebhooks(webhooks: Webhooks, options: FastifyWebhooksOptions) {
  const { provider, path } = options;
  const bodyLimit = webhooks.maxBodyBytes(provider);
  return async function insuranceWebhooks(instance: FastifyLike): Promise<void> {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    instance.route({
      method: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'],
      url: path,
      bodyLimit,
      handler: async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const response = await webhooks.handle(provider, { body, headers: request.headers, method: request.method, url: request.url });
        return reply.code(response.status).headers(response.headers).send(response.body);
      },
    });
  };
}
