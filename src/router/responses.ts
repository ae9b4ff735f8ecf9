// Every answer the endpoint gives, in one place, so that all four adapters and the router answer
// the same situation with the same status and body (README, "What the endpoint answers").
import type { WebhookError } from '../core/errors.js';

/** What an adapter writes back. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const JSON_HEADERS = { 'content-type': JSON_TYPE } as const;

/** A JSON answer; its headers a new object each time (an adapter or a user may add to them). */
export const json = (status: number, body: unknown, headers?: Record<string, string>): WebhookResponse => ({
  status,
  headers: headers === undefined ? { 'content-type': JSON_TYPE } : { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** No provider at this path (or one this endpoint is not configured for). */
export const notFound = (): WebhookResponse => json(404, { error: 'not_found', message: 'no webhook provider at this path' });

export const methodNotAllowed = (): WebhookResponse => json(405, { error: 'method_not_allowed', message: 'webhooks are delivered with POST' }, { allow: 'POST' });

/** The body passed the limit; `connection: close` because the rest of it is discarded, not read. */
export const tooLarge = (limit: number): WebhookResponse =>
  json(413, { error: 'body_too_large', message: `body is larger than ${limit} bytes` }, { connection: 'close' });

/** A framework read the body before the adapter: a 5xx, so the provider retries once the app is fixed. */
export const rawBodyUnavailable = (message: string): WebhookResponse => json(500, { error: 'raw_body_unavailable', message });

/** The adapter or its framework failed before `handle()` could answer: retryable. */
export const adapterFailed = (): WebhookResponse => json(500, { error: 'internal_error', message: 'the request could not be read; retry later' });

/** A bug of ours met while handling a delivery: retryable, never blamed on the sender. */
export const internalError = (): WebhookResponse => json(500, { error: 'internal_error', message: 'the delivery could not be processed; retry later' });

export const configurationError = (): WebhookResponse => json(500, { error: 'configuration_error', message: 'the endpoint is misconfigured' });

export const handlerFailed = (status: number, what = 'the handler failed'): WebhookResponse => json(status, { error: 'handler_failed', message: `${what}; retry later` });

export const handlerTimeout = (): WebhookResponse => json(503, { error: 'handler_timeout', message: 'the handler is still running; retry later' }, { 'retry-after': '60' });

export const storeUnavailable = (what = 'deduplication is unavailable'): WebhookResponse => json(503, { error: 'store_unavailable', message: `${what}; retry later` }, { 'retry-after': '30' });

export const inProgress = (): WebhookResponse => json(409, { error: 'in_progress', message: 'this delivery is being handled; retry later' }, { 'retry-after': '5' });

/** The answer a duplicate gets: the first one's status and body, marked as a replay. */
export const replay = (status: number, body: string): WebhookResponse => ({ status, body, headers: { ...JSON_HEADERS, 'x-idempotent-replay': 'true' } });

export const handled = (type: string, deliveryId: string | undefined): WebhookResponse => json(200, deliveryId ? { received: true, type, deliveryId } : { received: true, type });

/** An authentic delivery kept by onInvalid, not handled. */
export const kept = (type: string | undefined, deliveryId: string | undefined): WebhookResponse =>
  json(202, { received: true, handled: false, valid: false, ...(type ? { type } : {}), ...(deliveryId ? { deliveryId } : {}) });

/** An authentic delivery of an event type this package does not know, acknowledged. */
export const unknownAcknowledged = (type: string | undefined): WebhookResponse => json(202, { received: true, handled: false, type });

/** A refusal of `receive()`, with the offending fields where there are any. */
export const refusal = (error: WebhookError, status: number = error.status): WebhookResponse =>
  json(status, { error: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}) });
