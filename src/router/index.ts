// The router's public surface (re-exported by the package root).
export { createWebhooks, Webhooks, type WebhooksOptions } from './webhooks.js';
export { defaultIdempotencyKey, type IdempotencyOptions } from './idempotency.js';
export { allow, block, type SyncDecision, type SyncOptions } from './sync.js';
export type { WebhookResponse } from './responses.js';
export type { DeliveryHook, DeliveryOutcome, DeliveryRecord, RefusalCode } from './observe.js';
export type { OpenTelemetryApi, TelemetryOption } from './otel.js';
export type { ErrorContext, EventOf, Handler, InvalidDelivery, Logger } from './types.js';
