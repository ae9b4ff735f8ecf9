// The shapes the drift pipeline passes around: what an extractor finds in a provider's doc, and
// the report that compares it with our schemas. Plain data only, so a report survives
// JSON.stringify unchanged (the CLI's --json).
import type { ExtractedFacts, FactFinding } from './facts/types.js';

/**
 * How a doc names an event: written out as a name, derived from a heading title, only seen in an
 * example's envelope, or only mentioned in prose as an example value (Axitech's `event_type`).
 */
export type EventEvidence = 'name' | 'title' | 'example' | 'mention';

/** An event a provider's doc lists. */
export interface ListedEvent {
  /** The event type as the provider would send it, e.g. `policy.created`. */
  name: string;
  /** The strongest evidence for the name: `name` beats `title` beats `example` beats `mention`. */
  evidence: EventEvidence;
  /** `sync` / `async` where the doc marks it next to the event (InsurUp). */
  delivery?: 'sync' | 'async';
  /** The 1-based doc line that lists it (its heading, or its place in the event list). */
  line?: number;
}

/** An example payload found in a provider's doc. */
export interface DocExample {
  /** The event the example belongs to. */
  event: string;
  /** Where in the doc: the heading or marker the example follows. */
  section: string;
  /** The parsed example (comments the doc put in it removed). */
  payload: unknown;
  /** The 1-based line of the doc where the example starts. */
  line?: number;
}

/** Everything one extractor pulls out of one doc. */
export interface ExtractedDoc {
  /** Every event the doc lists, once each, in the order the doc first names them. */
  events: ListedEvent[];
  examples: DocExample[];
  /** What the extractor could not read (an example that is not JSON, one that names no event…). */
  problems: string[];
}

/** A field the doc's example has and our schema does not describe. */
export interface AddedField {
  /** Dotted path, `[]` for array items: `data.customer.phone`, `premiums[].fee`. */
  path: string;
  /** The type inferred from the example: `string`, `integer`, `object`, `array<object>`, `integer | string`… */
  type: string;
  /** The doc line that shows it (the first line of the example with its key). */
  line?: number;
}

/** A field our schema requires and the doc's example does not have. */
export interface RemovedField {
  path: string;
}

/** A field whose type in the doc's example is not a type our schema allows. */
export interface RetypedField {
  path: string;
  /** What our schema allows, e.g. `integer`. */
  schema: string;
  /** What the doc's example shows, e.g. `string`. */
  docs: string;
  /** The doc line that shows it (the first line of the example with its key). */
  line?: number;
}

/** A strict-validation error the structural comparison does not explain (a changed date format, say). */
export interface Violation {
  path: string;
  message: string;
}

/** The comparison of one doc example with our schema of its event. */
export interface EventDrift {
  event: string;
  /** Where the example is in the doc. */
  section: string;
  /** The 1-based line of the doc where the example starts. */
  line?: number;
  /** The doc now shows an example for an event whose schema example is constructed. */
  newlyDocumented: boolean;
  added: AddedField[];
  removed: RemovedField[];
  retyped: RetypedField[];
  violations: Violation[];
  /** Number of changes above. */
  changes: number;
}

/** The drift of one provider: its doc against its schema folder. */
export interface ProviderDrift {
  provider: string;
  displayName: string;
  /** The doc file, relative to the docs directory. */
  doc: string;
  /** Every event the doc lists (sorted). */
  listedEvents: string[];
  /** Number of examples found in the doc. */
  examples: number;
  /** Listed events without an example, whose schema example is constructed: not drift, shown for context. */
  namedOnly: string[];
  /** Events the doc lists that have no schema. */
  newEvents: string[];
  /** The doc line that lists each listed event (its heading, or its place in the event list). */
  eventLines: Record<string, number>;
  /** Events with a schema that the doc no longer lists. */
  missingEvents: string[];
  /** Listed events whose schema example is documented but for which the doc shows no example any more. */
  examplesMissing: string[];
  /** What could not be read from the doc. */
  problems: string[];
  /** One entry per doc example of an event that has a schema, in doc order. */
  events: EventDrift[];
  /**
   * Every documented fact (headers, signature, formats, property lists, sync/async, retries,
   * acknowledgement) that differs from provider.json, the schemas or the runtime, with its doc line.
   */
  facts: FactFinding[];
  /** Number of changes in this provider. */
  changes: number;
}

/** The result of {@link runDrift}: `clean` when no provider's doc drifted from our schemas. */
export interface DriftReport {
  clean: boolean;
  /** Total number of changes; 0 exactly when `clean`. */
  changes: number;
  docsDir: string;
  schemasDir: string;
  providers: ProviderDrift[];
}

/** Where to read from; both default to the package's own `docs/providers/` and `schemas/`. */
export interface DriftOptions {
  docsDir?: string;
  schemasDir?: string;
}

/**
 * What a provider's drift companion, `src/providers/<name>.drift.ts`, exports for a doc not in the
 * common shape (docs/adding-a-provider.md); either reader may be left out, and the common-shape
 * reader is used in its place (`extractStandardDoc`, `standardFacts`).
 */
export interface DocReader {
  /** The doc's events and examples. */
  extractDoc?: (text: string) => ExtractedDoc;
  /** The doc's facts: headers, signature rules, formats, property lists, retries, acknowledgement. */
  docFacts?: (text: string) => ExtractedFacts;
}
