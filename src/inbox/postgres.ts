// The inbox in PostgreSQL through `pg`, for several receivers and workers on several machines: one
// table, captures made unique by idempotency key, claims taken with `FOR UPDATE SKIP LOCKED`
// (src/inbox/sql.ts), leases and due times on the server's clock.
import pg from 'pg';
import { SqlInbox, type SqlClient } from './sql.js';
import type { InboxStore } from './types.js';

export interface PostgresInboxOptions {
  /** `postgres://user:password@host:5432/db`. Ignored when `pool` is given. */
  connectionString?: string;
  /** A `pg` Pool of your own (then `close()` leaves it open). */
  pool?: pg.Pool;
  /** Connections of the pool this store creates. Default 10. */
  max?: number;
  /**
   * How long the pool this store creates waits for a connection, in ms. Default 5000: a database
   * that does not answer (a dropped route) fails captures fast (503, the provider retries) and lets
   * `close()` finish, instead of waiting for the operating system's TCP timeout (`pg`'s default is
   * to wait forever).
   */
  connectionTimeoutMillis?: number;
  /** Table name. Default `insurance_webhooks_inbox`. */
  table?: string;
}

function client(pool: pg.Pool): SqlClient {
  return {
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await pool.query(text, params)).rows as R[] }),
    // Without parameters `pg` uses the simple protocol, which runs several statements in one call.
    exec: (text: string) => pool.query(text),
    end: () => pool.end(),
  };
}

/**
 * An inbox in PostgreSQL (≥ 13: `gen_random_uuid()`), shared by every receiver and worker pointed
 * at it. The table is created on first use (under an advisory lock). Needs the optional peer
 * dependency `pg`. A pool that cannot connect makes `capture` reject: the router answers 503.
 *
 * @example
 * import { postgresInbox } from 'insurance-webhooks/inbox/postgres';
 * const inbox = postgresInbox({ connectionString: process.env.DATABASE_URL });
 * const webhooks = createWebhooks({ providers, inbox: { store: inbox } });
 */
export function postgresInbox(options: PostgresInboxOptions): InboxStore & { ready(): Promise<void> } {
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10, connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000 });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  if (!options.pool) pool.on('error', () => {});
  return new SqlInbox(client(pool), { ...(options.table !== undefined ? { table: options.table } : {}), ownsClient: options.pool === undefined });
}
