// What happens to an authentic body after the MAC (src/core/incoming.ts, src/core/json.ts), written
// from the kinds of mutant that survived (issue 20): a strict UTF-8 decoder, the depth threshold at
// exactly 999 and 1000 levels (built and measured exactly), prototype-poisoning keys that a
// consumer's merge would turn into pollution, and byte-order marks. Each body here is valid for its
// schema apart from the one thing tested, so a refusal cannot come from the schema instead.
import { describe, expect, it } from 'vitest';
import { examples, receive, sign, WebhookError, type WebhookEvent } from '../src/index.js';
import { bodyText } from '../src/core/incoming.js';
import { MAX_DEPTH, parseJson } from '../src/core/json.js';

const SECRET = 'strength-parsing';
const policy = examples.kasko['policy.created'] as unknown as Record<string, unknown>;

/** A signed KASKO policy.created delivery of exactly these bytes. */
async function deliver(body: string | Uint8Array, options: { strict?: boolean } = {}): Promise<WebhookEvent | WebhookError> {
  const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
  return receive('kasko', { body, headers }, { secret: SECRET, maxBodyBytes: 10_000_000, ...options }).catch((error: unknown) => {
    if (error instanceof WebhookError) return error;
    throw error;
  });
}
/** The example with `raw` (JSON text) as the value of `metadata`, KASKO's open object. */
const withMetadata = (raw: string) => JSON.stringify({ ...policy, metadata: '@@M@@' }).replace('"@@M@@"', raw);

/** Depth of the deepest object or array, the root being 0; measured without the package. */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
const objects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const arrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('UTF-8: invalid bytes are payload_malformed, never replaced', () => {
  // Each inside a string of the open metadata object: a decoder that replaced them with U+FFFD
  // would produce a valid payload.
  const INVALID: Array<[string, number[]]> = [
    ['a lone continuation byte', [0x80]],
    ['an overlong NUL', [0xc0, 0x80]],
    ['an overlong slash', [0xe0, 0x80, 0xaf]],
    ['a UTF-16 surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a byte that never occurs (0xFF)', [0xff]],
    ['a byte that never occurs (0xF5)', [0xf5, 0x80, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ];
  const around = (bytes: number[]) => {
    const [head, tail] = withMetadata('{"note":"@@"}').split('@@') as [string, string];
    return Uint8Array.from([...Buffer.from(head), ...bytes, ...Buffer.from(tail)]);
  };

  it.each(INVALID)('%s', async (_, bytes) => {
    const outcome = await deliver(around(bytes));
    expect(outcome).toBeInstanceOf(WebhookError);
    expect((outcome as WebhookError).code).toBe('payload_malformed');
    expect((outcome as WebhookError).message).toBe('body is not valid UTF-8');
    expect(bodyText(Uint8Array.from(bytes))).toBeUndefined();
  });

  it('valid multi-byte UTF-8 (2, 3 and 4 bytes) in the same place is received as its characters', async () => {
    const outcome = await deliver(around([...Buffer.from('ş€😀')]));
    expect(outcome).not.toBeInstanceOf(WebhookError);
    expect((outcome as WebhookEvent).payload).toMatchObject({ metadata: { note: 'ş€😀' } });
    expect(bodyText(Uint8Array.from(Buffer.from('ş€😀')))).toBe('ş€😀');
    expect(bodyText('already text')).toBe('already text');
  });
});

describe('byte-order mark: one is skipped, a second is not JSON', () => {
  const json = JSON.stringify(policy);
  it.each([
    ['bytes', (text: string) => Uint8Array.from(Buffer.from(text, 'utf8'))],
    ['string', (text: string) => text],
  ] as const)('%s', async (_, form) => {
    expect(await deliver(form(`\uFEFF${json}`))).toMatchObject({ type: 'policy.created' });
    const twice = await deliver(form(`\uFEFF\uFEFF${json}`));
    expect(twice).toBeInstanceOf(WebhookError);
    expect((twice as WebhookError).code).toBe('payload_malformed');
  });

  it('the decoder keeps the mark (parseJson skips exactly one)', () => {
    expect(bodyText(Uint8Array.of(0xef, 0xbb, 0xbf, 0x31))).toBe('\uFEFF1');
    expect(parseJson('\uFEFF1')).toEqual({ ok: true, value: 1 });
    expect(parseJson('\uFEFF\uFEFF1').ok).toBe(false);
    expect(parseJson('1\uFEFF').ok).toBe(false);
  });
});

describe(`nesting: depth ${MAX_DEPTH - 1} is accepted, ${MAX_DEPTH} refused (root = 0)`, () => {
  it(`MAX_DEPTH is ${1000}`, () => expect(MAX_DEPTH).toBe(1000));

  it.each([
    ['objects', objects, '/a'],
    ['arrays', (levels: number) => `{"x":${arrays(levels - 1)}}`, '/0'], // metadata must be an object
  ])('%s inside an open object of a valid payload', async (_, build, segment) => {
    // metadata is at depth 1, so its value nested `levels` deep reaches depth `levels`.
    const accepted = withMetadata(build(999));
    const refused = withMetadata(build(1000));
    expect(depthOf(JSON.parse(accepted))).toBe(999);
    expect(depthOf(JSON.parse(refused))).toBe(1000);
    const event = await deliver(accepted);
    expect(event).not.toBeInstanceOf(WebhookError);
    expect(() => structuredClone((event as WebhookEvent).payload)).not.toThrow();
    const error = await deliver(refused);
    expect(error).toBeInstanceOf(WebhookError);
    const path = segment === '/a' ? `/metadata${'/a'.repeat(999)}` : `/metadata/x${'/0'.repeat(998)}`;
    // The answer carries the path cut at 200 characters (README, "Security notes"); parseJson's own, below, is whole.
    expect(error).toMatchObject({ code: 'payload_invalid', errors: [{ path: `${path.slice(0, 200)}…`, message: 'nests deeper than 1000 levels' }] });
  });

  it('parseJson at the root: 999 accepted, 1000 refused naming the first container too deep', () => {
    for (const [build, segment] of [
      [arrays, '/0'],
      [objects, '/a'],
    ] as const) {
      expect(depthOf(JSON.parse(build(1000)))).toBe(999);
      expect(parseJson(build(1000)).ok).toBe(true);
      expect(depthOf(JSON.parse(build(1001)))).toBe(1000);
      expect(parseJson(build(1001))).toEqual({ ok: false, reason: 'unsafe', path: segment.repeat(1000), message: 'nests deeper than 1000 levels' });
    }
  });

  it('walked bodies (a \\u escape or "proto" anywhere) the same: 999 accepted with scalars at the deepest level, 1000 refused', () => {
    for (const trigger of ['"\\u0061"', '"proto"']) {
      const leaves = `${trigger},1,null,true`;
      const arraysWith = (levels: number) => `${'['.repeat(levels)}${leaves}${']'.repeat(levels)}`;
      const objectsWith = (levels: number) => `${'{"a":'.repeat(levels - 1)}{"s":${trigger},"n":1,"z":null,"t":true}${'}'.repeat(levels - 1)}`;
      for (const [build, segment] of [
        [arraysWith, '/0'],
        [objectsWith, '/a'],
      ] as const) {
        expect(depthOf(JSON.parse(build(1000)))).toBe(999);
        expect(parseJson(build(1000))).toEqual({ ok: true, value: JSON.parse(build(1000)) });
        expect(parseJson(build(1001))).toEqual({ ok: false, reason: 'unsafe', path: segment.repeat(1000), message: 'nests deeper than 1000 levels' });
      }
    }
  });

  it('the too-deep container is named by its own key, "constructor" included (no /prototype added)', () => {
    const body = `${'{"a":'.repeat(999)}{"constructor":{}}${'}'.repeat(999)}`;
    expect(parseJson(body)).toEqual({ ok: false, reason: 'unsafe', path: `${'/a'.repeat(999)}/constructor`, message: 'nests deeper than 1000 levels' });
  });

  it('far deeper bodies are refused the same way, never a RangeError', async () => {
    for (const nested of [objects(100_000), `{"x":${arrays(100_000)}}`]) {
      const error = await deliver(withMetadata(nested));
      expect(error).toMatchObject({ code: 'payload_invalid', errors: [{ message: 'nests deeper than 1000 levels' }] });
    }
  });

  it('depth is per path, not per body: many shallow branches are fine', () => {
    const wide = JSON.stringify({ a: Array.from({ length: 2000 }, () => ({ b: [1] })) });
    expect(wide.length).toBeGreaterThan(2 * MAX_DEPTH); // long enough to be walked
    expect(parseJson(wide).ok).toBe(true);
    const branches = `{"x":${arrays(500)},"y":${objects(999)}}`;
    expect(depthOf(JSON.parse(branches))).toBe(999);
    expect(parseJson(branches).ok).toBe(true);
  });
});

describe('prototype-poisoning keys: refused, so a consumer’s merge cannot pollute', () => {
  /** The kind of deep merge a handler might run on a payload (what the refusal protects). */
  function naiveMerge(target: Record<string, any>, source: Record<string, any>): Record<string, any> {
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (value !== null && typeof value === 'object') target[key] = naiveMerge(target[key] ?? {}, value);
      else target[key] = value;
    }
    return target;
  }
  const polluted = () => Object.hasOwn(Object.prototype, 'polluted');

  const POISONED: Array<[string, string, string]> = [
    ['__proto__ at the root', '"__proto__":{"polluted":true}', '/__proto__'],
    ['__proto__ spelled with a \\u escape', '"\\u005f_proto__":{"polluted":true}', '/__proto__'],
    ['__proto__ spelled with another \\u escape', '"__proto\\u005f_":{"polluted":true}', '/__proto__'],
    ['constructor.prototype', '"constructor":{"prototype":{"polluted":true}}', '/constructor/prototype'],
    ['constructor.prototype spelled with a \\u escape (no "proto" in the text)', '"constructor":{"\\u0070rototype":{"polluted":true}}', '/constructor/prototype'],
  ];

  it.each(POISONED)('%s: payload_invalid naming the key, and nothing polluted', async (_, member, path) => {
    const body = `{${member},${JSON.stringify(policy).slice(1)}`;
    expect(body.length).toBeLessThan(2 * MAX_DEPTH); // a short body: refused without the depth walk
    try {
      const outcome = await deliver(body);
      // What a handler would do with the payload if it were delivered.
      if (!(outcome instanceof WebhookError)) naiveMerge({}, outcome.payload as unknown as Record<string, unknown>);
      expect(polluted()).toBe(false);
      expect(outcome).toBeInstanceOf(WebhookError);
      expect(outcome).toMatchObject({ code: 'payload_invalid', errors: [{ path, message: 'is a prototype-poisoning key and is not accepted' }] });
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it('the merge really pollutes such a payload (the test above is not vacuous)', () => {
    try {
      naiveMerge({}, JSON.parse('{"__proto__":{"polluted":true}}'));
      expect(polluted()).toBe(true);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it('nested keys, and in a long body (walked anyway)', () => {
    expect(parseJson('{"a":[{"b":{"__proto__":1}}]}')).toMatchObject({ ok: false, reason: 'unsafe', path: '/a/0/b/__proto__' });
    const long = JSON.stringify({ pad: 'x'.repeat(3000), deep: { constructor: { prototype: {} } } });
    expect(parseJson(long)).toMatchObject({ ok: false, path: '/deep/constructor/prototype' });
    const longEscaped = `{"pad":"${'x'.repeat(3000)}","deep":{"\\u005f_proto__":1}}`;
    expect(parseJson(longEscaped)).toMatchObject({ ok: false, path: '/deep/__proto__' });
  });

  it('"constructor" as ordinary data is accepted: a string, null, or an object without an own prototype', () => {
    for (const value of ['"Ada"', 'null', '{"name":"x"}', '{}', '[1]', '{"prototypes":1}']) {
      expect(parseJson(`{"constructor":${value}}`), value).toEqual({ ok: true, value: { constructor: JSON.parse(value) } });
    }
    expect(parseJson('{"prototype":{"a":1},"proto":1}').ok).toBe(true);
    expect(parseJson('{"x":"__proto__"}').ok).toBe(true); // a value, not a key
  });
});

describe('nothing is parsed before the MAC: a forged body is signature_invalid, whatever it holds', () => {
  const FORGED: Array<[string, string | Uint8Array]> = [
    ['not JSON', '{"id":'],
    ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
    ['nested 100 000 deep', withMetadata(objects(100_000))],
    ['a __proto__ key', `{"__proto__":{"polluted":true},${JSON.stringify(policy).slice(1)}`],
    ['an unsafe integer', JSON.stringify({ ...policy, gross_premium: '@' }).replace('"@"', '12345678901234567890')],
    ['a valid policy', JSON.stringify(policy)],
  ];
  it.each(FORGED)('%s', async (_, body) => {
    const headers = await sign('kasko', { type: 'policy.created', body }, 'not-the-secret');
    const forged = await receive('kasko', { body, headers }, { secret: SECRET, maxBodyBytes: 10_000_000 }).catch((error: unknown) => error);
    expect(forged).toBeInstanceOf(WebhookError);
    expect((forged as WebhookError).code).toBe('signature_invalid');
    expect((forged as WebhookError).payload).toBeUndefined();
  });
});

describe('maxBodyBytes: exactly the limit is accepted, one byte over refused, in bytes', () => {
  const json = JSON.stringify({ ...policy, metadata: { note: 'ş'.repeat(400) } }); // 2 bytes a character
  const size = Buffer.byteLength(json);
  it.each([
    ['a byte body', () => Uint8Array.from(Buffer.from(json))],
    ['a string body (UTF-8 bytes, not UTF-16 units)', () => json],
  ] as const)('%s', async (_, form) => {
    const body = form();
    const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
    const at = (maxBodyBytes: number) => receive('kasko', { body, headers }, { secret: SECRET, maxBodyBytes }).catch((error: unknown) => error);
    expect(await at(size)).toMatchObject({ type: 'policy.created' });
    expect(await at(size - 1)).toMatchObject({ code: 'body_too_large', message: `body is larger than ${size - 1} bytes` });
    expect(json.length).toBeLessThan(size - 1); // in UTF-16 units it would fit
    expect(await at(json.length)).toMatchObject({ code: 'body_too_large' });
    expect(await at(0)).toMatchObject({ code: 'body_too_large' });
  });

  it('the default is 1 MiB (1 048 576 bytes): exactly that is accepted, one byte more refused', async () => {
    const padded = (bytes: number) => {
      const base = JSON.stringify({ ...policy, metadata: { note: '' } });
      return base.replace('"note":""', `"note":"${'x'.repeat(bytes - Buffer.byteLength(base))}"`);
    };
    for (const [bytes, expected] of [
      [1024 * 1024, 'policy.created'],
      [1024 * 1024 + 1, 'body_too_large'],
    ] as const) {
      const body = Uint8Array.from(Buffer.from(padded(bytes)));
      expect(body.byteLength).toBe(bytes);
      const headers = await sign('kasko', { type: 'policy.created', body }, SECRET);
      const outcome = await receive('kasko', { body, headers }, { secret: SECRET }).catch((error: unknown) => error);
      expect((outcome as { type?: string; code?: string }).type ?? (outcome as WebhookError).code).toBe(expected);
    }
  });
});

describe('the path of a refused key is found past scalars of every kind', () => {
  it('null, numbers and strings beside the problem are stepped over, in either order', () => {
    for (const body of ['{"b":{"__proto__":1},"a":null}', '{"a":null,"b":{"__proto__":1}}', '{"b":{"__proto__":1},"n":1,"s":"xy","t":true}']) {
      expect(parseJson(body), body).toEqual({ ok: false, reason: 'unsafe', path: '/b/__proto__', message: 'is a prototype-poisoning key and is not accepted' });
    }
  });
});

describe('a malformed body: why, without the body’s text (messages reach answers and logs)', () => {
  // Node 20's V8 quotes the body around the error (`Unexpected token 'A', "{"a": Ay}" is not valid
  // JSON`); the quote is dropped, whatever it holds (a newline too), and V8's other messages are kept.
  it.each([
    ['{"a": Ay}', "Unexpected token 'A'"],
    ['{"a":\n Ay}', "Unexpected token 'A'"],
    ['[4111111111111111,]', "Unexpected token ']'"],
    ['{"a":', 'Unexpected end of JSON input'],
    ['"abc', 'Unterminated string in JSON at position 4'],
    [`{"a":1,"b":"${'x'.repeat(50)}" Ay}`, "Expected ',' or '}' after property value in JSON at position 64"],
    // Longer bodies: V8 quotes ten characters each side of the error, with "..." where it cut.
    ['x'.repeat(30), "Unexpected token 'x'"],
    [`{"tckn":[${'1,'.repeat(20)}X${',1'.repeat(20)}]}`, "Unexpected token 'X'"],
    // The whole body quoted, without a comma: the three words JavaScript has and JSON has not.
    ['undefined', 'Unexpected token'],
    ['NaN', 'Unexpected token'],
    ['Infinity', 'Unexpected token'],
  ])('%j → "body is not JSON: %s"', (text, reason) => {
    expect(parseJson(text)).toEqual({ ok: false, reason: 'malformed', message: `body is not JSON: ${reason}` });
  });
});
