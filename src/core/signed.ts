// What the signature proved about a delivery, kept beside the event rather than in it: the MAC
// `receive()` verified, which is a digest of the signed bytes computed anyway. The router keys
// idempotency on it where the delivery id is an unsigned header (README, "Threat model"). A
// WeakMap in core (one per process, shared by every entry point): nothing to clean up, and the
// event a handler sees carries no signature.
import { encodeHex } from './crypto.js';

const verified = new WeakMap<object, Uint8Array>();

/** Records that `event` was verified by `mac`. */
export function recordSignedDigest(event: object, mac: Uint8Array): void {
  verified.set(event, mac);
}

/** The verified MAC of `event`'s signed content as hex, or undefined (unsigned, or not from receive()). */
export function signedDigest(event: object): string | undefined {
  const mac = verified.get(event);
  return mac && encodeHex(mac);
}
