// What every entry point (root and each provider) exports besides its own functions.
export { WebhookError, UsageError, WEBHOOK_ERROR_STATUS, type WebhookErrorCode, type WebhookErrorDetails } from './errors.js';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE_SECONDS, type ReceiveOptions } from './receive.js';
export { bodyHmac, timestampedHmac, parseTimestamp, type SignatureScheme, type SignedRequest, type ParsedSignature, type BodyHmacOptions } from './signature.js';
export type { SignInput, SignOptions } from './sign.js';
export type { IncomingWebhook, HeaderBag } from './incoming.js';
export type { ValidateOptions, ValidationIssue, ValidationResult } from './validation.js';
export type { Provider, EventType, EventPayload, WebhookEvent } from './event.js';
export type { EventCatalogEntry, ProviderCatalog, Transport, Location, DocSource, SchemaValidator } from './types.js';
