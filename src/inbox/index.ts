/**
 * `insurance-webhooks/inbox`: the durable inbox's model and tools (docs/inbox.md). The stores are
 * their own entry points, so their peer dependencies load only when used:
 * `insurance-webhooks/inbox/pglite` (embedded) and `insurance-webhooks/inbox/postgres`.
 */
export type * from './types.js';
export { INBOX_STATES } from './types.js';
export { replayDelivery, revalidate, type ReplayResult } from './replay.js';
export { retryDelay, type RetryPolicy } from './retry.js';
export { PermanentFailure, type WorkOptions, type InboxWorker } from './worker.js';
export type { InboxOptions } from './router.js';
