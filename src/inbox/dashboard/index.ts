// `insurance-webhooks/inbox/dashboard`: the inbox's web page, to mount behind your own auth.
export { inboxDashboard, type NodeDashboard } from './node.js';
export { webDashboard } from './web.js';
export { dashboardResponder, MAX_PAGE_SIZE, type InboxDashboardOptions, type DashboardStore, type DashboardRequest, type DashboardResponse } from './handler.js';
export { redactHeaders, redactPayload, redactUrl, SIGNATURE_HEADERS, REDACTED } from './redact.js';
