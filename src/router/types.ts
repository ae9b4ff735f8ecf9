// The shapes the router hands to user code: handlers, invalid deliveries, error contexts, loggers.
import type { WebhookError } from '../core/errors.js';
import type { EventType, Provider, WebhookEvent } from '../core/event.js';
import type { IncomingWebhook } from '../core/incoming.js';
import type { ValidationIssue } from '../core/validation.js';
import type { DeliveryAttempt } from '../inbox/types.js';

export type EventOf<P extends Provider, T extends EventType<P>> = Extract<WebhookEvent<P>, { type: T }>;
/**
 * A handler may return a SyncDecision for sync events; any other return value is ignored. With an
 * inbox, handlers run from it and get `delivery` (attempt number, idempotency key: docs/inbox.md).
 */
export type Handler<E> = (event: E, delivery?: DeliveryAttempt) => unknown;

/**
 * An authentic delivery this package could not turn into a typed event: its signature verified (or
 * the provider sends it unsigned and `allowUnsigned` is on), but the payload fails the event's
 * schema (`payload_invalid`), is not JSON (`payload_malformed`), or the event header is missing
 * (`header_missing`). Keep it (a dead-letter
 * table, a queue): after a schema fix it can be replayed through `handle()` with the same `body`
 * and `headers`.
 */
export interface InvalidDelivery {
  provider: Provider;
  /** The event type it claims, when it names one. */
  type?: string;
  deliveryId?: string;
  /** The parsed body (any shape: the schema refused it); undefined when it is not JSON. */
  payload?: unknown;
  /** The raw body as received, byte for byte. */
  body: string | Uint8Array;
  /** The headers as received. */
  headers: IncomingWebhook['headers'];
  /** What is wrong, by JSON Pointer: `[{ path: '/gross_premium', message: 'must be number' }]`. */
  errors: ValidationIssue[];
  /** The refusal `receive()` gave (`code`, `message`, `status`). */
  error: WebhookError;
}

export interface ErrorContext {
  /** The provider the request was for; undefined when the path named none this endpoint serves. */
  provider: Provider | undefined;
  /** Set when the delivery was verified and the handler failed. */
  event?: WebhookEvent;
  /** Set when the delivery was authentic but could not be used (schema, JSON, event header). */
  invalid?: InvalidDelivery;
  /** The status the endpoint answered, where it differs from the error's own (`failureStatus`). */
  status?: number;
}

/** The logger used when no `onError` handler is registered: pino, console, or anything with these. */
export interface Logger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
