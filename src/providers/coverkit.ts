/**
 * CoverKit webhooks: payload types, event catalog, examples and validation.
 *
 * @example
 * import { validate, type CoverkitEventMap } from 'insurance-webhooks/coverkit';
 * const result = validate('policy.created', JSON.parse(body));
 * if (!result.ok) console.error(result.errors); // [{ path: '/…', message: '…' }]
 */
import { coverkit as catalog } from '../../generated/coverkit/index.js';
import { providerValidate } from '../core/provider-api.js';
import type { WebhookEvent } from '../core/event.js';

export type * from '../../generated/coverkit/types.js';
/** A verified CoverKit delivery, discriminated on `type`. */
export type CoverkitEvent = WebhookEvent<'coverkit'>;
export type { ValidateOptions, ValidationIssue, ValidationResult } from '../core/validation.js';
export { coverkitExamples as examples } from '../../generated/coverkit/examples.js';

/** The CoverKit catalog: transport (headers) and every event with its provenance. */
export { catalog };

/** Validates a parsed CoverKit payload against an event's schema. `options.strict` reports unknown properties. */
export const validate = providerValidate(catalog);
