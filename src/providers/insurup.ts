/**
 * InsurUp webhooks: payload types, event catalog, examples and validation.
 *
 * @example
 * import { validate, type InsurupEventMap } from 'insurance-webhooks/insurup';
 * const result = validate('proposal_premium.received', JSON.parse(body));
 * if (!result.ok) console.error(result.errors); // [{ path: '/…', message: '…' }]
 */
import { insurup as catalog } from '../../generated/insurup/index.js';
import { providerValidate } from '../core/provider-api.js';
import type { WebhookEvent } from '../core/event.js';

export type * from '../../generated/insurup/types.js';
/** A verified InsurUp delivery, discriminated on `type`. */
export type InsurupEvent = WebhookEvent<'insurup'>;
export type { ValidateOptions, ValidationIssue, ValidationResult } from '../core/validation.js';
export { insurupExamples as examples } from '../../generated/insurup/examples.js';

/** The InsurUp catalog: transport (headers) and every event with its provenance. */
export { catalog };

/** Validates a parsed InsurUp payload against an event's schema. `options.strict` reports unknown properties. */
export const validate = providerValidate(catalog);
