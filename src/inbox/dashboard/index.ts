// `insurance-webhooks/inbox/dashboard`: the inbox's web page, to mount behind your own auth
// (docs/inbox.md, "Dashboard").
export { inboxDashboard, type NodeDashboard } from './node.js';
export { webDashboard } from './web.js';
export type { InboxDashboardOptions, DashboardStore } from './handler.js';
export { redactHeaders, redactPayload } from './redact.js';
