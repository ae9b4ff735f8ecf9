// What the signature proved about a delivery, kept inside the event but out of reach: the bytes it
// covered. The router keys idempotency on their digest where the delivery id is an unsigned header
// (README, "Threat model"): a hash of the body, not the MAC, so that the same body signed with the
// old and the new secret during a rotation is still one delivery.
//
// Private fields, not a WeakMap beside the event: a WeakMap entry per delivery is an ephemeron the
// garbage collector must trace on its own, ~8 µs of server CPU per request under load (bench/,
// part 7), twice with the digest cached. A private field is an ordinary slot of the event: a copy
// (`{ ...event }`, structuredClone, JSON) does not carry it, so an event rebuilt by user code with
// another payload has no signed body; util.inspect and the handler's view show only the five
// public fields; the digest is computed only when a key is asked for.
import { bodyDigest } from './crypto.js';
import type { WebhookEvent as Event } from './event.js';

let digestOf: (event: object) => string | undefined;

/**
 * The runtime form of a `WebhookEvent` (event.ts has its types): the five fields a handler sees,
 * plus the signed body when its signature was checked (`signed` undefined for an unsigned
 * delivery or a re-validated inbox record).
 */
class WebhookEvent {
  provider: string;
  type: string;
  deliveryId: string | undefined;
  webhookId: string | undefined;
  payload: unknown;
  #signed: string | Uint8Array | undefined;
  #digest: string | undefined = undefined;

  constructor(provider: string, type: string, deliveryId: string | undefined, webhookId: string | undefined, payload: unknown, signed: string | Uint8Array | undefined) {
    this.provider = provider;
    this.type = type;
    this.deliveryId = deliveryId;
    this.webhookId = webhookId;
    this.payload = payload;
    this.#signed = signed;
  }

  static {
    digestOf = (event) => {
      if (!(#signed in event) || event.#signed === undefined) return undefined;
      return (event.#digest ??= bodyDigest(event.#signed));
    };
  }
}

/** A new event; `signed` is the body its signature covered, when one was checked. */
export function verifiedEvent(provider: string, type: string, deliveryId: string | undefined, webhookId: string | undefined, payload: unknown, signed: string | Uint8Array | undefined): Event {
  return new WebhookEvent(provider, type, deliveryId, webhookId, payload, signed) as unknown as Event;
}

/** The hex SHA-256 of the signed body of `event`, or undefined (unsigned, or not from receive()). */
export function signedDigest(event: object): string | undefined {
  return digestOf(event);
}
