/**
 * KASKO webhooks: payload types, event catalog, examples and validation.
 *
 * @example
 * import { validate, type KaskoEventMap } from 'insurance-webhooks/kasko';
 * const result = validate('policy.created', JSON.parse(body));
 * if (!result.ok) console.error(result.errors); // [{ path: '/…', message: '…' }]
 */
import { kasko as catalog } from '../../generated/kasko/index.js';
import { providerValidate } from '../core/provider-api.js';
import type { WebhookEvent } from '../core/event.js';

export type * from '../../generated/kasko/types.js';
/** A verified KASKO delivery, discriminated on `type`. */
export type KaskoEvent = WebhookEvent<'kasko'>;
export type { ValidateOptions, ValidationIssue, ValidationResult } from '../core/validation.js';
export { kaskoExamples as examples } from '../../generated/kasko/examples.js';

/** The KASKO catalog: transport (headers) and every event with its provenance. */
export { catalog };

/** Validates a parsed KASKO payload against an event's schema. `options.strict` reports unknown properties. */
export const validate = providerValidate(catalog);
