// The public API of one provider — validate, receive, receiveSync, sign — bound to its definition.
// The only implementation: each `insurance-webhooks/<provider>` entry exports it as it is, and the
// root entry (src/root-api.ts) looks the definition up by name and calls the same functions.
import type { EventMaps } from '../../generated/index.js';
import { defaultBackend } from './crypto.js';
import { UsageError } from './errors.js';
import type { EventType, Provider, WebhookEvent } from './event.js';
import type { IncomingWebhook } from './incoming.js';
import type { ProviderDefinition } from './provider.js';
import { receiveSyncWith, receiveWith, type ReceiveOptions } from './receive.js';
import { signWith, type SignInput, type SignOptions } from './sign.js';
import type { ProviderCatalog } from './types.js';
import { validateEntry, type ValidateOptions, type ValidationResult } from './validation.js';

/** `sign()` input with the provider's event types suggested (any string is allowed, to test unknown events). */
export type ProviderSignInput<P extends Provider> = Omit<SignInput, 'type'> & { type: EventType<P> | (string & {}) };

/**
 * The catalog entry of `type`; a `UsageError` listing the known types for any other name (wrong use
 * by the programmer, not bad input).
 *
 * @example
 * catalogEntry(kasko, 'policy.deleted'); // throws UsageError: "policy.deleted" is not a KASKO event; known: …
 */
export function catalogEntry<M>(catalog: ProviderCatalog<M>, type: string) {
  const entry = Object.hasOwn(catalog.events, type) ? catalog.events[type as keyof M & string] : undefined;
  if (!entry) {
    throw new UsageError(`insurance-webhooks: "${type}" is not a ${catalog.displayName} event; known: ${Object.keys(catalog.events).join(', ')}`);
  }
  return entry;
}

/**
 * `validate`, `receive`, `receiveSync` and `sign` of one provider (see their doc comments in
 * src/root-api.ts, where they take the provider's name first).
 *
 * @example
 * export const { validate, receive, receiveSync, sign } = bindProvider<'kasko'>(definition);
 */
export function bindProvider<P extends Provider>(definition: ProviderDefinition<EventMaps[P]>) {
  type M = EventMaps[P];
  return {
    /** Validates a parsed payload against one event's schema; `{ strict: true }` reports unknown properties. */
    validate<T extends keyof M & string>(type: T, payload: unknown, options?: ValidateOptions): ValidationResult<M[T]> {
      return validateEntry<M[T]>(catalogEntry(definition.catalog, type), payload, options);
    },
    /** Verifies, parses and validates a delivery; rejects with a WebhookError. */
    receive: (incoming: IncomingWebhook, options: ReceiveOptions) =>
      receiveWith(defaultBackend, definition, incoming, options) as Promise<WebhookEvent<P>>,
    /** `receive()` without a Promise, on Node's crypto; throws a WebhookError. */
    receiveSync: (incoming: IncomingWebhook, options: ReceiveOptions) =>
      receiveSyncWith(defaultBackend, definition, incoming, options) as WebhookEvent<P>,
    /** The headers the provider would send with `body`. */
    sign: (input: ProviderSignInput<P>, secret: string | readonly string[], options?: SignOptions) =>
      signWith(defaultBackend, definition, input, secret, options),
  };
}

/** The bound API of one provider. */
export type ProviderApi<P extends Provider> = ReturnType<typeof bindProvider<P>>;
