/**
 * insurance-webhooks: typed, validated webhooks from KASKO, InsurUp, Axitech and CoverKit.
 * Per-provider entry points (`insurance-webhooks/kasko`, …) ship only that provider's code.
 */
export type * from '../generated/types.js';
export type { EventMaps } from '../generated/index.js';
export { providers } from '../generated/index.js';
export { examples } from '../generated/examples.js';
export { validate, providerCatalog } from './validate.js';
export type { Provider, EventType, EventPayload, WebhookEvent } from './core/event.js';
export type { ValidateOptions, ValidationIssue, ValidationResult } from './core/validation.js';
export type { EventCatalogEntry, ProviderCatalog, Transport, Location, DocSource, SchemaValidator } from './core/types.js';
