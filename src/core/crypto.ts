// HMAC on Node's crypto where it exists (synchronous, fastest) and on Web Crypto elsewhere
// (Workers, Deno, Bun, edge runtimes). Node's module is reached through process.getBuiltinModule,
// so bundles for the web never import node:crypto.

/** The HMAC hashes both Node's crypto and Web Crypto provide (Web Crypto has no SHA-224). */
export type HmacAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface CryptoBackend {
  readonly name: 'node' | 'web';
  /** HMAC of `prefix` (UTF-8) followed by `body` (UTF-8 when a string). Synchronous on Node. */
  hmac(algorithm: HmacAlgorithm, secret: string, prefix: string, body: string | Uint8Array): Uint8Array | Promise<Uint8Array>;
}

interface NodeCrypto {
  createSecretKey(key: Uint8Array): unknown;
  createHash(algorithm: 'sha256'): { update(data: string | Uint8Array, encoding?: 'utf8'): { digest(encoding: 'hex'): string } };
  /** One-shot digest (Node 20.12+ and 21.7+); strings are hashed as UTF-8. */
  hash?(algorithm: 'sha256', data: string | Uint8Array, outputEncoding: 'hex'): string;
  createHmac(algorithm: string, key: unknown): {
    update(data: string | Uint8Array, encoding?: 'utf8'): { update: NodeHmacUpdate; digest(): Uint8Array };
  };
}
type NodeHmacUpdate = (data: string | Uint8Array, encoding?: 'utf8') => { update: NodeHmacUpdate; digest(): Uint8Array };

import { sha256 } from './sha256.js';

const NODE_NAMES = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;
const encoder = new TextEncoder();

export function nodeBackend(nodeCrypto: NodeCrypto): CryptoBackend {
  // Node derives a key object from a string key on every createHmac; keeping one per secret saves
  // about a tenth of the whole receive(). Bounded: secrets are configuration, not input.
  const keys = new Map<string, unknown>();
  const keyFor = (secret: string) => {
    let key = keys.get(secret);
    if (key === undefined) {
      if (keys.size >= 64) keys.clear();
      keys.set(secret, (key = nodeCrypto.createSecretKey(encoder.encode(secret))));
    }
    return key;
  };
  return {
    name: 'node',
    hmac(algorithm, secret, prefix, body) {
      const mac = nodeCrypto.createHmac(NODE_NAMES[algorithm], keyFor(secret));
      if (prefix) mac.update(prefix, 'utf8');
      return mac.update(body, 'utf8').digest();
    },
  };
}

/** The part of Web Crypto's `SubtleCrypto` that is used (structural, so no DOM types are needed). */
export interface SubtleHmac {
  importKey(format: 'raw', key: Uint8Array, algorithm: { name: 'HMAC'; hash: HmacAlgorithm }, extractable: false, usages: ['sign']): Promise<unknown>;
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}

export function webBackend(subtle: SubtleHmac = (globalThis as unknown as { crypto: { subtle: SubtleHmac } }).crypto.subtle): CryptoBackend {
  // Importing a key is the slow part of Web Crypto HMAC; keep one per secret and algorithm.
  const keys = new Map<string, Promise<unknown>>();
  const keyFor = (algorithm: HmacAlgorithm, secret: string) => {
    const id = `${algorithm}\u0000${secret}`;
    let key = keys.get(id);
    if (!key) {
      if (keys.size >= 64) keys.clear();
      key = subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: algorithm }, false, ['sign']);
      keys.set(id, key);
    }
    return key;
  };
  return {
    name: 'web',
    async hmac(algorithm, secret, prefix, body) {
      const bodyBytes = typeof body === 'string' ? encoder.encode(body) : body;
      let message = bodyBytes;
      if (prefix) {
        const head = encoder.encode(prefix);
        message = new Uint8Array(head.length + bodyBytes.length);
        message.set(head);
        message.set(bodyBytes, head.length);
      }
      return new Uint8Array(await subtle.sign('HMAC', await keyFor(algorithm, secret), message));
    },
  };
}

type GetBuiltin = (id: string) => unknown;
const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;
const nodeCrypto = getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
const oneShotHash = typeof nodeCrypto?.hash === 'function' ? nodeCrypto.hash.bind(nodeCrypto) : undefined;

/**
 * The hex SHA-256 of a body (a string as its UTF-8 bytes), synchronously: Node's crypto where it
 * exists, else plain JavaScript (sha256.ts).
 *
 * @example
 * bodyDigest('{}'); // '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
 */
export function bodyDigest(body: string | Uint8Array): string {
  // The one-shot form where Node has it: no Hash object per delivery, ~0.5 µs of the router's key.
  if (oneShotHash) return oneShotHash('sha256', body, 'hex');
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(body, 'utf8').digest('hex');
  return encodeHex(sha256(typeof body === 'string' ? encoder.encode(body) : body));
}

/** The backend `receive()` and `sign()` use: Node's crypto when present, else Web Crypto. */
export const defaultBackend: CryptoBackend = nodeCrypto ? nodeBackend(nodeCrypto) : webBackend();

/** Compares two MACs in time that depends only on their length (which is public). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** The value of each character of `digits` at its code unit (all below 128), -1 for every other. */
function digitValues(digits: string): Int8Array {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < digits.length; i++) values[digits.charCodeAt(i)] = i;
  return values;
}

const HEX_LOWER = digitValues('0123456789abcdef');
const HEX_ANY_CASE = digitValues('0123456789ABCDEF');
HEX_ANY_CASE.set(HEX_LOWER.subarray(0x61, 0x67), 0x61);
const BASE64_VALUES = digitValues('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const valueIn = (table: Int8Array, code: number) => (code < 128 ? table[code]! : -1);

/**
 * Which hex digits a scheme accepts: `'lower'`, what every HMAC library writes (PHP `hash_hmac`,
 * Node `digest('hex')`, Python `hexdigest()`) and what a sample comparing strings with `!==`
 * accepts; `'any'` where the provider's own sample folds case (InsurUp's C# lower-cases the value).
 */
export type HexCase = 'lower' | 'any';

/**
 * Hex to bytes; undefined unless `text` is exactly `2 × length` digits of `hexCase`. One spelling
 * per MAC under `'lower'` (a MAC written another way is not the MAC the provider sent). On the hot
 * path: no regex, no substrings.
 *
 * @example
 * decodeHex('0aff', 2);          // Uint8Array [10, 255]
 * decodeHex('0AFF', 2);          // undefined
 * decodeHex('0AFF', 2, 'any');   // Uint8Array [10, 255]
 */
export function decodeHex(text: string, length: number, hexCase: HexCase = 'lower'): Uint8Array | undefined {
  if (text.length !== length * 2) return undefined;
  const table = hexCase === 'any' ? HEX_ANY_CASE : HEX_LOWER;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const high = valueIn(table, text.charCodeAt(2 * i));
    const low = valueIn(table, text.charCodeAt(2 * i + 1));
    if ((high | low) < 0) return undefined;
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

/**
 * Standard Base64 (RFC 4648 §4, the alphabet with `+` and `/`) to bytes, in its canonical spelling
 * only: undefined unless `text` is exactly the `4 × ⌈length / 3⌉` characters that Java's
 * `Base64.getEncoder()`, Node's `toString('base64')` and `btoa` write for `length` bytes, `=` padding
 * included, with the unused low bits of the last character zero (RFC 4648 §3.5). `atob` would also
 * take the value unpadded, with whitespace, or with other low bits: several spellings of one MAC.
 *
 * @example
 * decodeBase64('AP8=', 2); // Uint8Array [0, 255]
 * decodeBase64('AP8', 2);  // undefined (padding missing)
 * decodeBase64('AP9=', 2); // undefined (unused bits set)
 */
export function decodeBase64(text: string, length: number): Uint8Array | undefined {
  const size = Math.ceil(length / 3) * 4;
  const padding = size - Math.ceil((length * 4) / 3);
  if (text.length !== size) return undefined;
  for (let i = size - padding; i < size; i++) if (text.charCodeAt(i) !== 0x3d) return undefined;
  const bytes = new Uint8Array(length);
  let buffer = 0;
  let bits = 0;
  let out = 0;
  for (let i = 0; i < size - padding; i++) {
    const value = valueIn(BASE64_VALUES, text.charCodeAt(i));
    if (value < 0) return undefined;
    buffer = ((buffer << 6) | value) & 0xfff; // at most 6 bits left over + 6 new
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = buffer >> bits;
    }
  }
  return (buffer & ((1 << bits) - 1)) === 0 ? bytes : undefined;
}

export function encodeHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
