// The inbox in SQL, once for both stores: PGlite (PostgreSQL compiled to WASM, embedded) and
// PostgreSQL through `pg` speak the same dialect, so one set of statements serves both; each store
// file only supplies a client (`SqlClient`). Claiming is one statement (`FOR UPDATE SKIP LOCKED` in
// a CTE feeding an UPDATE): two workers never get the same row, and a worker never waits for
// another's lock. Times come from the database's clock (`now()`), so workers on machines whose
// clocks differ still agree on leases and due times.
import type {
  CaptureResult,
  ClaimedRecord,
  InboxCapture,
  InboxFilter,
  InboxPage,
  InboxRecord,
  InboxState,
  InboxStore,
  InboxSummary,
  Revalidation,
} from './types.js';
import { INBOX_STATES } from './types.js';

/**
 * What `prune` deletes unless told otherwise: deliveries that are done. Dead letters, invalid and
 * unknown deliveries are authentic deliveries not yet handled, so they are pruned only when named
 * (a decision: a retention job must not lose a delivery nobody looked at).
 */
export const PRUNED_BY_DEFAULT: readonly InboxState[] = ['handled', 'sync'];

/** What a store needs of a database client: `pg`'s Pool and PGlite both have these. */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements without parameters, in one round trip (migrations). */
  exec(text: string): Promise<unknown>;
  end(): Promise<void>;
}

/** Default table name; `table` option to change it (one inbox per table). */
export const DEFAULT_TABLE = 'insurance_webhooks_inbox';

/** A SQL identifier we interpolate (never from a request): refuse anything but a plain name. */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`insurance-webhooks: inbox table name must match [a-z_][a-z0-9_]* (got ${JSON.stringify(name)})`);
  return name;
}

/**
 * The schema, created when missing. Under an advisory lock in one transaction, because two
 * processes starting at once would otherwise race on `CREATE TABLE IF NOT EXISTS` (PostgreSQL
 * answers one of them with a unique violation on pg_type).
 */
function schema(table: string): string {
  return `
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('${table}'));
CREATE TABLE IF NOT EXISTS ${table} (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY,
  provider text NOT NULL,
  event_type text,
  delivery_id text,
  idempotency_key text UNIQUE,
  received_at timestamptz NOT NULL DEFAULT now(),
  method text NOT NULL,
  url text,
  headers jsonb NOT NULL,
  body bytea NOT NULL,
  validation jsonb NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  worker_id text,
  claim_token uuid,
  last_error text,
  handled_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  response jsonb
);
CREATE INDEX IF NOT EXISTS ${table}_due ON ${table} (next_attempt_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX IF NOT EXISTS ${table}_lease ON ${table} (lease_until) WHERE state = 'processing';
CREATE INDEX IF NOT EXISTS ${table}_seq ON ${table} (seq);
COMMIT;`;
}

const SUMMARY_COLUMNS =
  'id, seq, provider, event_type, delivery_id, idempotency_key, received_at, method, url, validation, state, attempts, next_attempt_at, lease_until, worker_id, last_error, handled_at, updated_at, response';
const ALL_COLUMNS = `${SUMMARY_COLUMNS}, headers, body`;

interface Row {
  id: string;
  seq: string | number;
  provider: string;
  event_type: string | null;
  delivery_id: string | null;
  idempotency_key: string | null;
  received_at: Date;
  method: string;
  url: string | null;
  validation: InboxRecord['validation'];
  state: InboxState;
  attempts: number;
  next_attempt_at: Date | null;
  lease_until: Date | null;
  worker_id: string | null;
  last_error: string | null;
  handled_at: Date | null;
  updated_at: Date;
  response: InboxRecord['response'];
  headers?: InboxRecord['headers'];
  body?: Uint8Array;
  claim_token?: string;
}

function summary(row: Row): InboxSummary {
  return {
    id: row.id,
    provider: row.provider as InboxRecord['provider'],
    eventType: row.event_type,
    deliveryId: row.delivery_id,
    idempotencyKey: row.idempotency_key,
    receivedAt: row.received_at,
    method: row.method,
    url: row.url,
    validation: row.validation,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    workerId: row.worker_id,
    lastError: row.last_error,
    handledAt: row.handled_at,
    updatedAt: row.updated_at,
    response: row.response,
  };
}

/** bytea comes back as a Buffer from `pg`, a Uint8Array from PGlite: always a plain Uint8Array view. */
function record(row: Row): InboxRecord {
  const body = row.body!;
  return { ...summary(row), headers: row.headers!, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
}

/** `pg` serialises a Buffer as bytea but not every Uint8Array; PGlite takes either. */
const bytea = (bytes: Uint8Array): Uint8Array => (globalThis.Buffer ? globalThis.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);

/**
 * What PostgreSQL can hold: its `text` refuses U+0000 and its `jsonb` refuses a lone surrogate's
 * `\udXXX` escape, and an authentic body can put either in an event type, a delivery id or a
 * validation message (a store that refused them would answer 503 until the provider gave up). Each
 * becomes U+FFFD in text and JSON columns; the raw body (`bytea`) keeps every byte.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const storable = (text: string): string => text.replace(UNSTORABLE, '\ufffd');
const storableOrNull = (text: string | null | undefined): string | null => (text === undefined || text === null ? null : storable(text));

/** An idempotency key made storable without merging two keys: escaped as a JSON string (ASCII) when needed. */
const storableKey = (key: string | undefined): string | null => (key === undefined ? null : storable(key) === key ? key : JSON.stringify(key));

/** JSON text whose every string (keys included) is storable. */
function storableJson(value: unknown): string {
  const clean = (item: unknown): unknown => {
    if (typeof item === 'string') return storable(item);
    if (Array.isArray(item)) return item.map(clean);
    if (item === null || typeof item !== 'object') return item;
    return Object.fromEntries(Object.entries(item).map(([key, field]) => [storable(key), clean(field)]));
  };
  return JSON.stringify(clean(value));
}

/** Longest `lastError` kept: an error message, never a payload, and never unbounded. */
export const MAX_ERROR_TEXT = 2000;

const MAX_PAGE = 1000;

/** Whether `text` can be a page cursor (`InboxPage.cursor`: a position, a bigint, in digits). */
export const isInboxCursor = (text: string): boolean => /^\d{1,19}$/.test(text) && BigInt(text) <= 9_223_372_036_854_775_807n;

/** The statements of every store; `client` is the database, `table` the (plain) table name. */
export class SqlInbox implements InboxStore {
  readonly #client: SqlClient;
  readonly #table: string;
  readonly #ownsClient: boolean;
  #ready: Promise<void> | undefined;

  constructor(client: SqlClient, options: { table?: string; ownsClient: boolean }) {
    this.#client = client;
    this.#table = identifier(options.table ?? DEFAULT_TABLE);
    this.#ownsClient = options.ownsClient;
  }

  /** Creates the table on first use (once per store; a failure is retried on the next call). */
  ready(): Promise<void> {
    this.#ready ??= this.#client.exec(schema(this.#table)).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  async #query<R = Row>(text: string, params: unknown[] = []): Promise<R[]> {
    await this.ready();
    return (await this.#client.query<R>(text, params)).rows;
  }

  async capture(delivery: InboxCapture): Promise<CaptureResult> {
    const t = this.#table;
    const key = storableKey(delivery.idempotencyKey);
    const params = [
      delivery.provider,
      storableOrNull(delivery.eventType),
      storableOrNull(delivery.deliveryId),
      key,
      delivery.receivedAt ?? new Date(),
      storable(delivery.method),
      storableOrNull(delivery.url),
      storableJson(delivery.headers),
      bytea(delivery.body),
      storableJson(delivery.validation),
      delivery.state,
      delivery.response ? storableJson(delivery.response) : null,
    ];
    // Two tries: a duplicate's first capture could be pruned between the INSERT and the SELECT.
    for (let tries = 0; tries < 2; tries++) {
      const inserted = await this.#query<Pick<Row, 'id' | 'event_type' | 'delivery_id' | 'state' | 'response'>>(
        `INSERT INTO ${t} (provider, event_type, delivery_id, idempotency_key, received_at, method, url, headers, body, validation, state, response, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12::jsonb, CASE WHEN $11 = 'pending' THEN now() END)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id, event_type, delivery_id, state, response`,
        params,
      );
      const row = inserted[0] ?? (await this.#query<Pick<Row, 'id' | 'event_type' | 'delivery_id' | 'state' | 'response'>>(`SELECT id, event_type, delivery_id, state, response FROM ${t} WHERE idempotency_key = $1`, [key]))[0];
      if (row) return { id: row.id, duplicate: !inserted[0], eventType: row.event_type, deliveryId: row.delivery_id, state: row.state, response: row.response };
    }
    throw new Error('insurance-webhooks: the inbox neither stored the delivery nor found its first capture');
  }

  async claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedRecord[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`insurance-webhooks: claim limit must be a positive integer (got ${String(limit)})`);
    const t = this.#table;
    const rows = await this.#query(
      `WITH due AS (
         SELECT id FROM ${t}
         WHERE (state IN ('pending', 'retrying') AND next_attempt_at <= now()) OR (state = 'processing' AND lease_until <= now())
         ORDER BY seq
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE ${t} AS d SET state = 'processing', attempts = d.attempts + 1, worker_id = $2, claim_token = gen_random_uuid(),
         lease_until = now() + $3::double precision * interval '1 millisecond', next_attempt_at = NULL, updated_at = now()
       FROM due WHERE d.id = due.id
       RETURNING ${ALL_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}, d.claim_token`,
      [limit, workerId, leaseMs],
    );
    return rows.map((row) => ({ ...record(row), claimToken: row.claim_token! }));
  }

  async renew(id: string, claimToken: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#query(
      `UPDATE ${this.#table} SET lease_until = now() + $3::double precision * interval '1 millisecond', updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND state = 'processing' RETURNING id`,
      [id, claimToken, leaseMs],
    );
    return rows.length === 1;
  }

  async complete(id: string, claimToken: string): Promise<boolean> {
    const rows = await this.#query(
      `UPDATE ${this.#table} SET state = 'handled', handled_at = now(), lease_until = NULL, claim_token = NULL, last_error = NULL, updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND state = 'processing' RETURNING id`,
      [id, claimToken],
    );
    return rows.length === 1;
  }

  async fail(id: string, claimToken: string, error: string, retryAt: Date | 'dead'): Promise<boolean> {
    const dead = retryAt === 'dead';
    const rows = await this.#query(
      `UPDATE ${this.#table} SET state = $3, next_attempt_at = $4, last_error = $5, lease_until = NULL, claim_token = NULL, updated_at = now()
       WHERE id = $1 AND claim_token = $2 AND state = 'processing' RETURNING id`,
      [id, claimToken, dead ? 'dead' : 'retrying', dead ? null : retryAt, storable(String(error).slice(0, MAX_ERROR_TEXT))],
    );
    return rows.length === 1;
  }

  /** WHERE clause and parameters for a filter; `$n` numbering starts after `offset` parameters. */
  #where(filter: InboxFilter, params: unknown[]): string {
    const conditions: string[] = [];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(`$${params.length}`));
    };
    if (filter.provider !== undefined) add((n) => `provider = ${n}`, filter.provider);
    if (filter.eventType !== undefined) add((n) => `event_type = ${n}`, storable(filter.eventType));
    if (filter.state !== undefined) {
      const states = typeof filter.state === 'string' ? [filter.state] : [...filter.state];
      for (const state of states) if (!INBOX_STATES.includes(state)) throw new TypeError(`insurance-webhooks: unknown inbox state ${JSON.stringify(state)}`);
      add((n) => `state = ANY(${n}::text[])`, states);
    }
    if (filter.since !== undefined) add((n) => `received_at >= ${n}`, filter.since);
    if (filter.until !== undefined) add((n) => `received_at < ${n}`, filter.until);
    if (filter.cursor !== undefined) {
      if (!isInboxCursor(filter.cursor)) throw new TypeError('insurance-webhooks: not an inbox cursor');
      add((n) => `seq < ${n}::bigint`, filter.cursor);
    }
    return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  }

  async list(filter: InboxFilter = {}): Promise<InboxPage> {
    const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 50)), MAX_PAGE);
    const params: unknown[] = [];
    const where = this.#where(filter, params);
    params.push(limit + 1);
    const rows = await this.#query(`SELECT ${SUMMARY_COLUMNS} FROM ${this.#table} ${where} ORDER BY seq DESC LIMIT $${params.length}`, params);
    const page = rows.slice(0, limit);
    return { records: page.map(summary), ...(rows.length > limit ? { cursor: String(page[page.length - 1]!.seq) } : {}) };
  }

  async counts(filter: Omit<InboxFilter, 'state' | 'limit' | 'cursor'> = {}): Promise<Record<InboxState, number>> {
    const params: unknown[] = [];
    const where = this.#where({ ...filter, state: undefined, cursor: undefined }, params);
    const rows = await this.#query<{ state: InboxState; n: string | number }>(`SELECT state, count(*) AS n FROM ${this.#table} ${where} GROUP BY state`, params);
    const counts = Object.fromEntries(INBOX_STATES.map((state) => [state, 0])) as Record<InboxState, number>;
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async get(id: string): Promise<InboxRecord | undefined> {
    // Not a UUID: no such record (PostgreSQL would refuse the cast with an error).
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
    const rows = await this.#query(`SELECT ${ALL_COLUMNS} FROM ${this.#table} WHERE id = $1`, [id]);
    return rows[0] ? record(rows[0]) : undefined;
  }

  async replay(id: string, revalidation: Revalidation): Promise<boolean> {
    if ((await this.get(id)) === undefined) return false;
    const rows = await this.#query(
      `UPDATE ${this.#table} SET event_type = $2, delivery_id = $3, validation = $4::jsonb, state = $5, attempts = 0,
         next_attempt_at = CASE WHEN $5 = 'pending' THEN now() END, lease_until = NULL, claim_token = NULL, last_error = NULL, handled_at = NULL, updated_at = now()
       WHERE id = $1 AND state NOT IN ('processing', 'sync') RETURNING id`,
      [id, storableOrNull(revalidation.eventType), storableOrNull(revalidation.deliveryId), storableJson(revalidation.validation), revalidation.state],
    );
    return rows.length === 1;
  }

  async retry(id: string): Promise<boolean> {
    if ((await this.get(id)) === undefined) return false;
    const rows = await this.#query(
      `UPDATE ${this.#table} SET state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
       WHERE id = $1 AND state IN ('dead', 'retrying') RETURNING id`,
      [id],
    );
    return rows.length === 1;
  }

  async prune(olderThan: Date, states: readonly InboxState[] = PRUNED_BY_DEFAULT): Promise<number> {
    if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) throw new TypeError('insurance-webhooks: prune needs a valid Date');
    for (const state of states) if (!INBOX_STATES.includes(state)) throw new TypeError(`insurance-webhooks: unknown inbox state ${JSON.stringify(state)}`);
    // A delivery a worker holds is never pruned from under it.
    const rows = await this.#query(`DELETE FROM ${this.#table} WHERE received_at < $1 AND state = ANY($2::text[]) AND state <> 'processing' RETURNING id`, [olderThan, [...states]]);
    return rows.length;
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.end();
  }
}
