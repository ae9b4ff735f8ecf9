// The two caches of the hot path, at their edges (issue 20: each mutant of a cache condition
// survived, since a cache that never hits, or never stops growing, gives the same answers):
// pointerKeys splits a pointer once and keeps at most 1024 (exactly 1024 kept, the 1025th not), and
// signedDigest hashes a signed body only when a key is first asked for, then once per event.
import { describe, expect, it, vi } from 'vitest';
import { bodyDigest } from '../src/core/crypto.js';
import { signedDigest, verifiedEvent } from '../src/core/signed.js';

// Counts the hashes signed.ts computes (the real function does the work).
vi.mock('../src/core/crypto.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/core/crypto.js')>();
  return { ...actual, bodyDigest: vi.fn(actual.bodyDigest) };
});

describe('pointerKeys: split once per pointer, at most 1024 kept', () => {
  it('exactly 1024 pointers are kept (the same keys on the next call); the 1025th is split on every call', async () => {
    vi.resetModules(); // a fresh module: its cache is empty, whatever other imports have read
    const { pointerKeys } = await import('../src/core/pointer.js');
    for (let i = 0; i < 1024; i++) {
      const keys = pointerKeys(`/k${i}`);
      expect(keys).toEqual([`k${i}`]);
      expect(pointerKeys(`/k${i}`), `pointer ${i + 1}`).toBe(keys);
    }
    const over = pointerKeys('/k1024');
    expect(over).toEqual(['k1024']);
    expect(pointerKeys('/k1024')).not.toBe(over);
    expect(pointerKeys('/k1024')).toEqual(['k1024']);
    expect(pointerKeys('/k0')).toEqual(['k0']); // those kept still answer
  });
});

const event = (signed: string | Uint8Array | undefined) => verifiedEvent('kasko', 'policy.created', 'd-1', undefined, {}, signed);

describe('signedDigest: the SHA-256 of the signed body, computed once, when first asked for', () => {
  it('nothing is hashed when the event is made; asked twice, it is hashed once', () => {
    const digest = vi.mocked(bodyDigest);
    digest.mockClear();
    const signed = event('{}');
    expect(digest).not.toHaveBeenCalled();
    // printf '{}' | sha256sum
    expect(signedDigest(signed)).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(signedDigest(signed)).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(digest).toHaveBeenCalledTimes(1);
  });

  it('bytes hash as they are; an unsigned event, a copy, or an object receive() did not make has no digest', () => {
    const digest = vi.mocked(bodyDigest);
    digest.mockClear();
    // python3 -c "import hashlib;print(hashlib.sha256(b'{\"a\":\"\\xc3\\xa7\"}').hexdigest())"
    const signed = event(new TextEncoder().encode('{"a":"ç"}'));
    expect(signedDigest(signed)).toBe('89c952417f340b267601a4f6244a2e66227addc7cab8eb8d052dc9efcddf9769');
    expect(signedDigest(event(undefined))).toBeUndefined();
    expect(signedDigest({ ...signed })).toBeUndefined();
    expect(signedDigest({})).toBeUndefined();
    expect(digest).toHaveBeenCalledTimes(1);
  });
});
