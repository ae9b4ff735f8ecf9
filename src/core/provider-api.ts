import type { ProviderCatalog } from './types.js';
import { validateEntry, type ValidateOptions, type ValidationResult } from './validation.js';

/** The catalog entry of `type`, or a clear error listing the known types (wrong use by the programmer). */
export function catalogEntry<M>(catalog: ProviderCatalog<M>, type: string) {
  const entry = Object.hasOwn(catalog.events, type) ? catalog.events[type as keyof M & string] : undefined;
  if (!entry) {
    throw new TypeError(
      `insurance-webhooks: "${type}" is not a ${catalog.displayName} event; known: ${Object.keys(catalog.events).join(', ')}`,
    );
  }
  return entry;
}

/** `validate(type, payload, options)` bound to one provider, for the `insurance-webhooks/<provider>` subpaths. */
export function providerValidate<M>(catalog: ProviderCatalog<M>) {
  return function validate<T extends keyof M & string>(type: T, payload: unknown, options?: ValidateOptions): ValidationResult<M[T]> {
    return validateEntry(catalogEntry(catalog, type), payload, options);
  };
}
