// Signature schemes: what a provider signs and how the signature header is spelled. Providers pick
// or define one in their module; users may pass their own (CoverKit's scheme is undocumented).
import { decodeBase64, decodeHex, encodeBase64, encodeHex, type HexCase, type HmacAlgorithm } from './crypto.js';

/** The parts of a request, other than the body, that a scheme may sign. */
export interface SignedRequest {
  /** Upper-cased request method. */
  method: string;
  url: string;
  /** The signed timestamp exactly as sent, where the scheme signs one. */
  timestamp: string | undefined;
}

export interface ParsedSignature {
  /** The MACs the header claims; a match with any of them verifies the delivery. */
  macs: Uint8Array[];
  /** The timestamp carried inside the signature header (`t=` schemes). */
  timestamp?: string;
}

export interface SignatureScheme {
  /** Matches `signature.scheme` in the provider's provider.json. */
  readonly name: string;
  readonly algorithm: HmacAlgorithm;
  /** The scheme signs the method and URL, so `receive()` needs `incoming.url`. */
  readonly signsRequestLine?: boolean;
  /** Where the signed timestamp travels: the transport's timestamp header, or inside the signature header. */
  readonly timestamp?: 'header' | 'signature';
  /**
   * The header holds comma-separated parts (`t=…,v1=…,v1=…`): read whole, repeats joined, and left
   * to `parse`. Otherwise it holds one value, and repeats of it are checked like any header's.
   */
  readonly listValued?: boolean;
  /** Decodes a signature header value; undefined when it cannot be a signature of this scheme. */
  parse(value: string): ParsedSignature | undefined;
  /** What is signed before the raw body (empty when only the body is signed). */
  prefix(request: SignedRequest): string;
  /** The signature header value for a MAC (used by `sign()`). */
  format(mac: Uint8Array, request: SignedRequest): string;
}

/** The length of each algorithm's MAC, in bytes: a header value of another length is refused before any HMAC is computed. */
export const MAC_BYTES: Record<HmacAlgorithm, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export type MacEncoding = 'hex' | 'base64';
const ENCODE: Record<MacEncoding, (bytes: Uint8Array) => string> = { hex: encodeHex, base64: encodeBase64 };

export interface BodyHmacOptions {
  name: string;
  algorithm: HmacAlgorithm;
  /** Encodings accepted on receipt, in order; `sign()` uses the first. Base64 is the padded standard form. */
  encodings: readonly MacEncoding[];
  /** Hex digits accepted (default `'lower'`, as HMAC libraries write them; `sign()` writes lower case). */
  hexCase?: HexCase;
  /** A literal before the encoded MAC, e.g. `sha1=`. */
  label?: string;
  /** Accept the value with or without the label; `sign()` then writes it without. */
  labelOptional?: boolean;
}

/**
 * HMAC of the raw body alone, header value `[label]<encoded MAC>`. Each encoding is decoded exactly
 * (crypto.ts, `decodeHex` and `decodeBase64`): one spelling per MAC and encoding.
 *
 * @example
 * const scheme = bodyHmac({ name: 'my-sha256', algorithm: 'SHA-256', encodings: ['hex'], label: 'sha256=' });
 */
export function bodyHmac(options: BodyHmacOptions): SignatureScheme {
  const { name, algorithm, encodings, label = '', labelOptional = false, hexCase = 'lower' } = options;
  const length = MAC_BYTES[algorithm];
  const decode = (encoding: MacEncoding, text: string) => (encoding === 'hex' ? decodeHex(text, length, hexCase) : decodeBase64(text, length));
  return {
    name,
    algorithm,
    parse(value) {
      let encoded = value;
      if (label && value.startsWith(label)) encoded = value.slice(label.length);
      else if (label && !labelOptional) return undefined;
      for (const encoding of encodings) {
        const mac = decode(encoding, encoded);
        if (mac) return { macs: [mac] };
      }
      return undefined;
    },
    prefix: () => '',
    format: (mac) => (labelOptional ? '' : label) + ENCODE[encodings[0]!](mac),
  };
}

/**
 * The `t=<unix seconds>,v1=<hex>` scheme (Stripe's shape): HMAC-SHA256 of `<t>.<raw body>`; several
 * `v1=` entries may be sent during a secret rotation. The hex is lower case, as Stripe writes it.
 *
 * @example
 * await receive('coverkit', incoming, { secret, signature: timestampedHmac('coverkit-t-v1') });
 */
export function timestampedHmac(name: string): SignatureScheme {
  return {
    name,
    algorithm: 'SHA-256',
    timestamp: 'signature',
    listValued: true,
    parse(value) {
      let timestamp: string | undefined;
      const macs: Uint8Array[] = [];
      for (const part of value.split(',')) {
        const separator = part.indexOf('=');
        const key = part.slice(0, separator).trim();
        const text = part.slice(separator + 1).trim();
        if (key === 't') timestamp = text;
        else if (key === 'v1') {
          const mac = decodeHex(text, 32);
          if (mac) macs.push(mac);
        }
      }
      return timestamp !== undefined && macs.length ? { macs, timestamp } : undefined;
    },
    prefix: ({ timestamp }) => `${timestamp}.`,
    format: (mac, { timestamp }) => `t=${timestamp},v1=${encodeHex(mac)}`,
  };
}

/** Unix seconds or milliseconds, canonical: no sign, no leading zero (see parseTimestamp). */
const DIGITS = /^[1-9][0-9]{0,15}$/;
const ISO = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?(Z|([+-])([0-9]{2}):([0-9]{2}))?$/;

/**
 * A signed timestamp in milliseconds since the epoch, or undefined when unparseable or not
 * canonical. Accepts Unix seconds, Unix milliseconds (13 digits and up) and ISO-8601; an ISO value
 * without a zone is UTC.
 *
 * Only canonical forms: Axitech signs `METHOD + url + timestamp + body` with no separators, so a
 * timestamp that could be written another way (a leading zero) would let the same signature cover
 * a URL one character shorter (`/hook0` + `01700000000` = `/hook` + `001700000000`). Impossible
 * dates and times that `Date.parse` rounds instead of refusing (February 30, 24:00) are refused too.
 *
 * @example
 * parseTimestamp('1700000000');           // 1700000000000
 * parseTimestamp('2023-11-14T22:13:20Z');  // 1700000000000
 * parseTimestamp('01700000000');          // undefined (leading zero)
 */
export function parseTimestamp(value: string): number | undefined {
  if (DIGITS.test(value)) {
    const number = Number(value);
    return number >= 1e11 ? number : number * 1000;
  }
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  // The fields must survive the round trip, written back as `YYYY-MM-DDTHH:mm:ss` (the first 19
  // characters the pattern matched): Date.UTC carries Feb 30 into March, 24:00 into tomorrow and
  // years 0000–0099 into the 1900s. One comparison of the whole, not one per field.
  if (new Date(local).toISOString().slice(0, 19) !== value.slice(0, 19)) return undefined;
  if (m[9] === undefined) return local + fraction;
  const [offsetHours, offsetMinutes] = [Number(m[10]), Number(m[11])];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return local + fraction - (m[9] === '+' ? offset : -offset);
}
