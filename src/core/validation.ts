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

/** One JSON Pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. */
export const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function toIssue(error: SchemaValidationError): ValidationIssue {
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

/** Maps ajv's errors to `{ path, message }` pairs that name the field. */
export function issuesOf(validator: SchemaValidator): ValidationIssue[] {
  return (validator.errors ?? []).map(toIssue);
}

/** Runs the production or strict validator of one catalog entry. */
export function validateEntry<T>(entry: EventCatalogEntry, payload: unknown, options?: ValidateOptions): ValidationResult<T> {
  const validator = options?.strict ? entry.validateStrict : entry.validate;
  return validator(payload) ? { ok: true, value: payload as T } : { ok: false, errors: issuesOf(validator) };
}
