// `inbox list` and `inbox show`: deliveries as a table or JSON, one delivery redacted as on the dashboard.
import { table, writeJson } from '../command.js';
import { EXIT, CommandLineError, type CliIo } from '../io.js';
import type { ParsedArgs, Values } from '../args.js';
import type { InboxRecord, InboxStore, InboxSummary } from '../../inbox/types.js';
import { isInboxCursor } from '../../inbox/sql.js';
import { displayBody, redactHeaders, redactUrl } from '../../inbox/dashboard/redact.js';
import { filterOptions } from './inbox-store.js';

export const time = (date: Date | null) => (date ? date.toISOString() : '');
export const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A summary as `--json` prints it: dates as ISO strings. */
export const summaryJson = (record: InboxSummary) => ({
  id: record.id,
  provider: record.provider,
  eventType: record.eventType,
  deliveryId: record.deliveryId,
  idempotencyKey: record.idempotencyKey,
  state: record.state,
  attempts: record.attempts,
  receivedAt: time(record.receivedAt),
  nextAttemptAt: record.nextAttemptAt && time(record.nextAttemptAt),
  handledAt: record.handledAt && time(record.handledAt),
  lastError: record.lastError,
  validation: record.validation,
});

/** `list` page size: default and bound (decision: the store's own bound). */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export function limitOption(values: Values): number {
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new CommandLineError(`inbox list: --limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return limit;
}

export async function list(values: Values, store: InboxStore, io: CliIo): Promise<number> {
  const filter = filterOptions('inbox list', values, new Date());
  const limit = limitOption(values);
  // The stores' cursors are page positions (digits); anything else is a usage error, not a crash.
  if (typeof values.cursor === 'string' && !isInboxCursor(values.cursor)) throw new CommandLineError(`inbox list: --cursor must be a cursor a previous page printed (got "${values.cursor.slice(0, 40)}")`);
  const page = await store.list({ ...filter, limit, ...(typeof values.cursor === 'string' && { cursor: values.cursor }) });
  if (values.json) {
    writeJson(io, { deliveries: page.records.map(summaryJson), ...(page.cursor !== undefined && { cursor: page.cursor }) });
    return EXIT.ok;
  }
  if (!page.records.length) {
    io.stdout('no deliveries match\n');
    return EXIT.ok;
  }
  const rows = page.records.map((r) => {
    const problem = r.lastError ?? (r.validation.ok ? '' : `${r.validation.code ?? 'invalid'}: ${(r.validation.errors ?? []).map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`);
    return [r.id, time(r.receivedAt), r.provider, r.eventType ?? '-', r.state, String(r.attempts), cut(problem.replace(/\s+/g, ' '), 80)];
  });
  io.stdout(table([['id', 'received', 'provider', 'event', 'state', 'attempts', 'error'], ...rows]));
  if (page.cursor !== undefined) io.stdout(`more: --cursor ${page.cursor}\n`);
  return EXIT.ok;
}

/** One delivery, headers and payload redacted as on the dashboard. */
function shown(record: InboxRecord) {
  const body = displayBody(new TextDecoder().decode(record.body));
  return {
    ...summaryJson(record),
    leaseUntil: record.leaseUntil && time(record.leaseUntil),
    workerId: record.workerId,
    request: `${record.method} ${record.url === null ? '' : redactUrl(record.url)}`.trim(),
    response: record.response,
    headers: redactHeaders(record.headers),
    body,
  };
}

export async function show(args: ParsedArgs, store: InboxStore, io: CliIo): Promise<number> {
  const [, id, extra] = args.positionals;
  if (id === undefined || extra !== undefined) throw new CommandLineError('inbox show: give exactly one delivery id');
  const record = await store.get(id);
  if (!record) {
    io.stderr(`inbox show: no delivery ${id}\n`);
    return EXIT.failure;
  }
  const view = shown(record);
  if (args.values.json) {
    const { body, ...rest } = view;
    // A cut body is no longer JSON: given as text, marked truncated.
    writeJson(io, { ...rest, ...(body.json && !body.truncated ? { payload: JSON.parse(body.text) as unknown } : { body: body.text }), ...(body.truncated && { truncated: true }) });
    return EXIT.ok;
  }
  const lines = [
    ['id', view.id],
    ['provider', view.provider],
    ['event', view.eventType ?? '-'],
    ['state', view.state],
    ['attempts', String(view.attempts)],
    ['received', view.receivedAt],
    ['delivery id', view.deliveryId ?? '-'],
    ['idempotency key', view.idempotencyKey ?? '-'],
    ['request', view.request],
    ...(view.nextAttemptAt ? [['next attempt', view.nextAttemptAt]] : []),
    ...(view.handledAt ? [['handled', view.handledAt]] : []),
    ...(view.lastError ? [['last error', view.lastError]] : []),
    ...(view.response ? [['answered', `${view.response.status} ${cut(view.response.body, 200)}`]] : []),
  ];
  let out = table(lines);
  if (!view.validation.ok) {
    out += `\nvalidation: ${view.validation.code ?? 'invalid'}\n${(view.validation.errors ?? []).map((e) => `  ${e.path || '(root)'}: ${e.message}\n`).join('')}`;
  }
  out += `\nheaders (signatures and credentials redacted):\n${Object.entries(view.headers).map(([n, v]) => `  ${n}: ${v}\n`).join('')}`;
  out += `\n${view.body.json ? 'payload (secret-like fields redacted)' : 'body (not JSON)'}:\n${view.body.text}\n${view.body.truncated ? '(cut)\n' : ''}`;
  io.stdout(out);
  return EXIT.ok;
}
