// The dashboard for Node's http (and Express, Koa's `ctx.req`, Fastify's raw request): adapts
// IncomingMessage/ServerResponse to the flow in handler.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dashboardResponder, FormTooLarge, MAX_FORM_BYTES, type DashboardRequest, type InboxDashboardOptions } from './handler.js';
import { webDashboard } from './web.js';

/** A Node request as frameworks hand it over: Express keeps the full path in `originalUrl` and may have parsed the form into `body`. */
type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

async function readForm(req: NodeRequest): Promise<URLSearchParams> {
  // A body parser mounted before the dashboard (express.urlencoded) has consumed the stream already.
  if (typeof req.body === 'string') return new URLSearchParams(req.body);
  if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    return new URLSearchParams(Object.entries(req.body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]));
  }
  if (Buffer.isBuffer(req.body)) return new URLSearchParams(req.body.toString('utf8'));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export type NodeDashboard = ((req: IncomingMessage, res: ServerResponse, next?: unknown) => Promise<void>) & {
  /** The same dashboard as a Web handler: `(request: Request) => Promise<Response>`. */
  fetch(request: Request): Promise<Response>;
};

/**
 * The inbox dashboard as a Node request handler (with `.fetch`, the same dashboard for Web-standard
 * servers). **It has no authentication of its own**: mount it behind yours. It shows deliveries,
 * redacted, and lets whoever reaches it replay and retry them. Its forms carry an anti-CSRF token
 * and a cross-site POST is refused.
 *
 * @param options `{ store, basePath?, csrfToken?, pageSize? (≤ 200), onError? }`
 * @example
 * import { inboxDashboard } from 'insurance-webhooks/inbox/dashboard';
 * const dashboard = inboxDashboard({ store: inbox, basePath: '/admin/inbox' });
 * app.use('/admin/inbox', requireAdmin, dashboard); // Express: your auth first
 */
export function inboxDashboard(options: InboxDashboardOptions): NodeDashboard {
  const respond = dashboardResponder(options);
  const handler = async (req: NodeRequest, res: ServerResponse) => {
    const request: DashboardRequest = {
      method: req.method ?? 'GET',
      url: req.originalUrl ?? req.url ?? '/',
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      },
      form: () => readForm(req),
    };
    const { status, headers, body } = await respond(request);
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  return Object.assign(handler, { fetch: webDashboard(options, respond) });
}
