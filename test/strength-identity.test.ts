// What identifies a delivery (src/core/provider.ts, src/core/pointer.ts, src/providers/*.ts),
// written from the kinds of mutant that survived (issue 20): JSON Pointers read through own
// properties only, FNV-1a ids pinned by values computed outside the package, rejection sampling
// checked on chosen bytes, and Axitech's key from its signed body.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { examples } from '../src/index.js';
import { escapePointer, pointerKeys, pointerOf, unescapePointer, valueAt } from '../src/core/pointer.js';
import { randomAlphanumeric, randomHex, readLocation, stableHex, utcSeconds } from '../src/core/provider.js';
import { providerDefinition } from '../src/root-api.js';

describe('JSON Pointers (RFC 6901)', () => {
  it('escape ~ before /, unescape ~1 before ~0', () => {
    expect(escapePointer('a~/b')).toBe('a~0~1b');
    expect(unescapePointer('a~0~1b')).toBe('a~/b');
    expect(unescapePointer('~01')).toBe('~1'); // not "/": ~1 first, then ~0
    expect(escapePointer('~1')).toBe('~01');
    expect(pointerOf(['data', 'order/id', 0, 'a~b'])).toBe('/data/order~1id/0/a~0b');
    expect(pointerOf([])).toBe('');
  });

  it('pointerKeys: the whole document, escapes, and percent-decoding only for fragments', () => {
    expect(pointerKeys('')).toEqual([]);
    expect(pointerKeys('/')).toEqual(['']);
    expect(pointerKeys('/a/b~1c/~0')).toEqual(['a', 'b/c', '~']);
    expect(pointerKeys('/a%20b')).toEqual(['a%20b']);
    expect(pointerKeys('/a%20b', { fragment: true })).toEqual(['a b']);
    expect(pointerKeys('/a%20b')).toEqual(['a%20b']); // the fragment reading is kept apart
    expect(pointerKeys('a/b')).toEqual(['a', 'b']); // no leading slash: split all the same
    expect(pointerKeys('//x')).toEqual(['', 'x']);
  });

  it('valueAt follows own properties only, through objects and arrays', () => {
    const document = { data: { id: 'x', list: [{ v: 1 }], 'a/b': 2, nil: null } };
    expect(valueAt(document, '/data/id')).toBe('x');
    expect(valueAt(document, '/data/list/0/v')).toBe(1);
    expect(valueAt(document, '/data/a~1b')).toBe(2);
    expect(valueAt(document, '')).toBe(document);
    expect(valueAt(document, '/data/nil')).toBeNull();
    for (const pointer of ['/data/missing', '/data/id/length', '/data/nil/x', '/constructor', '/data/toString', '/data/list/1', '/x/y']) {
      expect(valueAt(document, pointer), pointer).toBeUndefined();
    }
    expect(valueAt(null, '/a')).toBeUndefined();
    expect(valueAt('text', '/length')).toBeUndefined();
  });

  it('readLocation: a header, or a string in the body; nothing else', () => {
    expect(readLocation(undefined, { a: 'x' }, {})).toBeUndefined();
    expect(readLocation({ in: 'header', header: 'x-id' }, { 'X-Id': 'h' }, {})).toBe('h');
    expect(readLocation({ in: 'body', pointer: '/id' }, {}, { id: 'b' })).toBe('b');
    expect(readLocation({ in: 'body', pointer: '/id' }, {}, { id: 42 })).toBeUndefined();
    expect(readLocation({ in: 'body', pointer: '/id' }, {}, null)).toBeUndefined();
  });
});

describe('stableHex: FNV-1a, 32 bits per block, each block seeded with its index', () => {
  // python3: def fnv(text, n):
  //   out, block = '', 0
  //   while len(out) < n * 2:
  //     h = 0x811c9dc5
  //     for ch in f"{block}:{text}": h = ((h ^ ord(ch)) * 0x01000193) & 0xffffffff
  //     out += format(h, '08x'); block += 1
  //   return out[:n * 2]
  it.each([
    ['kasko offer.created', 16, 'de7ee5b2340cf09df44995988575ae1b'],
    ['x', 3, 'a1b2ca'],
    ['x', 5, 'a1b2cad52b'],
    ['şx😀', 6, '9d105d48acf9'],
  ] as const)('stableHex(%j, %d) = %s', (text, bytes, expected) => {
    expect(stableHex(text, bytes)).toBe(expected);
  });
});

describe('random ids', () => {
  afterEach(() => vi.restoreAllMocks());
  /** Makes getRandomValues fill each buffer from `bytes`, in order. */
  const feed = (bytes: number[]) => {
    const queue = [...bytes];
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const view = array as unknown as Uint8Array;
      for (let i = 0; i < view.length; i++) view[i] = queue.length ? queue.shift()! : 0;
      return array;
    });
  };

  it('randomAlphanumeric: byte % 62 over A–Z a–z 0–9; bytes from 248 up are rejected (no bias)', () => {
    feed([0, 25, 26, 51, 52, 61, 62, 247, 248, 255, 1, 2]);
    // 62 wraps to A, 247 (the last byte kept) to 9; 248 and 255 are skipped, so a second draw ends it.
    expect(randomAlphanumeric(10)).toBe('AZaz09A9BC');
  });

  it('randomAlphanumeric: exactly length characters, drawing again while bytes are rejected', () => {
    feed([255, 250, 249, 3, 248, 248, 248, 248]);
    expect(randomAlphanumeric(4)).toBe('DAAA');
    vi.restoreAllMocks();
    for (const length of [0, 1, 20, 100]) expect(randomAlphanumeric(length)).toMatch(new RegExp(`^[A-Za-z0-9]{${length}}$`));
  });

  it('randomHex: two lower-case digits per byte', () => {
    feed([0, 15, 16, 255]);
    expect(randomHex(4)).toBe('000f10ff');
  });

  it('utcSeconds: whole seconds and Z', () => {
    expect(utcSeconds(new Date(Date.UTC(2024, 11, 20, 12, 0, 0, 750)))).toBe('2024-12-20T12:00:00Z');
  });
});

describe('provider identities', () => {
  const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 600));

  it('Axitech: the key is event_type:sessionId:created_at, only when all three are non-empty strings', () => {
    const key = providerDefinition('axitech').bodyIdempotencyKey;
    expect(key({ event_type: 'session.submitted', data: { sessionId: 's1' }, created_at: 't' })).toBe('session.submitted:s1:t');
    for (const payload of [
      { event_type: '', data: { sessionId: 's1' }, created_at: 't' },
      { event_type: 'e', data: { sessionId: '' }, created_at: 't' },
      { event_type: 'e', data: { sessionId: 's1' }, created_at: '' },
      { event_type: 'e', data: { sessionId: 1 }, created_at: 't' },
      { event_type: 'e', data: 'sessionId', created_at: 't' },
      { event_type: 'e', data: null, created_at: 't' },
      { event_type: 'e', created_at: 't' },
      { data: { sessionId: 's1' }, created_at: 't' },
      null,
      'text',
      42,
    ]) {
      expect(key(payload), JSON.stringify(payload)).toBeUndefined();
    }
    expect(providerDefinition('axitech').newDeliveryId()).toBe('');
    expect(providerDefinition('axitech').exampleDeliveryId('session.submitted')).toBeUndefined();
  });

  it('Axitech: a fresh identity is a new session now, leaving the example as it was', () => {
    const example = examples.axitech['session.submitted'];
    const before = JSON.stringify(example);
    const fresh = providerDefinition('axitech').freshIdentity(example, now) as typeof example;
    expect(fresh.created_at).toBe('2025-01-02T03:04:05Z');
    expect(fresh.data.sessionId).toMatch(/^[A-Za-z0-9]{20}$/);
    expect({ ...fresh, created_at: example.created_at, data: { ...fresh.data, sessionId: example.data.sessionId } }).toEqual(example);
    expect(JSON.stringify(example)).toBe(before);
  });

  it('CoverKit: a fresh identity is a new evt_ id created now; no key from the body (the id is the key)', () => {
    const example = examples.coverkit['policy.created'];
    const fresh = providerDefinition('coverkit').freshIdentity(example, now) as typeof example;
    expect(fresh.id).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(fresh.createdAt).toBe('2025-01-02T03:04:05Z');
    expect({ ...fresh, id: example.id, createdAt: example.createdAt }).toEqual(example);
    expect(providerDefinition('coverkit').newDeliveryId()).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(providerDefinition('coverkit').bodyIdempotencyKey(example)).toBeUndefined();
  });

  it('InsurUp: pinned ids are version-8 UUIDs with the RFC 9562 variant; fresh ids are random UUIDs', () => {
    const definition = providerDefinition('insurup');
    for (const type of Object.keys(examples.insurup)) {
      expect(definition.exampleDeliveryId(type)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const hex = stableHex(`insurup ${type}`, 16);
      const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
      expect(definition.exampleDeliveryId(type)).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`);
    }
    expect(definition.newDeliveryId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const fresh = definition.freshIdentity(examples.insurup['proposal_premium.received'], now) as { proposalId: string };
    expect(fresh.proposalId).toMatch(/^[a-z0-9]{24}$/);
  });

  it('KASKO: the documented id for policy.created, a stable one for the others; fresh ids are 32 hex digits', () => {
    const definition = providerDefinition('kasko');
    expect(definition.exampleDeliveryId('policy.created')).toBe('baf59150f9a60c1c0e6a700e6f531676');
    expect(definition.exampleDeliveryId('offer.created')).toBe('de7ee5b2340cf09df44995988575ae1b');
    expect(definition.newDeliveryId()).toMatch(/^[0-9a-f]{32}$/);
    const fresh = definition.freshIdentity(examples.kasko['policy.created'], now) as { id: string };
    expect(fresh.id).toMatch(/^lpol_[A-Za-z0-9]{28}$/);
  });
});
