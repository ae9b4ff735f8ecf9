// Drift from traffic: captured deliveries against the schemas. Plain data (the CLI's --json).

/** One captured delivery, from whatever source (a folder of captures, the inbox store). */
export interface CapturedDelivery {
  /** Where it came from, shown as the example of a finding: a file path, `inbox:<id>`. */
  ref: string;
  /** The provider's name as in schemas/ (`kasko`, `insurup`…). */
  provider: string;
  /** Header names in any case; values as received. */
  headers: Readonly<Record<string, string>>;
  /** The raw body as received, as text. */
  body: string;
}

/** An entry of a source that is not a delivery this check can read (not JSON, no provider…). */
export interface UnreadableEntry {
  ref: string;
  problem: string;
}

/**
 * Where captured deliveries come from. `folderSource(dir)` reads the documented folder format
 * (docs/drift.md, "Drift from traffic"); `inboxSource(store)` reads an inbox store; anything else
 * plugs in by implementing this interface.
 */
export interface DeliverySource {
  /** For the report: `folder captured/`, `inbox /srv/inbox-data`, `inbox postgres://db/app`. */
  readonly description: string;
  /** Every entry, in a stable order. */
  entries(): AsyncIterable<CapturedDelivery | UnreadableEntry>;
}

/** What kind of difference a finding is. */
export type TrafficFindingKind =
  /** A field deliveries carry that the schema does not describe. */
  | 'added'
  /** A field the schema requires that some (or all) deliveries lack. */
  | 'missing'
  /** A field whose JSON type the schema does not allow. */
  | 'retyped'
  /** A strict-validation error the three above do not explain: a format, a pattern, an enum. */
  | 'format';

/** One difference, counted over every delivery of an event that shows it. */
export interface TrafficFinding {
  kind: TrafficFindingKind;
  /** Dotted path, `[]` for array items: `data.customer.phone`. */
  path: string;
  /** `string` (added), `integer → string` (retyped), the validator's message (format), '' (missing). */
  detail: string;
  /** Deliveries that show it. */
  count: number;
  /** One delivery that shows it (its ref). */
  example: string;
  /** The doc section the schema traces this field (or its event) to. */
  docSection: string;
  /**
   * The doc line that shows the field: its line in the doc's example of the event, else the line
   * that lists the event (a field the docs never show); absent when the doc is not available.
   */
  docLine?: number;
}

/** The traffic of one event. */
export interface TrafficEvent {
  event: string;
  /** `schemas/<provider>/<event>.schema.json`. */
  schemaFile: string;
  /** The doc file the schema traces to. */
  doc: string;
  /** The doc line of the event's example, else the line that lists it; absent when unknown. */
  docLine?: number;
  deliveries: number;
  /** At most REPORT_LIMITS.findingsPerEvent (100) distinct findings; the rest are counted in omittedFindings. */
  findings: TrafficFinding[];
  /** Distinct findings beyond the bound, counted in `changes` but not listed. */
  omittedFindings?: number;
}

/** The traffic of one provider. */
export interface TrafficProvider {
  provider: string;
  displayName: string;
  deliveries: number;
  events: TrafficEvent[];
  /** Event types deliveries carry that have no schema: count and one example each. */
  unknownEvents: Array<{ event: string; count: number; example: string }>;
  /** Distinct unknown event types beyond REPORT_LIMITS.unknownEvents (100), counted but not listed. */
  omittedUnknownEvents?: number;
  /** Deliveries of this provider that could not be compared (body not JSON, no event type). */
  problems: Array<{ problem: string; count: number; example: string }>;
  changes: number;
}

/** The result of {@link runTrafficDrift}: `clean` when every delivery matches its schema. */
export interface TrafficReport {
  clean: boolean;
  /** Distinct findings, unknown events, problems and unreadable entries; 0 exactly when clean. */
  changes: number;
  source: string;
  deliveries: number;
  providers: TrafficProvider[];
  /** Entries that are not readable deliveries (bad capture file, unknown provider). */
  unreadable: UnreadableEntry[];
  /** Unreadable entries beyond REPORT_LIMITS.unreadable (100), counted in `changes` but not listed. */
  omittedUnreadable?: number;
}
