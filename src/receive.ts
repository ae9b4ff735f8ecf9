import type { EventMaps } from '../generated/index.js';
import { defaultBackend } from './core/crypto.js';
import type { Provider, WebhookEvent } from './core/event.js';
import type { IncomingWebhook } from './core/incoming.js';
import type { ProviderDefinition } from './core/provider.js';
import { receiveSyncWith, receiveWith, UsageError, type ReceiveOptions } from './core/receive.js';
import { signWith, type SignOptions } from './core/sign.js';
import type { ProviderSignInput } from './core/bind.js';
import { definitions } from './providers/index.js';

/** The runtime definition of a provider; a UsageError for a name this package does not cover. */
export function providerDefinition<P extends Provider>(provider: P): ProviderDefinition<EventMaps[P]> {
  if (typeof provider !== 'string' || !Object.hasOwn(definitions, provider)) {
    throw new UsageError(`insurance-webhooks: unknown provider "${String(provider)}"; known: ${Object.keys(definitions).join(', ')}`);
  }
  return definitions[provider] as unknown as ProviderDefinition<EventMaps[P]>;
}

/**
 * Proves a delivery came from the provider (signature on the raw bytes, replay window where a
 * timestamp is signed), then parses and validates it into a typed event. Rejects with a
 * `WebhookError` whose `code` says why; wrong use (unknown provider, empty secret) throws at once.
 *
 * @example
 * const event = await receive('kasko', { body: rawBody, headers: req.headers }, { secret });
 * if (event.type === 'policy.created') event.payload.gross_premium; // number
 */
export function receive<P extends Provider>(provider: P, incoming: IncomingWebhook, options: ReceiveOptions): Promise<WebhookEvent<P>> {
  return receiveWith(defaultBackend, providerDefinition(provider), incoming, options) as Promise<WebhookEvent<P>>;
}

/**
 * `receive()` without a Promise, for Node (its crypto is synchronous). Throws a `WebhookError`.
 *
 * @example
 * const event = receiveSync('insurup', { body, headers }, { secret });
 */
export function receiveSync<P extends Provider>(provider: P, incoming: IncomingWebhook, options: ReceiveOptions): WebhookEvent<P> {
  return receiveSyncWith(defaultBackend, providerDefinition(provider), incoming, options) as WebhookEvent<P>;
}

/**
 * The headers the provider would send with `body`, signed with `secret` (the first, if several).
 * Send exactly the same body bytes.
 *
 * @example
 * const body = JSON.stringify(examples.kasko['policy.created']);
 * const headers = await sign('kasko', { type: 'policy.created', body }, secret);
 * await fetch(url, { method: 'POST', headers, body });
 */
export function sign<P extends Provider>(
  provider: P,
  input: ProviderSignInput<P>,
  secret: string | readonly string[],
  options?: SignOptions,
): Promise<Record<string, string>> {
  return signWith(defaultBackend, providerDefinition(provider), input, secret, options);
}
