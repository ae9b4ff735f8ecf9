import { providers, type EventMaps } from '../generated/index.js';
import { catalogEntry } from './core/provider-api.js';
import type { EventPayload, EventType, Provider } from './core/event.js';
import type { ProviderCatalog } from './core/types.js';
import { validateEntry, type ValidateOptions, type ValidationResult } from './core/validation.js';


/** The catalog of one provider; throws a clear TypeError for a name this package does not cover. */
export function providerCatalog<P extends Provider>(provider: P): ProviderCatalog<EventMaps[P]> {
  if (typeof provider !== 'string' || !Object.hasOwn(providers, provider)) {
    throw new TypeError(`insurance-webhooks: unknown provider "${String(provider)}"; known: ${Object.keys(providers).join(', ')}`);
  }
  return providers[provider] as unknown as ProviderCatalog<EventMaps[P]>;
}

/**
 * Validates a parsed payload against the schema of one provider's event.
 * Production mode accepts properties the provider adds later; `{ strict: true }` reports them.
 *
 * @example
 * const result = validate('kasko', 'policy.created', JSON.parse(body));
 * if (result.ok) result.value.gross_premium; // number
 * else console.error(result.errors);         // [{ path: '/gross_premium', message: 'must be number' }]
 */
export function validate<P extends Provider, T extends EventType<P>>(
  provider: P,
  eventType: T,
  payload: unknown,
  options?: ValidateOptions,
): ValidationResult<EventPayload<P, T>> {
  return validateEntry(catalogEntry(providerCatalog(provider), eventType), payload, options);
}
