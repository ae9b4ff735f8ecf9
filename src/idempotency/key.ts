// Bounded storage keys: a delivery id is whatever the provider sent (a 16 KB envelope id is
// authentic if it is signed), and a store keeps each key for days. Long keys are replaced by their
// SHA-256 (src/core/sha256.ts: synchronous, the same on every runtime).
import { sha256 } from '../core/sha256.js';

/** Keys longer than this many UTF-16 code units are stored as `sha256:<64 hex digits>` (71 characters). */
export const MAX_KEY_LENGTH = 200;

const HASHED = 'sha256:';

/**
 * The key a store keeps for an idempotency key: the key itself when it has at most
 * `MAX_KEY_LENGTH` code units, else `sha256:` + the hex SHA-256 of its UTF-16LE code units (every
 * string, lone surrogates included, has its own bytes; UTF-8 would map them all to U+FFFD). A
 * short key that itself starts with `sha256:` is hashed too, so it can never equal a long key's
 * digest. Throws a `TypeError` for a non-string.
 *
 * @example
 * storageKey('kasko:4f1c…'); // 'kasko:4f1c…' (unchanged)
 * storageKey('kasko:' + 'x'.repeat(16_384)); // 'sha256:…' (71 characters)
 */
export function storageKey(key: string): string {
  if (typeof key !== 'string') throw new TypeError(`insurance-webhooks: an idempotency key must be a string, not ${typeof key}`);
  if (key.length <= MAX_KEY_LENGTH && !key.startsWith(HASHED)) return key;
  const bytes = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    bytes[2 * i] = unit & 0xff;
    bytes[2 * i + 1] = unit >>> 8;
  }
  let hex = '';
  for (const byte of sha256(bytes)) hex += byte.toString(16).padStart(2, '0');
  return HASHED + hex;
}
