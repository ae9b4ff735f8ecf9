// The root entry's API: each provider's bound API (src/core/provider-api.ts), addressed by the
// provider's name through the registry (src/providers/index.ts). Nothing here is provider-specific.
import type { EventMaps } from '../generated/index.js';
import { UsageError } from './core/errors.js';
import type { EventPayload, EventType, Provider, WebhookEvent } from './core/event.js';
import type { IncomingWebhook } from './core/incoming.js';
import { bindProvider, type ProviderApi, type ProviderSignInput } from './core/provider-api.js';
import type { ProviderDefinition } from './core/provider.js';
import type { ReceiveOptions } from './core/receive.js';
import type { SignOptions } from './core/sign.js';
import type { ProviderCatalog } from './core/types.js';
import type { ValidateOptions, ValidationResult } from './core/validation.js';
import { definitions } from './providers/index.js';

const apis = Object.fromEntries(Object.entries(definitions).map(([name, definition]) => [name, bindProvider(definition as never)]));

function known(provider: unknown): asserts provider is Provider {
  if (typeof provider !== 'string' || !Object.hasOwn(definitions, provider)) {
    throw new UsageError(`insurance-webhooks: unknown provider "${String(provider)}"; known: ${Object.keys(definitions).join(', ')}`);
  }
}

/** The runtime definition of a provider; a UsageError listing the known names for any other. */
export function providerDefinition<P extends Provider>(provider: P): ProviderDefinition<EventMaps[P]> {
  known(provider);
  return definitions[provider] as unknown as ProviderDefinition<EventMaps[P]>;
}

/**
 * The catalog of one provider (transport, and every event with its provenance); a UsageError
 * (a TypeError) listing the known names for a provider this package does not cover.
 *
 * @example
 * Object.keys(providerCatalog('kasko').events); // ['offer.created', …, 'policy.created']
 */
export function providerCatalog<P extends Provider>(provider: P): ProviderCatalog<EventMaps[P]> {
  return providerDefinition(provider).catalog;
}

/** The bound API of a provider, by name. */
function api<P extends Provider>(provider: P): ProviderApi<P> {
  known(provider);
  return apis[provider] as ProviderApi<P>;
}

/**
 * Validates a parsed payload against the schema of one provider's event.
 * Production mode accepts properties the provider adds later; `{ strict: true }` reports them.
 * An unknown provider or event type throws a UsageError listing the known names.
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
  return api(provider).validate(eventType, payload, options) as ValidationResult<EventPayload<P, T>>;
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
  return api(provider).receive(incoming, options);
}

/**
 * `receive()` without a Promise, for Node (its crypto is synchronous). Throws a `WebhookError`.
 *
 * @example
 * const event = receiveSync('insurup', { body, headers }, { secret });
 */
export function receiveSync<P extends Provider>(provider: P, incoming: IncomingWebhook, options: ReceiveOptions): WebhookEvent<P> {
  return api(provider).receiveSync(incoming, options);
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
  return api(provider).sign(input, secret, options);
}
