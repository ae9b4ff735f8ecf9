// The inbox as a source of captured deliveries: every stored delivery, whatever its state (an
// `invalid` or `unknown` one is exactly what drift is for), body and headers as stored. Only the
// store's interface is imported (a type): the store and its peer dependency (pg, PGlite) are the
// caller's, so loading drift never loads them.
import type { InboxFilter, InboxHeaders, InboxStore } from '../../inbox/types.js';
import type { CapturedDelivery, DeliverySource, UnreadableEntry } from './types.js';

/**
 * Records listed per page (decision): memory holds one page of summaries and one body at a time,
 * whatever the inbox holds; 200 keeps round trips few without large pages (the store allows 1000).
 */
export const INBOX_PAGE_SIZE = 200;

/** Which deliveries of the inbox to compare: the store's filter, without paging (the source pages). */
export type InboxSourceFilter = Omit<InboxFilter, 'limit' | 'cursor'>;

/** How the source reads and names the inbox. */
export interface InboxSourceOptions {
  /** For the report's first line; default `inbox` (the CLI: `inbox <dir>`, `inbox postgres://host/db`). */
  description?: string;
  /** Summaries per page, 1 to 1000 (the store's bound); default {@link INBOX_PAGE_SIZE}. */
  pageSize?: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header as the comparison reads it: a repeated header (stored as a list) joined with ", ", as
 * RFC 9110 §5.3 combines field lines.
 */
const headerText = (headers: InboxHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));

/**
 * The deliveries of an inbox store as a {@link DeliverySource}: newest first (the store's order),
 * paged by cursor ({@link INBOX_PAGE_SIZE} summaries, then each body by id), so memory stays
 * bounded. Every state is included unless `filter.state` narrows it. Each delivery's `ref` is
 * `inbox:<id>` (for `insurance-webhooks inbox show <id>`). A body that is not UTF-8 is an
 * unreadable entry (JSON is UTF-8, RFC 8259 §8.1), never repaired; a delivery pruned between the
 * listing and the read is skipped (it is no longer in the inbox). The caller opens and closes the
 * store; errors of the store (connection lost) propagate. `filter` is the store's filter
 * (provider, event type, state, since, until).
 *
 * @example
 * import { pgliteInbox } from 'insurance-webhooks/inbox/pglite';
 * const store = pgliteInbox({ dataDir: './inbox' });
 * const report = await runTrafficDrift({ source: inboxSource(store, { provider: 'kasko' }) });
 * await store.close();
 */
export function inboxSource(store: InboxStore, filter: InboxSourceFilter = {}, options: InboxSourceOptions = {}): DeliverySource {
  const pageSize = options.pageSize ?? INBOX_PAGE_SIZE;
  return {
    description: options.description ?? 'inbox',
    async *entries(): AsyncIterable<CapturedDelivery | UnreadableEntry> {
      let cursor: string | undefined;
      do {
        const page = await store.list({ ...filter, limit: pageSize, ...(cursor !== undefined && { cursor }) });
        for (const { id } of page.records) {
          const record = await store.get(id);
          if (!record) continue;
          const ref = `inbox:${id}`;
          let body: string;
          try {
            body = UTF8.decode(record.body);
          } catch {
            yield { ref, problem: 'body is not UTF-8 text (a JSON body is UTF-8)' };
            continue;
          }
          yield { ref, provider: record.provider, headers: headerText(record.headers), body };
        }
        cursor = page.cursor;
      } while (cursor !== undefined);
    },
  };
}
