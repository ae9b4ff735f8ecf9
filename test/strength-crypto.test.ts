// Tests written from the kinds of mutant that used to survive in src/core/crypto.ts (issue 20,
// docs/testing-strength.md): both HMAC backends against fixed vectors computed outside the
// package, their key caches, byte bodies through Web Crypto, receiveSync refusing Web Crypto,
// constant-time comparison, and exact-alphabet tables for hex and Base64 decoding.
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, decodeBase64, decodeHex, encodeBase64, encodeHex, nodeBackend, webBackend, type CryptoBackend, type HmacAlgorithm, type SubtleHmac } from '../src/core/crypto.js';
import { receiveSyncWith, receiveWith } from '../src/core/receive.js';
import { providerDefinition } from '../src/root-api.js';
import { examples, sign, UsageError, WebhookError } from '../src/index.js';

// ---------------------------------------------------------------------------------------------
// Fixed vectors, computed with python3 (and cross-checked with openssl), never with this package:
//   python3 -c 'import hmac,hashlib; b="İSTANBUL Müşteri".encode(); p="POST/ş?x=11700000000".encode()
//     for s in (b"k1",b"k2"):
//       for h in (hashlib.sha256,hashlib.sha1): print(s,h().name,hmac.new(s,b,h).hexdigest(),hmac.new(s,p+b,h).hexdigest())'
//   printf %s 'İSTANBUL Müşteri' | openssl dgst -sha256 -hmac k1          # = K1_SHA256
//   printf %s 'İSTANBUL Müşteri' | openssl dgst -sha1 -hmac k2            # = K2_SHA1
//   printf %s%s 'POST/ş?x=11700000000' 'İSTANBUL Müşteri' | openssl dgst -sha256 -hmac k2   # = K2_SHA256_PREFIXED
// The body is non-ASCII on purpose: a string body and the prefix are hashed as their UTF-8 bytes.
// ---------------------------------------------------------------------------------------------
const BODY = 'İSTANBUL Müşteri';
const BODY_UTF8_HEX = 'c4b05354414e42554c204dc3bcc59f74657269'; // python3: "İSTANBUL Müşteri".encode().hex()
const PREFIX = 'POST/ş?x=11700000000';
const VECTORS: Array<{ secret: string; algorithm: HmacAlgorithm; prefix: string; mac: string }> = [
  { secret: 'k1', algorithm: 'SHA-256', prefix: '', mac: '9dc26219d22646b185620038d382d1608cf971bfca09b1977ddc2665e40527e5' },
  { secret: 'k1', algorithm: 'SHA-256', prefix: PREFIX, mac: '14e4e6f1374c7af1d0cc033cfac0a0743579bff619f3b44dbaf5db1273439611' },
  { secret: 'k1', algorithm: 'SHA-1', prefix: '', mac: 'e2657037eb7fbb08b9aa8ff08a5497209097b68a' },
  { secret: 'k1', algorithm: 'SHA-1', prefix: PREFIX, mac: '130256c527b5b5bc5162a58c834ad65948c93f53' },
  { secret: 'k2', algorithm: 'SHA-256', prefix: '', mac: 'a8454c2419196f2bd3d28f11ef174851c5c2b0eb71194766173955e2762138bf' },
  { secret: 'k2', algorithm: 'SHA-256', prefix: PREFIX, mac: '32bb02d414c16350265f8301afd08985d1590b03236e98806d5253a2d2e3e5b0' },
  { secret: 'k2', algorithm: 'SHA-1', prefix: '', mac: '8a78ccc4ba4acbb29ea674a7455df5e4e740526b' },
  { secret: 'k2', algorithm: 'SHA-1', prefix: PREFIX, mac: 'ade68835c49ade1a42804da241ffb9612e67c2f8' },
];
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bodyBytes = () => Uint8Array.from(Buffer.from(BODY_UTF8_HEX, 'hex'));

/** Node's crypto, counting the key objects it derives. */
function countingNode() {
  const counter = { keys: 0 };
  const wrapped = {
    createSecretKey: (key: Uint8Array) => {
      counter.keys++;
      return nodeCrypto.createSecretKey(key);
    },
    createHmac: (algorithm: string, key: unknown) => nodeCrypto.createHmac(algorithm, key as nodeCrypto.KeyObject),
    createHash: (algorithm: string) => nodeCrypto.createHash(algorithm),
  };
  const backend = nodeBackend(wrapped as unknown as Parameters<typeof nodeBackend>[0]);
  return { backend, counter };
}

/** Web Crypto's subtle, counting (and recording) the keys it imports. */
function countingSubtle() {
  const imports: Array<{ hash: HmacAlgorithm; secret: string }> = [];
  const subtle: SubtleHmac = {
    importKey: (format, key, algorithm, extractable, usages) => {
      imports.push({ hash: algorithm.hash, secret: new TextDecoder().decode(key) });
      return globalThis.crypto.subtle.importKey(format, key, algorithm, extractable, usages);
    },
    sign: (algorithm, key, data) => globalThis.crypto.subtle.sign(algorithm, key as never, data),
  };
  return { subtle, imports };
}

describe.each([
  ['node', () => countingNode().backend],
  ['web', () => webBackend()],
] as Array<[string, () => CryptoBackend]>)('%s backend: fixed vectors', (name, make) => {
  it('HMAC-SHA-256 and HMAC-SHA-1 of prefix + body, secret by secret, in any order on one backend', async () => {
    const backend = make();
    expect(backend.name).toBe(name);
    // One backend for every vector, interleaved: a cache keyed on less than (secret, algorithm)
    // hands a later call the wrong key.
    for (const order of [VECTORS, [...VECTORS].reverse()]) {
      for (const { secret, algorithm, prefix, mac } of order) {
        expect(hex(await backend.hmac(algorithm, secret, prefix, BODY)), `${secret} ${algorithm} "${prefix}" string`).toBe(mac);
        expect(hex(await backend.hmac(algorithm, secret, prefix, bodyBytes())), `${secret} ${algorithm} "${prefix}" bytes`).toBe(mac);
      }
    }
  });

  it('a string body is its UTF-8 bytes; a byte body is hashed as it is (not as text)', async () => {
    const backend = make();
    expect(Buffer.from(BODY, 'utf8').toString('hex')).toBe(BODY_UTF8_HEX);
    const latin1 = Uint8Array.from(Buffer.from(BODY, 'latin1')); // other bytes: another MAC
    expect(hex(await backend.hmac('SHA-256', 'k1', '', latin1))).not.toBe(VECTORS[0]!.mac);
    expect(hex(await backend.hmac('SHA-256', 'k1', '', latin1))).toBe(nodeCrypto.createHmac('sha256', 'k1').update(latin1).digest('hex'));
  });
});

describe('node backend: key cache', () => {
  it('derives one key per secret and reuses it', () => {
    const { backend, counter } = countingNode();
    backend.hmac('SHA-256', 'k1', '', BODY);
    backend.hmac('SHA-1', 'k1', '', BODY); // Node's key object serves both hashes
    backend.hmac('SHA-256', 'k1', '', BODY);
    expect(counter.keys).toBe(1);
    backend.hmac('SHA-256', 'k2', '', BODY);
    expect(counter.keys).toBe(2);
  });

  it('is bounded: at 64 secrets it starts over (exactly 64 fit)', () => {
    const { backend, counter } = countingNode();
    for (let i = 0; i < 64; i++) backend.hmac('SHA-256', `s${i}`, '', BODY);
    expect(counter.keys).toBe(64);
    backend.hmac('SHA-256', 's0', '', BODY); // 64 held: still cached
    expect(counter.keys).toBe(64);
    backend.hmac('SHA-256', 's64', '', BODY); // the 65th clears the cache first
    expect(counter.keys).toBe(65);
    backend.hmac('SHA-256', 's0', '', BODY); // so s0 is derived again
    expect(counter.keys).toBe(66);
    expect(hex(backend.hmac('SHA-256', 'k1', '', BODY) as Uint8Array)).toBe(VECTORS[0]!.mac);
  });

  it('is synchronous (receiveSync relies on it)', () => {
    expect(countingNode().backend.hmac('SHA-256', 'k1', '', BODY)).toBeInstanceOf(Uint8Array);
  });
});

describe('web backend: key cache keyed by secret AND algorithm', () => {
  it('imports one key per (algorithm, secret) and reuses it', async () => {
    const { subtle, imports } = countingSubtle();
    const backend = webBackend(subtle);
    expect(hex(await backend.hmac('SHA-256', 'k1', '', BODY))).toBe(VECTORS[0]!.mac);
    expect(hex(await backend.hmac('SHA-1', 'k1', '', BODY))).toBe(VECTORS[2]!.mac);
    expect(hex(await backend.hmac('SHA-256', 'k2', '', BODY))).toBe(VECTORS[4]!.mac);
    expect(hex(await backend.hmac('SHA-256', 'k1', PREFIX, BODY))).toBe(VECTORS[1]!.mac);
    expect(imports).toEqual([
      { hash: 'SHA-256', secret: 'k1' },
      { hash: 'SHA-1', secret: 'k1' },
      { hash: 'SHA-256', secret: 'k2' },
    ]);
  });

  it('is bounded: at 64 keys it starts over (exactly 64 fit)', async () => {
    const { subtle, imports } = countingSubtle();
    const backend = webBackend(subtle);
    for (let i = 0; i < 64; i++) await backend.hmac('SHA-256', `s${i}`, '', BODY);
    expect(imports.length).toBe(64);
    await backend.hmac('SHA-256', 's0', '', BODY);
    expect(imports.length).toBe(64);
    await backend.hmac('SHA-256', 's64', '', BODY);
    expect(imports.length).toBe(65);
    await backend.hmac('SHA-256', 's0', '', BODY);
    expect(imports.length).toBe(66);
  });

  it('is asynchronous, and is the default only where Node crypto is missing', () => {
    const result = webBackend().hmac('SHA-256', 'k1', '', BODY);
    expect(result).toBeInstanceOf(Promise);
    return result;
  });
});

describe('receive() on Web Crypto; receiveSync() refuses it', () => {
  const body = JSON.stringify(examples.coverkit['policy.created']);
  const definition = providerDefinition('coverkit');

  it('verifies byte bodies (Buffer and Uint8Array) and string bodies through Web Crypto', async () => {
    const headers = await sign('coverkit', { type: 'policy.created', body }, 'k1');
    for (const form of [body, Buffer.from(body), new TextEncoder().encode(body)]) {
      const event = await receiveWith(webBackend(), definition, { body: form, headers }, { secret: 'k1' });
      expect(event).toMatchObject({ provider: 'coverkit', type: 'policy.created', payload: examples.coverkit['policy.created'] });
    }
    // And refuses them when they differ by a byte.
    const tampered = Buffer.from(body);
    tampered[10] = tampered[10]! ^ 1;
    await expect(receiveWith(webBackend(), definition, { body: tampered, headers }, { secret: 'k1' })).rejects.toMatchObject({ code: 'signature_invalid' });
    await expect(receiveWith(webBackend(), definition, { body, headers }, { secret: 'k2' })).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('receiveSync on a Web Crypto backend throws a UsageError at once, never returns a Promise as an event', async () => {
    const headers = await sign('coverkit', { type: 'policy.created', body }, 'k1');
    let returned: unknown;
    expect(() => {
      returned = receiveSyncWith(webBackend(), definition, { body, headers }, { secret: 'k1' });
    }).toThrow(new UsageError("insurance-webhooks: receiveSync needs Node's crypto; use receive()"));
    expect(returned).toBeUndefined();
    // On Node's backend the same call is synchronous and returns the event itself.
    const event = receiveSyncWith(countingNode().backend, definition, { body, headers }, { secret: 'k1' });
    expect(event).not.toBeInstanceOf(Promise);
    expect(event).toMatchObject({ type: 'policy.created' });
  });
});

describe('an unexpected error (a bug of ours or of the platform) is passed on as it is, never a WebhookError', () => {
  // A 4xx would tell the provider the delivery is bad, and it would give up on a genuine delivery
  // (src/core/receive.ts, receiveWith); the router answers such an error 500 (retryable).
  const body = JSON.stringify(examples.coverkit['policy.created']);
  const definition = providerDefinition('coverkit');
  const failure = new Error('the platform failed');
  const throwing: CryptoBackend = {
    name: 'node',
    hmac: () => {
      throw failure;
    },
  };
  const rejecting: CryptoBackend = { name: 'web', hmac: () => Promise.reject(failure) };

  it('thrown by a synchronous backend: receive() rejects with it, receiveSync() throws it', async () => {
    const headers = await sign('coverkit', { type: 'policy.created', body }, 'k1');
    const outcome = await receiveWith(throwing, definition, { body, headers }, { secret: 'k1' }).catch((error: unknown) => error);
    expect(outcome).toBe(failure);
    expect(outcome).not.toBeInstanceOf(WebhookError);
    expect(() => receiveSyncWith(throwing, definition, { body, headers }, { secret: 'k1' })).toThrow(failure);
  });

  it('rejected by an asynchronous backend: receive() rejects with it', async () => {
    const headers = await sign('coverkit', { type: 'policy.created', body }, 'k1');
    await expect(receiveWith(rejecting, definition, { body, headers }, { secret: 'k1' })).rejects.toBe(failure);
  });

  it('a UsageError (wrong use) is thrown at once, not returned as a rejected promise', () => {
    expect(() => receiveWith(throwing, definition, { body, headers: {} }, { secret: 'k1', toleranceSeconds: -1 } as never)).toThrow(UsageError);
  });
});

describe('constantTimeEqual', () => {
  const bytes = (...values: number[]) => Uint8Array.from(values);
  it('is true only for the same bytes at the same length', () => {
    expect(constantTimeEqual(bytes(), bytes())).toBe(true);
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true);
    for (let i = 0; i < 3; i++) {
      for (const bit of [1, 0x80]) {
        const other = bytes(1, 2, 3);
        other[i] = other[i]! ^ bit;
        expect(constantTimeEqual(bytes(1, 2, 3), other), `byte ${i} bit ${bit}`).toBe(false);
        expect(constantTimeEqual(other, bytes(1, 2, 3)), `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it('is false for a prefix or an extension, whichever side is longer (a length-mismatched MAC)', () => {
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2))).toBe(false);
    expect(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3))).toBe(false);
    expect(constantTimeEqual(bytes(1, 2), bytes(1, 2, 0))).toBe(false); // extended by a zero byte
    expect(constantTimeEqual(bytes(), bytes(0))).toBe(false);
    expect(constantTimeEqual(bytes(0), bytes())).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Exact alphabets. Each code unit below 0x400, and a list of look-alikes above, is tried at each
// position of a MAC: accepted exactly when the alphabet has it, decoded to its value.
// ---------------------------------------------------------------------------------------------
const LOOKALIKES = [0x0660, 0x0669, 0x06f0, 0x0966, 0x1d7ce, 0xfeff, 0xff10, 0xff19, 0xff21, 0xff26, 0xff41, 0xff46, 0xd800, 0xdc00, 0x2212, 0x2044];
const CODE_UNITS = [...Array.from({ length: 0x400 }, (_, i) => i), ...LOOKALIKES.filter((c) => c <= 0xffff)];
const HEX_LOWER = '0123456789abcdef';
const HEX_ANY = '0123456789abcdefABCDEF';

describe.each([
  ['lower', HEX_LOWER],
  ['any', HEX_ANY],
] as const)('decodeHex, hexCase %s: exactly its digits, exactly length bytes', (hexCase, digits) => {
  it('accepts each of its digits in either nibble and in the middle, with its value; refuses every other code unit', () => {
    for (const code of CODE_UNITS) {
      const char = String.fromCharCode(code);
      const isDigit = digits.includes(char);
      const value = isDigit ? parseInt(char, 16) : undefined;
      const high = decodeHex(`${char}0`, 1, hexCase);
      const low = decodeHex(`0${char}`, 1, hexCase);
      expect(high === undefined ? undefined : high[0], `high nibble U+${code.toString(16)}`).toBe(isDigit ? value! << 4 : undefined);
      expect(low === undefined ? undefined : low[0], `low nibble U+${code.toString(16)}`).toBe(value);
      // In the middle of a longer MAC too (every byte is checked, not just the first or last).
      expect(decodeHex(`00${char}000`, 3, hexCase) === undefined, `middle U+${code.toString(16)}`).toBe(!isDigit);
    }
  });

  it('decodes every byte value and round-trips encodeHex (lower case)', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const lower = Buffer.from(all).toString('hex');
    expect(encodeHex(all)).toBe(lower);
    expect(Array.from(decodeHex(lower, 256, hexCase)!)).toEqual(Array.from(all));
    expect(decodeHex(lower.toUpperCase(), 256, hexCase) === undefined).toBe(hexCase === 'lower');
  });

  it('is exactly 2 × length digits: one digit fewer or more is refused', () => {
    const mac = 'ab'.repeat(32);
    expect(decodeHex(mac, 32, hexCase)).toHaveLength(32);
    expect(decodeHex(mac.slice(0, -1), 32, hexCase)).toBeUndefined();
    expect(decodeHex(`${mac}a`, 32, hexCase)).toBeUndefined();
    expect(decodeHex(`${mac}ab`, 32, hexCase)).toBeUndefined();
    expect(decodeHex(mac.slice(0, -2), 32, hexCase)).toBeUndefined();
    expect(decodeHex('', 0, hexCase)).toHaveLength(0);
  });
});

it('decodeHex is lower case unless told otherwise', () => {
  expect(decodeHex('0aff', 2)).toEqual(Uint8Array.of(10, 255));
  expect(decodeHex('0aFf', 2)).toBeUndefined();
});

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('decodeBase64: the standard alphabet, the canonical spelling, padding as the standard writes it', () => {
  // A 32-byte MAC is 43 characters + one "=", a 20-byte one 27 + one "=": the last character
  // carries 4 bits of data and 2 unused bits. One byte is 2 characters + "==": 2 bits and 4 unused.
  const mac32 = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const mac20 = Uint8Array.from({ length: 20 }, (_, i) => (i * 53 + 7) & 0xff);
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  it('encodes like Buffer (the reference), with padding', () => {
    expect(encodeBase64(mac32)).toBe(b64(mac32));
    expect(encodeBase64(mac20)).toBe(b64(mac20));
    expect(encodeBase64(Uint8Array.from({ length: 256 }, (_, i) => i))).toBe(Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => i)).toString('base64'));
  });

  it('decodes what Buffer writes for every length 0–64 and every byte value', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length * 13) & 0xff);
      expect(decodeBase64(b64(bytes), length), `${length} bytes`).toEqual(bytes);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let shift = 0; shift < 3; shift++) expect(decodeBase64(b64(all.subarray(shift)), 256 - shift)).toEqual(all.subarray(shift));
  });

  it('accepts each alphabet character at every position of a full group, with its value; refuses every other code unit', () => {
    const rest = b64(mac32);
    for (const code of CODE_UNITS) {
      const char = String.fromCharCode(code);
      const index = BASE64_ALPHABET.indexOf(char);
      for (let at = 0; at < 4; at++) {
        const decoded = decodeBase64(rest.slice(0, at) + char + rest.slice(at + 1), 32);
        if (index < 0) {
          expect(decoded, `U+${code.toString(16)} at ${at}`).toBeUndefined();
          continue;
        }
        // The 24 bits of the first group, with this character's 6 at its place.
        const group = (decoded![0]! << 16) | (decoded![1]! << 8) | decoded![2]!;
        expect((group >> (18 - 6 * at)) & 63, `U+${code.toString(16)} at ${at}`).toBe(index);
      }
    }
  });

  it('at the last position, accepts only characters whose unused bits are zero (one spelling per MAC)', () => {
    for (const [mac, zeroBits] of [
      [mac32, 2],
      [mac20, 2],
      [Uint8Array.of(0xa5), 4],
    ] as const) {
      const padded = b64(mac);
      const padding = padded.length - padded.replace(/=+$/, '').length;
      const head = padded.slice(0, -padding - 1);
      const accepted: string[] = [];
      for (const code of CODE_UNITS) {
        const char = String.fromCharCode(code);
        const decoded = decodeBase64(head + char + '='.repeat(padding), mac.length);
        if (decoded) accepted.push(char);
        const index = BASE64_ALPHABET.indexOf(char);
        const expected = index >= 0 && index % (1 << zeroBits) === 0;
        expect(decoded !== undefined, `${mac.length} bytes, last U+${code.toString(16)}`).toBe(expected);
      }
      expect(accepted.length).toBe(64 >> zeroBits);
      expect(accepted).toContain(padded.at(-padding - 1));
      expect(Array.from(decodeBase64(padded, mac.length)!)).toEqual(Array.from(mac));
    }
  });

  it('padding: exactly the standard one; none, more, less or misplaced is refused', () => {
    const padded = b64(mac32); // 43 + "="
    expect(padded).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const bare = padded.slice(0, -1);
    expect(Array.from(decodeBase64(padded, 32)!)).toEqual(Array.from(mac32));
    for (const bad of [bare, `${bare}==`, `${bare}===`, `${padded}=`, `=${bare}`, `${bare.slice(0, 20)}=${bare.slice(20)}`, `${bare}A`, `${bare} `, ` ${bare}`, `${bare}\n`, `${padded} `]) {
      expect(decodeBase64(bad, 32), JSON.stringify(bad)).toBeUndefined();
    }
    const padded20 = b64(mac20); // 27 + "="
    expect(padded20).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(decodeBase64(padded20, 20)).toHaveLength(20);
    expect(decodeBase64(padded20.slice(0, -1), 20)).toBeUndefined();
    expect(decodeBase64(`${padded20}=`, 20)).toBeUndefined();
    // Two padding characters where the length needs them (1 byte: "xx=="), none where it needs none.
    expect(Array.from(decodeBase64('/w==', 1)!)).toEqual([255]);
    for (const bad of ['/w', '/w=', '/w===', '/wA=', '/w=A', '/wAA']) expect(decodeBase64(bad, 1), bad).toBeUndefined();
    expect(Array.from(decodeBase64('//79', 3)!)).toEqual([255, 254, 253]);
    for (const bad of ['//79=', '//7=', '//79====']) expect(decodeBase64(bad, 3), bad).toBeUndefined();
  });

  it('is exactly length bytes: one character fewer or more, or another length, is refused', () => {
    const padded = b64(mac32);
    expect(decodeBase64(padded.slice(0, -2) + '=', 32)).toBeUndefined();
    expect(decodeBase64(`${padded}AAAA`, 32)).toBeUndefined();
    expect(decodeBase64(b64(mac32.subarray(0, 31)), 32)).toBeUndefined();
    expect(decodeBase64(b64(Uint8Array.from([...mac32, 0])), 32)).toBeUndefined();
    expect(decodeBase64(b64(mac20), 32)).toBeUndefined();
    expect(decodeBase64(b64(mac32), 20)).toBeUndefined();
    // URL-safe spellings are another alphabet.
    const withUrlSafe = b64(Uint8Array.from({ length: 32 }, () => 0xfb)).replace(/\+/g, '-').replace(/\//g, '_');
    expect(withUrlSafe).toMatch(/[-_]/);
    expect(decodeBase64(withUrlSafe, 32)).toBeUndefined();
  });
});
