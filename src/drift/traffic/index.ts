// Drift from traffic: captured deliveries against the schemas.
export { runTrafficDrift, REPORT_LIMITS, type TrafficOptions } from './analyze.js';
export { folderSource, readCapture, MAX_CAPTURE_BYTES } from './folder.js';
export { inboxSource, INBOX_PAGE_SIZE, type InboxSourceFilter, type InboxSourceOptions } from './inbox.js';
export { formatTrafficReport } from './format.js';
export type * from './types.js';
