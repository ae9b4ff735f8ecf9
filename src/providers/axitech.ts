/**
 * Axitech webhooks: payload types, event catalog, examples and validation.
 *
 * @example
 * import { validate, type AxitechEventMap } from 'insurance-webhooks/axitech';
 * const result = validate('session.submitted', JSON.parse(body));
 * if (!result.ok) console.error(result.errors); // [{ path: '/…', message: '…' }]
 */
import { axitech as catalog } from '../../generated/axitech/index.js';
import { providerValidate } from '../core/provider-api.js';
import type { WebhookEvent } from '../core/event.js';

export type * from '../../generated/axitech/types.js';
/** A verified Axitech delivery, discriminated on `type`. */
export type AxitechEvent = WebhookEvent<'axitech'>;
export type { ValidateOptions, ValidationIssue, ValidationResult } from '../core/validation.js';
export { axitechExamples as examples } from '../../generated/axitech/examples.js';

/** The Axitech catalog: transport (headers) and every event with its provenance. */
export { catalog };

/** Validates a parsed Axitech payload against an event's schema. `options.strict` reports unknown properties. */
export const validate = providerValidate(catalog);
