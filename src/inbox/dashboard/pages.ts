// The dashboard's two pages, server-rendered: the list of deliveries (filters, counts by state, one
// bounded page) and one delivery (metadata, validation errors, redacted headers and payload, the
// replay and retry forms). No script: the forms POST, the server redirects back (303).
import { providers } from '../../../generated/index.js';
import { html, raw, type SafeHtml } from './html.js';
import { displayBody, redactHeaders, redactUrl } from './redact.js';
import type { Provider } from '../../core/event.js';
import { INBOX_STATES, type InboxFilter, type InboxPage, type InboxRecord, type InboxState, type InboxSummary } from '../types.js';

/** The stylesheet; its SHA-256 is the only style the Content-Security-Policy allows. */
export const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.3rem;margin:0 0 1rem}h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
a{color:#0b5cad}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d8dee4;vertical-align:top}
th{background:#f3f5f7;font-weight:600}td.time{white-space:nowrap}table.headers th{width:14rem}td.error{color:#a40e26;min-width:14rem;max-width:28rem;overflow-wrap:break-word}
pre{background:#f6f8fa;padding:.75rem;overflow:auto;max-height:32rem;white-space:pre-wrap;overflow-wrap:anywhere}
form.filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end;margin-bottom:1rem}
label{display:flex;flex-direction:column;font-size:.8rem;color:#57606a}
.state{display:inline-block;padding:0 .4rem;border-radius:.6rem;background:#eaeef2;font-size:.85rem}
.state-handled{background:#d1f0d9}.state-dead{background:#ffd7d5}.state-invalid,.state-unknown{background:#fff1c2}
.state-pending,.state-retrying,.state-processing{background:#dbeafe}
.counts a{margin-right:.75rem}.actions form{display:inline}.actions button{margin-right:.5rem}
.notice{padding:.5rem .75rem;background:#dbeafe;margin-bottom:1rem}.notice.failed{background:#ffd7d5}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#57606a}dd{margin:0;overflow-wrap:anywhere}
`;

/** Where the pages link to: the mount point's paths. */
export interface Links {
  list(filter?: InboxFilter): string;
  delivery(id: string): string;
  action(id: string, action: 'replay' | 'retry'): string;
}

/** Every provider of the registry, for the filter. */
const PROVIDER_NAMES = Object.keys(providers).sort() as Provider[];

const time = (date: Date | null) => (date ? date.toISOString().replace('.000Z', 'Z') : '');
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);
const stateBadge = (state: InboxState) => html`<span class="state state-${state}" data-state="${state}">${state}</span>`;

function validationSummary(record: InboxSummary, max: number): SafeHtml {
  const { validation } = record;
  if (validation.ok) return html``;
  const errors = validation.errors ?? [];
  const shown = errors.slice(0, max).map((issue) => `${issue.path || '(root)'}: ${issue.message}`);
  const more = errors.length > max ? ` (+${errors.length - max} more)` : '';
  return html`${validation.code ?? 'invalid'}${shown.length ? ': ' : ''}${shown.join('; ')}${more}`;
}

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><title>${title}</title><style>${raw(STYLE)}</style></head>
<body>${body}</body></html>
`.value;
}

export interface ListView {
  filter: InboxFilter;
  page: InboxPage;
  counts: Record<InboxState, number>;
  links: Links;
}

/** The list page: counts by state, the filter form, one page of deliveries, the next page's link. */
export function listPage({ filter, page, counts, links }: ListView): string {
  const selectedStates = new Set(filter.state === undefined ? [] : typeof filter.state === 'string' ? [filter.state] : filter.state);
  const withoutState = { ...filter, state: undefined, cursor: undefined };
  const rows = page.records.map(
    (record) => html`<tr data-id="${record.id}">
<td class="time"><a href="${links.delivery(record.id)}">${time(record.receivedAt)}</a></td>
<td>${record.provider}</td><td>${record.eventType ?? '—'}</td><td>${stateBadge(record.state)}</td>
<td>${record.attempts}</td><td>${record.deliveryId ?? ''}</td>
<td class="error">${record.lastError === null ? '' : cut(record.lastError, 160)}</td>
<td class="error">${validationSummary(record, 2)}</td></tr>`,
  );
  return layout(
    'Inbox',
    html`<h1>Inbox</h1>
<p class="counts">${INBOX_STATES.map((state) => html`<a href="${links.list({ ...withoutState, state })}">${state}: ${counts[state]}</a>`)}
<a href="${links.list(withoutState)}">all</a></p>
<form class="filters" method="get" action="${links.list()}">
<label>provider<select name="provider"><option value="">any</option>${PROVIDER_NAMES.map(
      (provider) => html`<option value="${provider}"${raw(filter.provider === provider ? ' selected' : '')}>${provider}</option>`,
    )}</select></label>
<label>event type<input name="type" value="${filter.eventType ?? ''}" size="24"></label>
<label>state<select name="state"><option value="">any</option>${INBOX_STATES.map(
      (state) => html`<option value="${state}"${raw(selectedStates.has(state) ? ' selected' : '')}>${state}</option>`,
    )}</select></label>
<label>received since<input name="since" value="${filter.since ? time(filter.since) : ''}" placeholder="2026-01-31T00:00Z" size="20"></label>
<button type="submit">Filter</button></form>
<table><thead><tr><th>received</th><th>provider</th><th>event type</th><th>state</th><th>attempts</th><th>delivery id</th><th>last error</th><th>validation</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="8">No deliveries match.</td></tr>`}</tbody></table>
${page.cursor ? html`<p><a rel="next" href="${links.list({ ...filter, cursor: page.cursor })}">Older deliveries →</a></p>` : ''}`,
  );
}

export interface DeliveryView {
  record: InboxRecord;
  links: Links;
  csrfToken: string;
  /** The outcome of the action the browser was redirected from. */
  notice?: { text: string; failed: boolean };
}

const canReplay = (state: InboxState) => state !== 'processing' && state !== 'sync';
const canRetry = (state: InboxState) => state === 'dead' || state === 'retrying';

function actionForm(links: Links, id: string, action: 'replay' | 'retry', label: string, token: string, enabled: boolean): SafeHtml {
  return html`<form method="post" action="${links.action(id, action)}"><input type="hidden" name="csrf" value="${token}"><button type="submit" name="action" value="${action}"${raw(enabled ? '' : ' disabled')}>${label}</button></form>`;
}

/** One delivery: what it is, where it stands, why it failed, its redacted headers and payload. */
export function deliveryPage({ record, links, csrfToken, notice }: DeliveryView): string {
  const body = displayBody(new TextDecoder().decode(record.body));
  const headers = Object.entries(redactHeaders(record.headers)).sort(([a], [b]) => a.localeCompare(b));
  const issues = record.validation.errors ?? [];
  return layout(
    `Delivery ${record.id}`,
    html`<p><a href="${links.list()}">← Inbox</a></p>
${notice ? html`<p class="notice${raw(notice.failed ? ' failed' : '')}" role="status">${notice.text}</p>` : ''}
<h1>${record.provider} ${record.eventType ?? '(no event type)'} ${stateBadge(record.state)}</h1>
<div class="actions">${actionForm(links, record.id, 'replay', 'Replay', csrfToken, canReplay(record.state))}${actionForm(
      links,
      record.id,
      'retry',
      'Retry',
      csrfToken,
      canRetry(record.state),
    )}</div>
<dl>
<dt>id</dt><dd>${record.id}</dd>
<dt>delivery id</dt><dd>${record.deliveryId ?? '—'}</dd>
<dt>idempotency key</dt><dd>${record.idempotencyKey ?? '—'}</dd>
<dt>received</dt><dd>${time(record.receivedAt)}</dd>
<dt>request</dt><dd>${record.method} ${record.url === null ? '' : redactUrl(record.url)}</dd>
<dt>attempts</dt><dd>${record.attempts}</dd>
${record.nextAttemptAt ? html`<dt>next attempt</dt><dd>${time(record.nextAttemptAt)}</dd>` : ''}
${record.leaseUntil ? html`<dt>lease until</dt><dd>${time(record.leaseUntil)} (${record.workerId ?? ''})</dd>` : ''}
${record.handledAt ? html`<dt>handled</dt><dd>${time(record.handledAt)}</dd>` : ''}
${record.response ? html`<dt>answered</dt><dd>${record.response.status} ${cut(record.response.body, 500)}</dd>` : ''}
<dt>last error</dt><dd class="error">${record.lastError ?? '—'}</dd>
</dl>
<h2>Validation</h2>
${
  record.validation.ok
    ? html`<p>valid</p>`
    : html`<p>${record.validation.code ?? 'invalid'}</p><ul class="validation">${issues.map((issue) => html`<li><code>${issue.path || '(root)'}</code> ${issue.message}</li>`)}</ul>`
}
<h2>Headers <small>(signatures and credentials redacted)</small></h2>
<table class="headers"><tbody>${headers.map(([name, value]) => html`<tr><th>${name}</th><td>${value}</td></tr>`)}</tbody></table>
<h2>Payload ${body.json ? html`<small>(secret-like fields redacted)</small>` : html`<small>(not JSON: as received)</small>`}</h2>
<pre class="payload">${body.text}</pre>${body.truncated ? html`<p>Cut at ${body.text.length} characters.</p>` : ''}`,
  );
}

/** A short page for 404, 403, 400 and 500 answers. */
export function messagePage(title: string, message: string, links: Links): string {
  return layout(title, html`<h1>${title}</h1><p>${message}</p><p><a href="${links.list()}">← Inbox</a></p>`);
}
