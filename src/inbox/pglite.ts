// The embedded inbox: PGlite, PostgreSQL compiled to WASM and shipped inside its npm tarball, so it
// installs on Node 20 with nothing downloaded or compiled at install time (better-sqlite3 fetches a
// prebuilt binary; Node 20 has no node:sqlite), and it speaks PostgreSQL's dialect, so the statements
// of src/inbox/sql.ts serve it and the PostgreSQL store alike (docs/inbox.md, "Stores"). Decision.
//
// One process only: PGlite is a single-user PostgreSQL inside this process, and two processes
// opening one data directory would corrupt it. Several receivers or workers: `postgresInbox()`.
import { PGlite } from '@electric-sql/pglite';
import { SqlInbox, type SqlClient } from './sql.js';
import type { InboxStore } from './types.js';

export interface PgliteInboxOptions {
  /**
   * Where the database lives: a directory path (created when missing), or undefined for memory
   * only (lost at exit: for tests). Ignored when `db` is given.
   */
  dataDir?: string;
  /** A PGlite instance of your own (then `close()` leaves it open). */
  db?: PGlite;
  /** Table name. Default `insurance_webhooks_inbox`. */
  table?: string;
}

/** The structural part of PGlite the store uses. */
function client(db: PGlite): SqlClient {
  return {
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await db.query<R>(text, params)).rows }),
    // A migration that fails inside its BEGIN would leave PGlite's one session in an aborted
    // transaction, refusing every later statement (every capture a 503) until the process restarts.
    exec: async (text: string) => {
      try {
        return await db.exec(text);
      } catch (error) {
        await db.exec('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    end: () => db.close(),
  };
}

/**
 * An inbox in an embedded PostgreSQL (PGlite), for one process that both receives and works.
 * The table is created on first use. Needs the optional peer dependency `@electric-sql/pglite`.
 *
 * @example
 * import { pgliteInbox } from 'insurance-webhooks/inbox/pglite';
 * const webhooks = createWebhooks({ providers, inbox: { store: pgliteInbox({ dataDir: './inbox' }) } });
 */
export function pgliteInbox(options: PgliteInboxOptions = {}): InboxStore & { ready(): Promise<void> } {
  const db = options.db ?? new PGlite(options.dataDir);
  return new SqlInbox(client(db), { ...(options.table !== undefined ? { table: options.table } : {}), ownsClient: options.db === undefined });
}
