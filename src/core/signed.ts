// What the signature proved about a delivery, kept beside the event rather than in it: the bytes it
// covered. The router keys idempotency on their digest where the delivery id is an unsigned header
// (README, "Threat model"): a hash of the body, not the MAC, so that the same body signed with the
// old and the new secret during a rotation is still one delivery. A WeakMap in core (one per
// process, shared by every entry point): nothing to clean up, the event a handler sees carries no
// signature, and the digest is computed only when a key is asked for.
import { bodyDigest } from './crypto.js';

const signed = new WeakMap<object, string | Uint8Array>();
const digests = new WeakMap<object, string>();

/** Records that the signature of `event`'s delivery covered `body`. */
export function recordSignedBody(event: object, body: string | Uint8Array): void {
  signed.set(event, body);
}

/** The hex SHA-256 of the signed body of `event`, or undefined (unsigned, or not from receive()). */
export function signedDigest(event: object): string | undefined {
  let digest = digests.get(event);
  if (digest === undefined) {
    const body = signed.get(event);
    if (body === undefined) return undefined;
    digests.set(event, (digest = bodyDigest(body)));
  }
  return digest;
}
