// The types a verified delivery has: providers, their event types and payloads (from the generated
// EventMaps), and the WebhookEvent receive() resolves to. Types only.
import type { EventMaps } from '../../generated/index.js';

/** A provider this package covers: `'kasko' | 'insurup' | 'axitech' | 'coverkit'`. */
export type Provider = keyof EventMaps;
/** The event types of a provider, e.g. `EventType<'kasko'>` is `'offer.created' | 'policy.created' | …`. */
export type EventType<P extends Provider> = keyof EventMaps[P] & string;
/** The payload type of one event, e.g. `EventPayload<'kasko', 'policy.created'>` is `KaskoPolicyCreated`. */
export type EventPayload<P extends Provider, T extends EventType<P>> = EventMaps[P][T];

/**
 * A verified, validated delivery: a union discriminated on `type`, so checking the type narrows
 * the payload. `payload` is the whole body as sent (envelope included for CoverKit and Axitech).
 *
 * @example
 * if (event.type === 'policy.created') event.payload.gross_premium; // number
 */
export type WebhookEvent<P extends Provider = Provider> = {
  [Q in P]: {
    [T in EventType<Q>]: {
      provider: Q;
      type: T;
      /** The provider's delivery id (KASKO `X-KASKO-Delivery`, InsurUp `x-webhook-delivery`, CoverKit envelope `id`); Axitech sends none. */
      deliveryId?: string;
      /** The id of the webhook configuration that sent it (InsurUp `x-webhook-id`); undefined for the others. */
      webhookId?: string;
      payload: EventPayload<Q, T>;
    };
  }[EventType<Q>];
}[P];
