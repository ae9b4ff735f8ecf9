/**
 * insurance-webhooks/drift: compares the providers' webhook docs with this package's schemas
 * (runDrift), and captured deliveries with them (runTrafficDrift). The doc comparison needs the
 * optional peer dependency quicktype-core, imported on first use; the traffic comparison does not.
 *
 * @example
 * import { runDrift, formatDriftReport } from 'insurance-webhooks/drift';
 * const report = await runDrift({ docsDir: 'docs/providers' });
 * console.log(formatDriftReport(report));
 * process.exit(report.clean ? 0 : 1);
 */
export { runDrift } from './run.js';
export { formatDriftReport } from './format.js';
export { folderSource, formatTrafficReport, inboxSource, readCapture, REPORT_LIMITS, runTrafficDrift, type InboxSourceFilter, type InboxSourceOptions, type TrafficOptions } from './traffic/index.js';
export type { CapturedDelivery, DeliverySource, TrafficEvent, TrafficFinding, TrafficFindingKind, TrafficProvider, TrafficReport, UnreadableEntry } from './traffic/types.js';
export type { DocFact, DocLine, FactFinding, FactKind } from './facts/types.js';
export type {
  AddedField,
  DocExample,
  DriftOptions,
  DriftReport,
  EventDrift,
  EventEvidence,
  ExtractedDoc,
  ListedEvent,
  ProviderDrift,
  RemovedField,
  RetypedField,
  Violation,
} from './types.js';
