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
//
// The fields are stamped onto a plain object literal (a base constructor that returns its
// argument), not onto an instance of a class: the event stays what it always was, a plain object
// (prototype Object.prototype), so `assert.deepStrictEqual`, vitest's `toStrictEqual`, lodash's
// `isPlainObject`/`isEqual` and `util.inspect` treat it as before. Measured: no slower than a class.
import { bodyDigest } from './crypto.js';
import type { WebhookEvent as Event } from './event.js';

let digestOf: (event: object) => string | undefined;

/** Returns the object it is given, so that a subclass's private fields are added to that object. */
class Stamp {
  constructor(target: object) {
    return target;
  }
}

/** The signed body (and its digest, once asked for) in private fields of a plain event object. */
class SignedBody extends Stamp {
  #signed: string | Uint8Array | undefined;
  #digest: string | undefined = undefined;

  constructor(event: object, signed: string | Uint8Array | undefined) {
    super(event);
    this.#signed = signed;
  }

  static {
    digestOf = (event) => {
      if (!(#signed in event) || event.#signed === undefined) return undefined;
      return (event.#digest ??= bodyDigest(event.#signed));
    };
  }
}

/**
 * A new event, a plain object of the five fields a handler sees; `signed` is the body its signature
 * covered, when one was checked (undefined for an unsigned delivery or a re-validated inbox record).
 */
export function verifiedEvent(provider: string, type: string, deliveryId: string | undefined, webhookId: string | undefined, payload: unknown, signed: string | Uint8Array | undefined): Event {
  const event = { provider, type, deliveryId, webhookId, payload };
  new SignedBody(event, signed);
  return event as Event;
}

/** The hex SHA-256 of the signed body of `event`, or undefined (unsigned, or not from receive()). */
export function signedDigest(event: object): string | undefined {
  return digestOf(event);
}
