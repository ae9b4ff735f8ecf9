// The dashboard for Web-standard servers (Hono, Next.js route handlers, Bun, Deno): adapts
// Request/Response to the flow in handler.ts.
import { dashboardResponder, FormTooLarge, MAX_FORM_BYTES, type DashboardRequest, type DashboardResponse, type InboxDashboardOptions } from './handler.js';

async function readForm(request: Request): Promise<URLSearchParams> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_FORM_BYTES) throw new FormTooLarge();
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_FORM_BYTES) {
      await reader.cancel();
      throw new FormTooLarge();
    }
    chunks.push(value);
  }
  return new URLSearchParams(new TextDecoder().decode(Buffer.concat(chunks)));
}

/**
 * The inbox dashboard as a Web handler, `(request: Request) => Promise<Response>`. **No
 * authentication of its own**: put it behind yours. Same pages and options as `inboxDashboard`.
 *
 * @example
 * import { webDashboard } from 'insurance-webhooks/inbox/dashboard';
 * const dashboard = webDashboard({ store: inbox, basePath: '/admin/inbox' });
 * app.all('/admin/inbox/*', requireAdmin, (c) => dashboard(c.req.raw)); // Hono
 */
export function webDashboard(
  options: InboxDashboardOptions,
  respond: (request: DashboardRequest) => Promise<DashboardResponse> = dashboardResponder(options),
): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const { status, headers, body } = await respond({
      method: request.method,
      url: url.pathname + url.search,
      header: (name) => request.headers.get(name) ?? undefined,
      form: () => readForm(request),
    });
    return new Response(request.method === 'HEAD' || status === 303 ? null : body, { status, headers });
  };
}
