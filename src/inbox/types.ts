// The durable inbox's data model and the store interface every inbox store implements (PGlite,
// PostgreSQL, or your own). The router captures into it before answering 2xx; workers claim from it
// (docs/inbox.md). Stable: the CLI and the dashboard are written against these shapes.
import type { Provider } from '../core/event.js';
import type { ValidationIssue } from '../core/validation.js';

/**
 * Where a delivery stands.
 * - `pending`: captured, waiting for a worker (also after a replay or a manual retry);
 * - `processing`: claimed by a worker until `leaseUntil` (a worker that dies loses it then);
 * - `retrying`: a handler failed; claimable again from `nextAttemptAt` (exponential backoff);
 * - `handled`: every handler resolved (terminal);
 * - `dead`: `maxAttempts` failed attempts (a dead letter; `retry` or `replay` brings it back);
 * - `invalid`: authentic but off-schema, not JSON or without its event header (kept; `replay` after a schema fix);
 * - `unknown`: authentic, of an event type the catalog does not know (kept; `replay` after `npm run generate`);
 * - `sync`: a sync event, answered inline with its decision and recorded (never run by workers).
 */
export type InboxState = 'pending' | 'processing' | 'retrying' | 'handled' | 'dead' | 'invalid' | 'unknown' | 'sync';

export const INBOX_STATES: readonly InboxState[] = ['pending', 'processing', 'retrying', 'handled', 'dead', 'invalid', 'unknown', 'sync'];

/** What validation said of the body at capture (or at the last replay). */
export interface InboxValidation {
  ok: boolean;
  /** The refusal code when not ok: `payload_invalid`, `payload_malformed`, `header_missing`, `event_unknown`. */
  code?: string;
  /** Why not, by JSON Pointer (bounded, as `receive()` reports them). */
  errors?: ValidationIssue[];
}

/** Headers as received, names lower-cased; repeats kept as arrays. Redaction happens at display. */
export type InboxHeaders = Record<string, string | string[]>;

/** What the router captures: a verified delivery, before any handler runs. */
export interface InboxCapture {
  provider: Provider;
  /** The event type it names; undefined when it names none (`header_missing`, not JSON). */
  eventType?: string;
  deliveryId?: string;
  /**
   * The key duplicates are refused by (the router's idempotency key: `defaultIdempotencyKey`, or
   * `idempotency.key`). Undefined: never a duplicate (captured every time).
   */
  idempotencyKey?: string;
  /** The request method and path + query as received (Axitech signs them). */
  method: string;
  url?: string;
  headers: InboxHeaders;
  /** The raw body, byte for byte as signed. */
  body: Uint8Array;
  validation: InboxValidation;
  /** `pending` for a valid async event, `invalid`, `unknown` or `sync`. */
  state: 'pending' | 'invalid' | 'unknown' | 'sync';
  /** For `sync`: the answer given inline (status and body). */
  response?: { status: number; body: string };
  /** Default: now. */
  receivedAt?: Date;
}

/** One delivery in the inbox. Times are Dates (UTC instants); durations are milliseconds. */
export interface InboxRecord {
  /** Opaque, assigned by the store at capture (a UUID). */
  id: string;
  provider: Provider;
  eventType: string | null;
  deliveryId: string | null;
  idempotencyKey: string | null;
  receivedAt: Date;
  method: string;
  url: string | null;
  headers: InboxHeaders;
  body: Uint8Array;
  validation: InboxValidation;
  state: InboxState;
  /** Handler runs started (a claim counts as one, even if its worker died). */
  attempts: number;
  /** For `pending`/`retrying`: the earliest time a worker may claim it. */
  nextAttemptAt: Date | null;
  /** For `processing`: when the claim lapses. */
  leaseUntil: Date | null;
  /** Which worker holds (or last held) the claim. */
  workerId: string | null;
  /** The last handler failure, bounded text (never a payload). */
  lastError: string | null;
  handledAt: Date | null;
  updatedAt: Date;
  /** For `sync`: the answer given inline. */
  response: { status: number; body: string } | null;
}

/** A record without its body and headers, as listings return it. */
export type InboxSummary = Omit<InboxRecord, 'body' | 'headers'>;

/** A claimed record: `claimToken` proves the claim to `complete`, `fail` and `renew`. */
export interface ClaimedRecord extends InboxRecord {
  claimToken: string;
}

export interface InboxFilter {
  provider?: Provider;
  eventType?: string;
  state?: InboxState | readonly InboxState[];
  /** Received at or after. */
  since?: Date;
  /** Received before. */
  until?: Date;
  /** Page size: default 50, at most 1000. */
  limit?: number;
  /** From a previous page's `cursor`. */
  cursor?: string;
}

export interface InboxPage {
  /** Newest first. */
  records: InboxSummary[];
  /** Pass as `filter.cursor` for the next page; undefined on the last. */
  cursor?: string;
}

/** The result of `capture`: the record's id, and whether the idempotency key was already there. */
export interface CaptureResult {
  id: string;
  /** True: nothing was stored; `id`, `eventType`, `deliveryId`, `state` and `response` are the kept record's (the first capture's). */
  duplicate: boolean;
  /** The kept record's event type and delivery id (a duplicate's own may differ: KASKO's delivery id header is not signed). */
  eventType: string | null;
  deliveryId: string | null;
  state: InboxState;
  response: { status: number; body: string } | null;
}

/** What a replay writes: the re-validation's outcome (`replayDelivery` computes it). */
export interface Revalidation {
  eventType: string | null;
  deliveryId: string | null;
  validation: InboxValidation;
  /** `pending` when it now validates; otherwise `invalid` or `unknown` again. */
  state: 'pending' | 'invalid' | 'unknown';
}

/**
 * Where captured deliveries live. Every method may reject (store down): the router then answers
 * 503 (nothing was acknowledged), a worker retries later. Implementations: `pgliteInbox()`
 * (embedded, one process), `postgresInbox()` (several receivers and workers).
 */
export interface InboxStore {
  /**
   * Stores a delivery durably (committed when the promise resolves), unless its idempotency key is
   * already there: then `duplicate: true` and nothing changes. Atomic across every process sharing
   * the store: of two concurrent captures of one key exactly one stores.
   */
  capture(delivery: InboxCapture): Promise<CaptureResult>;
  /**
   * Claims up to `limit` due deliveries (`pending`/`retrying` with `nextAttemptAt` ≤ now, or
   * `processing` whose lease lapsed) for `leaseMs`: each is moved to `processing`, its `attempts`
   * incremented, a fresh `claimToken` issued. No delivery is held by two live claims at once.
   */
  claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedRecord[]>;
  /** Extends a live claim; false when the claim was lost (lease lapsed and re-claimed). */
  renew(id: string, claimToken: string, leaseMs: number): Promise<boolean>;
  /** Marks it `handled`; false (and nothing changed) when `claimToken` no longer holds it. */
  complete(id: string, claimToken: string): Promise<boolean>;
  /**
   * Records a failed attempt: `retrying` until `retryAt`, or `dead`. False (nothing changed) when
   * `claimToken` no longer holds it.
   */
  fail(id: string, claimToken: string, error: string, retryAt: Date | 'dead'): Promise<boolean>;
  list(filter?: InboxFilter): Promise<InboxPage>;
  /** Number of deliveries in each state (every state present, 0 when none). */
  counts(filter?: Omit<InboxFilter, 'state' | 'limit' | 'cursor'>): Promise<Record<InboxState, number>>;
  get(id: string): Promise<InboxRecord | undefined>;
  /**
   * Writes a re-validation and makes the delivery claimable again (`pending`, attempts 0) when it
   * now validates. Refused (false) for `processing` (a worker holds it) and `sync` records.
   */
  replay(id: string, revalidation: Revalidation): Promise<boolean>;
  /** `dead` or `retrying` → `pending` now, attempts 0. False for any other state. */
  retry(id: string): Promise<boolean>;
  /** Deletes deliveries received before `olderThan` in `states` (default: handled and sync, the deliveries that are done); returns how many. */
  prune(olderThan: Date, states?: readonly InboxState[]): Promise<number>;
  close(): Promise<void>;
}

/** Handler context: what a handler run from the inbox is told besides the event. */
export interface DeliveryAttempt {
  /** The inbox record's id. */
  id: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  /** The key to make effects idempotent by (undefined when the delivery has none: then its `id`). */
  idempotencyKey: string;
  receivedAt: Date;
}
