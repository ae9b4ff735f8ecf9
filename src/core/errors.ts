// The package's errors: WebhookError, a delivery refused (each code with its one HTTP answer), and
// UsageError, wrong use by the programmer (unknown provider or event, bad options), thrown at once.
import type { ValidationIssue } from './validation.js';

/**
 * Why `receive()` refused a delivery. Each code has one HTTP answer (`WEBHOOK_ERROR_STATUS`), so an
 * adapter never has to guess whether the provider should retry.
 */
export type WebhookErrorCode =
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_invalid'
  | 'header_missing'
  | 'header_invalid'
  | 'event_unknown'
  | 'payload_malformed'
  | 'payload_invalid'
  | 'body_too_large';

/** What an HTTP endpoint should answer for each code (see README, "Error codes"). */
export const WEBHOOK_ERROR_STATUS: Readonly<Record<WebhookErrorCode, number>> = {
  signature_missing: 401,
  signature_invalid: 401,
  timestamp_invalid: 401,
  header_missing: 400,
  header_invalid: 400,
  event_unknown: 202,
  payload_malformed: 400,
  payload_invalid: 400,
  body_too_large: 413,
};

export interface WebhookErrorDetails {
  errors?: ValidationIssue[];
  /** The event type the delivery claimed, when it got that far. */
  type?: string;
  deliveryId?: string;
  /** The parsed body, once the signature has proved it authentic (event_unknown, payload_invalid). */
  payload?: unknown;
}

/**
 * The only error `receive()` rejects with for bad input. `code` says what was wrong; `errors`
 * names the offending fields for `payload_invalid`; `payload` keeps an authentic but unusable body.
 *
 * @example
 * try { await receive('kasko', incoming, { secret }); }
 * catch (e) { if (e instanceof WebhookError) res.status(e.status).json({ code: e.code, errors: e.errors }); }
 */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  readonly code: WebhookErrorCode;
  readonly errors?: ValidationIssue[];
  readonly type?: string;
  readonly deliveryId?: string;
  declare readonly payload?: unknown;

  constructor(code: WebhookErrorCode, message: string, details: WebhookErrorDetails = {}) {
    super(message);
    this.code = code;
    if (details.errors) this.errors = details.errors;
    if (details.type !== undefined) this.type = details.type;
    if (details.deliveryId !== undefined) this.deliveryId = details.deliveryId;
    // Not enumerable: an error logged as JSON (pino, `{ error }`) must not carry the payload.
    if (details.payload !== undefined) Object.defineProperty(this, 'payload', { value: details.payload, enumerable: false, writable: false, configurable: true });
  }

  /** The HTTP status an endpoint should answer with. */
  get status(): number {
    return WEBHOOK_ERROR_STATUS[this.code];
  }
}

/**
 * Wrong use of the API by the programmer (not bad input): thrown at once, never a WebhookError, so
 * it is never answered to a provider as the sender's fault.
 *
 * @example
 * receive('kasko', incoming, { secret: '' }); // throws UsageError: options.secret must not contain an empty or non-string secret
 */
export class UsageError extends TypeError {
  override readonly name = 'UsageError';
}
