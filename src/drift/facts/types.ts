// What the fact extractors find in a provider's doc besides events and examples: the transport and
// signature rules, formats, property lists, retries and acknowledgement. Plain data (JSON-safe).

/**
 * The kinds of documented fact drift compares (docs/drift.md, "Fact kinds"):
 * - `header`: a header name and its role (event, delivery, webhook id, signature, timestamp);
 * - `signature`: the algorithm, encoding, label or signed content one place of the doc states;
 * - `format`: a date or number format a property list states in words (Axitech);
 * - `property`: a field a prose property list names, its type and a "Required" marker (Axitech);
 * - `delivery-mode`: an event's sync/async marker (InsurUp);
 * - `retries`: the retry schedule and attempt count, or that retries happen at all;
 * - `acknowledgement`: which answer counts as received.
 */
export type FactKind = 'header' | 'signature' | 'format' | 'property' | 'delivery-mode' | 'retries' | 'acknowledgement';

/** The line of the doc a fact was read from. */
export interface DocLine {
  /** The doc file, relative to the docs directory. */
  doc: string;
  /** 1-based line number in the doc file. */
  line: number;
  /** The line itself, trimmed (at most 160 characters). */
  text: string;
}

/** One fact as a doc states it. */
export interface DocFact {
  kind: FactKind;
  /**
   * What the fact is about, stable across edits of its value: `header event`, `signature
   * algorithm (PHP sample)`, `format data.date`, `property data.sessionId`, `retries schedule`…
   */
  subject: string;
  /** The value, normalised: `x-kasko-event`, `SHA-256`, `hex`, `sha1=`, `YYYY-MM-DDTHH:mm:ss`, `60s 300s`, `2xx`. */
  value: string;
  /** The event the fact belongs to, where it belongs to one. */
  event?: string;
  /** The 1-based line it was read from (the DocLine is filled in by the pipeline). */
  line: number;
  /** For a value read from several lines (a retry schedule): the line of each space-separated part. */
  partLines?: number[];
}

/** One difference between a documented fact and what this package records or does. */
export interface FactFinding {
  kind: FactKind;
  subject: string;
  event?: string;
  /** What the doc says now; absent when the doc no longer states the fact. */
  docs?: string;
  /** What this package records or does; absent when it records nothing for this subject. */
  ours?: string;
  /** Where the doc says it (absent when the doc no longer states it). */
  docLine?: DocLine;
  /** The file that holds our side: `schemas/kasko/provider.json`, `src/providers/kasko.ts`, a schema file. */
  file: string;
  /** One sentence for the maintainer: what to check or change. */
  action: string;
}

/** A field a prose property list names (Axitech), before it is placed in a schema. */
export interface PropertyItem {
  /** `envelope` for the Event Object list, else the event whose list it is in. */
  scope: string;
  name: string;
  /** As written: `string`, `object`, `array of objects`… */
  type: string;
  required: boolean;
  /** Marked "Optional" (or "not required"): a schema that requires it refuses deliveries the docs allow. */
  optional: boolean;
  /** The line that carries the Required/Optional marker (the field line or its description). */
  markerLine?: number;
  /** A `Format: '…'` its description states. */
  format?: string;
  line: number;
  /** The line of the description that states the format (or the field line). */
  formatLine: number;
}

/** What the fact extractor of one doc finds. */
export interface ExtractedFacts {
  facts: DocFact[];
  properties: PropertyItem[];
  /** Facts it expected and could not read (a sample in an unknown idiom is a fact, not a problem). */
  problems: string[];
}
