// Validating a parsed payload with an event's precompiled validator: ajv's errors become bounded
// ValidationIssues (JSON Pointer path, printable message), strict mode reporting unknown properties.
import type { EventCatalogEntry, SchemaValidationError, SchemaValidator } from './types.js';

/** One reason a payload does not match its schema. `path` is a JSON Pointer to the field (`/premiums/0/grossPremium`). */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

export interface ValidateOptions {
  /** Report properties the schema does not describe (for contract tests and drift detection). Default false. */
  strict?: boolean;
}

import { escapePointer } from './pointer.js';

export { escapePointer };

function toIssue(error: SchemaValidationError): ValidationIssue {
  const issue = issueOf(error);
  return boundedIssue(issue.path, issue.message);
}

/**
 * An issue whose path and message fit an answer and a log line: paths hold property names from the
 * request, so each is cut at 200 characters (still a JSON Pointer when shorter).
 */
export function boundedIssue(path: string, message: string): ValidationIssue {
  return { path: path.length > MAX_TEXT ? `${path.slice(0, MAX_TEXT)}…` : path, message: message.length > MAX_TEXT ? `${message.slice(0, MAX_TEXT)}…` : message };
}

function issueOf(error: SchemaValidationError): ValidationIssue {
  const { keyword, params, instancePath } = error;
  switch (keyword) {
    case 'required':
      return { path: `${instancePath}/${escapePointer(String(params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return {
        path: `${instancePath}/${escapePointer(String(params.additionalProperty))}`,
        message: 'is not described by the schema (strict mode)',
      };
    case 'const':
      return { path: instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path: instancePath, message: error.message ?? `fails "${keyword}"` };
  }
}

/**
 * Most schema errors a validator records (scripts/lib/validators.ts builds them so): past it, a
 * refusal is decided without recording more, so its cost stays linear in the body's size.
 */
export const MAX_SCHEMA_ERRORS = 100;
/** Most issues listed in a refusal; the rest are counted in one last issue. */
export const MAX_LISTED_ISSUES = 20;
/** Longest path or message text taken into an issue (a property name comes from the request). */
const MAX_TEXT = 200;

/**
 * Text from a request, fit for a message or a log line: control and line-separator characters
 * escaped as `\uXXXX`, at most `max` characters (then `…`).
 *
 * @example
 * printable('policy\u0000created\n'); // 'policy\\u0000created\\u000a'
 */
export function printable(text: string, max = MAX_TEXT): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Maps ajv's errors to `{ path, message }` pairs that name the field: at most `MAX_LISTED_ISSUES`,
 * then one issue saying how many more (at least, when the validator stopped recording).
 */
export function issuesOf(validator: SchemaValidator): ValidationIssue[] {
  const errors = validator.errors ?? [];
  const listed = errors.slice(0, MAX_LISTED_ISSUES).map(toIssue);
  const more = errors.length - listed.length;
  if (more > 0) listed.push({ path: '', message: `and ${errors.length >= MAX_SCHEMA_ERRORS ? 'at least ' : ''}${more} more` });
  return listed;
}

/** Runs the production or strict validator of one catalog entry. */
export function validateEntry<T>(entry: EventCatalogEntry, payload: unknown, options?: ValidateOptions): ValidationResult<T> {
  const validator = options?.strict ? entry.validateStrict : entry.validate;
  return validator(payload) ? { ok: true, value: payload as T } : { ok: false, errors: issuesOf(validator) };
}
