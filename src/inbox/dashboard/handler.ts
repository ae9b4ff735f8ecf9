// The dashboard's request flow, written once over a small request shape: route, check the CSRF
// defences of a POST, read the store, render. `node.ts` and `web.ts` only adapt requests and answers.
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { providers } from '../../../generated/index.js';
import { INBOX_STATES, type InboxFilter, type InboxState, type InboxStore } from '../types.js';
import { deliveryPage, listPage, messagePage, STYLE, type Links } from './pages.js';
import { replayDelivery } from '../replay.js';

/** The store the dashboard reads and acts on (it uses list, counts, get, replay and retry). */
export type DashboardStore = InboxStore;

export interface InboxDashboardOptions {
  /** The inbox to show (`pgliteInbox()`, `postgresInbox()`, …). The dashboard never closes it. */
  store: DashboardStore;
  /**
   * The path the dashboard is mounted at, e.g. `/admin/inbox` (default: the root). Links are built
   * from it, and requests outside it are answered 404.
   */
  basePath?: string;
  /**
   * The anti-CSRF token the replay and retry forms carry. Default: 32 random bytes per dashboard
   * instance. Set the same value on every process when several serve the dashboard behind one
   * load balancer (a form rendered by one is then accepted by another).
   */
  csrfToken?: string;
  /** Deliveries per page: default 50, at most 200 (a request's `limit` is clamped to it). */
  pageSize?: number;
  /** Called with a store failure (the page then says only that the store failed). Default `console.error`. */
  onError?: (error: unknown) => void;
}

/** What the adapters hand the flow. */
export interface DashboardRequest {
  method: string;
  /** Path and query as the client sent them (before any framework stripped a mount prefix). */
  url: string;
  header(name: string): string | undefined;
  /** The urlencoded form of a POST, read with a size limit. */
  form(): Promise<URLSearchParams>;
}

export interface DashboardResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Page size bounds (decision: a page stays a few hundred kilobytes at most). */
export const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 50;
/** A POSTed form larger than this is refused (it holds only a token). */
export const MAX_FORM_BYTES = 4096;

const styleHash = createHash('sha256').update(STYLE).digest('base64');
/** No script at all; only the page's own stylesheet; forms post only to this origin; no framing. */
const SECURITY_HEADERS = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${styleHash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: under it Chromium sends `Origin: null` with the form's POST, which the
  // same-origin check must refuse. same-origin still sends nothing to other sites.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const NOTICES: Record<string, { text: string; failed: boolean }> = {
  replayed: { text: 'Replayed: re-validated and queued for the handlers again (if it now validates).', failed: false },
  retried: { text: 'Retried: queued for the handlers again, attempts reset.', failed: false },
  'replay-refused': { text: 'Not replayed: it is being processed by a worker, or it is a sync event (answered inline).', failed: true },
  'retry-refused': { text: 'Not retried: only dead and retrying deliveries can be retried.', failed: true },
};

class BadRequest extends Error {}

function parseFilter(query: URLSearchParams, pageSize: number): InboxFilter {
  const filter: InboxFilter = { limit: pageSize };
  const provider = query.get('provider');
  if (provider) {
    if (!Object.hasOwn(providers, provider)) throw new BadRequest(`Unknown provider "${provider}".`);
    filter.provider = provider as InboxFilter['provider'] & string;
  }
  const type = query.get('type');
  if (type) filter.eventType = type.slice(0, 200);
  const states = query.getAll('state').filter(Boolean);
  for (const state of states) if (!INBOX_STATES.includes(state as InboxState)) throw new BadRequest(`Unknown state "${state}".`);
  if (states.length) filter.state = states.length === 1 ? (states[0] as InboxState) : (states as InboxState[]);
  const since = query.get('since');
  if (since) {
    const date = new Date(since);
    if (Number.isNaN(date.getTime())) throw new BadRequest(`"since" is not a date: use ISO 8601, e.g. 2026-01-31T00:00Z.`);
    filter.since = date;
  }
  const limit = Number(query.get('limit'));
  if (Number.isInteger(limit) && limit > 0) filter.limit = Math.min(limit, pageSize);
  const cursor = query.get('cursor');
  if (cursor) filter.cursor = cursor.slice(0, 512);
  return filter;
}

function links(basePath: string, pageSize: number): Links {
  const list = (filter: InboxFilter = {}) => {
    const query = new URLSearchParams();
    if (filter.provider) query.set('provider', filter.provider);
    if (filter.eventType) query.set('type', filter.eventType);
    for (const state of filter.state === undefined ? [] : typeof filter.state === 'string' ? [filter.state] : filter.state) query.append('state', state);
    if (filter.since) query.set('since', filter.since.toISOString());
    // A smaller page asked for in the query stays that size on the next page.
    if (filter.limit !== undefined && filter.limit < pageSize) query.set('limit', String(filter.limit));
    if (filter.cursor) query.set('cursor', filter.cursor);
    const search = query.toString();
    return `${basePath}/${search ? `?${search}` : ''}`;
  };
  return {
    list,
    delivery: (id) => `${basePath}/deliveries/${encodeURIComponent(id)}`,
    action: (id, action) => `${basePath}/deliveries/${encodeURIComponent(id)}/${action}`,
  };
}

/**
 * Whether a POST comes from the dashboard's own page: `Sec-Fetch-Site` (when the browser sends it)
 * is `same-origin`, `Origin` (when sent) names this host, and the form's token matches.
 */
function sameOrigin(request: DashboardRequest): boolean {
  const site = request.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = request.header('origin');
  if (origin === undefined) return true;
  const host = request.header('x-forwarded-host')?.split(',')[0]!.trim() ?? request.header('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

const tokensEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * The dashboard as a function of a request: what the Node and Web adapters call.
 *
 * @example
 * const respond = dashboardResponder({ store, basePath: '/admin/inbox' });
 * const { status, headers, body } = await respond(request);
 */
export function dashboardResponder(options: InboxDashboardOptions): (request: DashboardRequest) => Promise<DashboardResponse> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath && !basePath.startsWith('/')) throw new TypeError(`inboxDashboard: basePath must start with "/" (got "${basePath}")`);
  const pageSize = Math.min(Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
  const token = options.csrfToken ?? randomBytes(32).toString('base64url');
  if (token.length < 16) throw new TypeError('inboxDashboard: csrfToken must be at least 16 characters');
  const { store, onError = (error: unknown) => console.error('inbox dashboard: the store failed', error) } = options;
  const to = links(basePath, pageSize);

  const page = (status: number, body: string, extra: Record<string, string> = {}): DashboardResponse => ({
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...extra },
    body,
  });
  const message = (status: number, title: string, text: string, extra?: Record<string, string>) => page(status, messagePage(title, text, to), extra);
  const redirect = (location: string): DashboardResponse => ({ status: 303, headers: { location, ...SECURITY_HEADERS }, body: '' });

  async function route(request: DashboardRequest): Promise<DashboardResponse> {
    const url = new URL(request.url, 'http://dashboard.invalid');
    if (basePath && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return message(404, 'Not found', 'No such page.');
    const path = url.pathname.slice(basePath.length) || '/';
    const method = request.method.toUpperCase();
    if (path === '/') {
      if (method !== 'GET' && method !== 'HEAD') return message(405, 'Method not allowed', 'Use GET.', { allow: 'GET, HEAD' });
      const filter = parseFilter(url.searchParams, pageSize);
      const { state: _state, limit: _limit, cursor: _cursor, ...countFilter } = filter;
      const [records, counts] = await Promise.all([store.list(filter), store.counts(countFilter)]);
      return page(200, listPage({ filter, page: records, counts, links: to }));
    }
    const match = /^\/deliveries\/([^/]+)(?:\/(replay|retry))?$/.exec(path);
    const id = match && decoded(match[1]!);
    if (!match || !id || !ID.test(id)) return message(404, 'Not found', 'No such page.');
    const action = match[2] as 'replay' | 'retry' | undefined;
    if (!action) {
      if (method !== 'GET' && method !== 'HEAD') return message(405, 'Method not allowed', 'Use GET.', { allow: 'GET, HEAD' });
      const record = await store.get(id);
      if (!record) return message(404, 'Not found', `No delivery ${id} in the inbox.`);
      return page(200, deliveryPage({ record, links: to, csrfToken: token, ...(NOTICES[url.searchParams.get('done') ?? ''] && { notice: NOTICES[url.searchParams.get('done')!]! }) }));
    }
    if (method !== 'POST') return message(405, 'Method not allowed', 'Use the form’s button (POST).', { allow: 'POST' });
    const form = await request.form();
    if (!sameOrigin(request) || !tokensEqual(form.get('csrf') ?? '', token)) {
      return message(403, 'Forbidden', 'This form did not come from this dashboard (cross-site request or stale token): reload the page and try again.');
    }
    if (!(await store.get(id))) return message(404, 'Not found', `No delivery ${id} in the inbox.`);
    const done = action === 'replay' ? (await replayDelivery(store, id)).replayed : await store.retry(id);
    const outcome = done ? (action === 'replay' ? 'replayed' : 'retried') : `${action}-refused`;
    return redirect(`${to.delivery(id)}?done=${outcome}`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (error) {
      if (error instanceof BadRequest) return message(400, 'Bad request', error.message);
      // A cursor edited by hand (the store refuses it).
      if (error instanceof TypeError && /cursor/.test(error.message)) return message(400, 'Bad request', 'Not a page cursor of this inbox.');
      if (error instanceof FormTooLarge) return message(413, 'Too large', 'The form is larger than a replay or retry form can be.');
      onError(error);
      return message(500, 'Inbox unavailable', 'The inbox store failed; the server log has the error.');
    }
  };
}

/** A path segment decoded; undefined when its escapes are malformed (`%E0%A4%A`: no such page). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Thrown by an adapter's `form()` when the body is larger than MAX_FORM_BYTES. */
export class FormTooLarge extends Error {}
