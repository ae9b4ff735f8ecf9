/**
 * insurance-webhooks/drift: compares the providers' webhook docs with this package's schemas.
 * Needs the optional peer dependency quicktype-core, imported on first use.
 *
 * @example
 * import { runDrift, formatDriftReport } from 'insurance-webhooks/drift';
 * const report = await runDrift({ docsDir: 'docs/providers' });
 * console.log(formatDriftReport(report));
 * process.exit(report.clean ? 0 : 1);
 */
export { runDrift } from './run.js';
export { formatDriftReport } from './format.js';
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
