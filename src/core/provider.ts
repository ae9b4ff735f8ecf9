// A provider as the runtime sees it: its generated catalog (transport + events) and its signature
// scheme. Each provider module makes one with defineProvider(); nothing else is provider-specific.
import type { HeaderBag } from './incoming.js';
import { readHeader } from './incoming.js';
import { valueAt } from './pointer.js';
import type { SignatureScheme } from './signature.js';
import type { Location, ProviderCatalog } from './types.js';

/** Any event payload of the provider (`unknown` for a definition whose events are not known statically). */
export type AnyPayload<EventMap> = unknown extends EventMap ? unknown : EventMap[keyof EventMap];

export interface ProviderDefinition<EventMap = unknown> {
  readonly name: string;
  readonly catalog: ProviderCatalog<EventMap>;
  readonly signature: SignatureScheme;
  /** A fresh delivery id in the provider's own format, for `sign()`. */
  newDeliveryId(): string;
  /** A webhook (configuration) id for `sign()` where the provider sends one in a header; undefined otherwise. */
  newWebhookId(): string | undefined;
  /**
   * The delivery id header of a test delivery of `type` pinned to the documented example
   * (`createDelivery` `identity: 'example'`, CLI `--keep-ids`): the same on every call, different
   * for each event type; undefined where the provider sends no such header.
   */
  exampleDeliveryId(type: string): string | undefined;
  /**
   * `payload` (a documented example) with fresh values in every body field the receiver's default
   * idempotency key (`defaultIdempotencyKey`) is built from, so that a generated test delivery is a
   * new event rather than a duplicate of the last one; `now` is the creation time it may carry. The
   * payload is not modified and the result still validates. Where the delivery id is an unsigned
   * header (KASKO, InsurUp) that is a body field too, since the key is the signed body's digest.
   */
  freshIdentity<Payload extends AnyPayload<EventMap>>(payload: Payload, now: Date): Payload;
  /**
   * The idempotency key of a delivery that carries no delivery id, from its body; undefined when
   * the body does not hold what the key is made of (it may be a payload the schema refused), and
   * for providers that always send a delivery id.
   */
  bodyIdempotencyKey(payload: unknown): string | undefined;
}

/** Reads a transport location (provider.json) from the headers or the parsed body: a string, or undefined. */
export function readLocation(location: Location | undefined, headers: HeaderBag, body: unknown): string | undefined {
  if (!location) return undefined;
  if (location.in === 'header') return readHeader(headers, location.header);
  const value = valueAt(body, location.pointer);
  return typeof value === 'string' ? value : undefined;
}

/**
 * What makes a test delivery of the provider a new event, or a duplicate: the provider's knowledge
 * of what its receivers deduplicate on (README, "Idempotency").
 */
export interface DeliveryIdentity<EventMap> {
  /** A fresh delivery id in the provider's own format (the header, or the body id where it is one). */
  newDeliveryId: () => string;
  /** See `ProviderDefinition.exampleDeliveryId`; required when the delivery id is a header. */
  exampleDeliveryId?: (type: string) => string;
  /** A webhook id in the provider's format; required when provider.json has a `webhookId` header. */
  newWebhookId?: () => string;
  /**
   * See `ProviderDefinition.freshIdentity`. Generic, so that the result has the type of the event
   * it was given: with several events, a non-generic union would mix one event's envelope with
   * another's `data` when the body is spread.
   */
  freshIdentity: <Payload extends AnyPayload<EventMap>>(payload: Payload, now: Date) => Payload;
  /** See `ProviderDefinition.bodyIdempotencyKey`; for providers that send no delivery id. */
  bodyIdempotencyKey?: (payload: unknown) => string | undefined;
}

/**
 * Declares a provider from its generated catalog, signature scheme and delivery identity.
 *
 * @example
 * export const definition = defineProvider(kasko, bodyHmac({ name: 'kasko-hmac-sha1', algorithm: 'SHA-1', encodings: ['hex'], label: 'sha1=' }), {
 *   newDeliveryId: () => randomHex(16),
 *   exampleDeliveryId: (type) => stableHex(`kasko ${type}`, 16),
 *   freshIdentity: (payload) => ({ ...payload, id: `lpol_${randomAlphanumeric(28)}` }),
 * });
 */
export function defineProvider<EventMap>(
  catalog: ProviderCatalog<EventMap>,
  signature: SignatureScheme,
  identity: DeliveryIdentity<EventMap>,
): ProviderDefinition<EventMap> {
  if (catalog.transport.signature.scheme !== signature.name) {
    throw new Error(`${catalog.name}: provider.json names scheme "${catalog.transport.signature.scheme}", the module implements "${signature.name}"`);
  }
  // Without it, a pinned delivery would get a fresh header id and never be a duplicate.
  if (catalog.transport.deliveryId?.in === 'header' && identity.exampleDeliveryId === undefined) {
    throw new Error(`${catalog.name}: the delivery id is a header, so the module must give an exampleDeliveryId`);
  }
  if (catalog.transport.webhookId?.in === 'header' && identity.newWebhookId === undefined) {
    throw new Error(`${catalog.name}: the webhook id is a header, so the module must give a newWebhookId`);
  }
  const { newDeliveryId, exampleDeliveryId = () => undefined, newWebhookId = () => undefined, freshIdentity, bodyIdempotencyKey = () => undefined } = identity;
  return { name: catalog.name, catalog, signature, newDeliveryId, exampleDeliveryId, newWebhookId, freshIdentity, bodyIdempotencyKey };
}

/**
 * `now` as `YYYY-MM-DDTHH:mm:ssZ` (UTC, whole seconds): the shape of CoverKit's `createdAt` and of
 * Axitech's documented `created_at` example.
 *
 * @example
 * utcSeconds(new Date(Date.UTC(2024, 11, 20, 12, 0, 0, 750))); // '2024-12-20T12:00:00Z'
 */
export function utcSeconds(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

/**
 * `bytes` bytes as lower-case hex, always the same for the same `text` and different for different
 * ones (FNV-1a, 32 bits per block, each block seeded with its index): fixed ids for pinned test
 * deliveries. Not a cryptographic hash.
 *
 * @example
 * stableHex('kasko offer.created', 16); // 32 hex digits, the same on every run
 */
export function stableHex(text: string, bytes: number): string {
  let out = '';
  for (let block = 0; out.length < bytes * 2; block++) {
    let hash = 0x811c9dc5;
    for (const char of `${block}:${text}`) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
    out += hash.toString(16).padStart(8, '0');
  }
  return out.slice(0, bytes * 2);
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` random characters from A–Z, a–z and 0–9 (rejection sampling, so each is equally likely).
 *
 * @example
 * randomAlphanumeric(20); // e.g. 'q3VJx0bT9mKcW2rLpA7e', the shape of Axitech's sessionId
 */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of globalThis.crypto.getRandomValues(new Uint8Array(length))) {
      // 248 = 4 × 62: bytes from 248 up would favour the first characters.
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

/** `bytes` random bytes as lower-case hex (KASKO's GUID-without-dashes delivery ids are 16 bytes). */
export function randomHex(bytes: number): string {
  const buffer = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const byte of buffer) out += byte.toString(16).padStart(2, '0');
  return out;
}
