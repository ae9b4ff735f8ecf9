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
import type { Webhooks } from '../router/webhooks.js';
import { atEdge, selectProvider, type ProviderSelector } from './edge.js';
import { alreadyRead, readRawBody, writeOutcome } from './node-io.js';

export type { ProviderSelector } from './edge.js';

/** Frameworks on Node's objects whose parsers read the body first, and what to change in each. */
const PARSER_FIX =
  'Read it raw: in a Next.js pages API route export `config = { api: { bodyParser: false } }`; in Koa or Connect mount the webhook route before the body parser (or keep the raw bytes and call webhooks.handle()).';

/**
 * A `(req, res)` listener for `http.createServer` (or any framework that exposes Node's objects).
 * `provider` may be a function of the request, e.g. to serve `/kasko` and `/insurup` from one server.
 * Answers (README, "What the endpoint answers"): 404 for no provider, 405 for a method other than
 * POST, 413 past `maxBodyBytes` (default 1 MiB), 500 `raw_body_unavailable` when a body parser read
 * the body first, else what `webhooks.handle()` answers.
 */
export function nodeHandler(webhooks: Webhooks, provider: ProviderSelector<IncomingMessage>) {
  // Not an async function, and no Promise for the body read: where the edge answers at once
  // nothing waits on one (bench/, part 7). The Promise returned settles once the answer is written
  // (Next.js awaits it).
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const written = atEdge(
      webhooks,
      () => ({
        provider: selectProvider(provider, req),
        request: {
          method: req.method,
          url: req.url,
          headers: req.headers,
          read: (limit, done) => (alreadyRead(req) ? done({ consumed: 'A body parser', fix: PARSER_FIX }) : readRawBody(req, limit, done)),
        },
      }),
      (outcome) => writeOutcome(req, res, outcome),
    );
    return written instanceof Promise ? written : WRITTEN;
  };
}

const WRITTEN = Promise.resolve();
