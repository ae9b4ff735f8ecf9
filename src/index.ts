/**
 * insurance-webhooks: verified, typed webhooks from KASKO, InsurUp, Axitech and CoverKit.
 * Per-provider entry points (`insurance-webhooks/kasko`, …) ship only that provider's code.
 */
export type * from '../generated/types.js';
export type { EventMaps } from '../generated/index.js';
export { providers } from '../generated/index.js';
export { examples } from '../generated/examples.js';
export { validate, providerCatalog, receive, receiveSync, sign } from './root-api.js';
export * from './core/public.js';
export * from './router/index.js';
export { memoryStore, type MemoryStoreOptions } from './idempotency/memory.js';
export type { IdempotencyStore, ClaimResult } from './idempotency/store.js';
