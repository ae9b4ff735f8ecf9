// The provider-bound API of each `insurance-webhooks/<provider>` entry point.
import type { EventMaps } from '../../generated/index.js';
import { defaultBackend } from './crypto.js';
import type { EventType, Provider, WebhookEvent } from './event.js';
import type { IncomingWebhook } from './incoming.js';
import { providerValidate } from './provider-api.js';
import type { ProviderDefinition } from './provider.js';
import { receiveSyncWith, receiveWith, type ReceiveOptions } from './receive.js';
import { signWith, type SignInput, type SignOptions } from './sign.js';

/** `sign()` input with the provider's event types suggested (any string is allowed, to test unknown events). */
export type ProviderSignInput<P extends Provider> = Omit<SignInput, 'type'> & { type: EventType<P> | (string & {}) };

export function bindProvider<P extends Provider>(definition: ProviderDefinition<EventMaps[P]>) {
  return {
    /** Validates a parsed payload against one event's schema. */
    validate: providerValidate(definition.catalog),
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
