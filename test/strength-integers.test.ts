// Integers JSON.parse would round, found in the text (src/core/unsafe-integers.ts), and which bodies
// parseJson walks at all (src/core/json.ts): tables written from the kinds of mutant that survived.
// hasLongDigitRun is checked against a regular expression on every placement of a digit run around
// its 16-character stride; unsafeIntegerPath on each token kind (strings with escapes, exponents,
// signs, fractions, nesting).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasLongDigitRun, unsafeIntegerPath } from '../src/core/unsafe-integers.js';
import { MAX_DEPTH, parseJson } from '../src/core/json.js';

describe('hasLongDigitRun = /[0-9]{16}/ (without a regular expression)', () => {
  it('agrees on every run of 14–18 digits at every offset, with digits or not around it', () => {
    let checked = 0;
    for (let before = 0; before <= 40; before++) {
      for (let run = 14; run <= 18; run++) {
        for (const [head, tail] of [
          ['a', 'b'],
          ['1', 'x'],
          ['x', '2'],
          ['-', '.'],
        ]) {
          for (let after = 0; after <= 3; after++) {
            const text = head!.repeat(before) + '7'.repeat(run) + tail!.repeat(after);
            expect(hasLongDigitRun(text), text).toBe(/[0-9]{16}/.test(text));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(41 * 5 * 4 * 4);
  });

  it('two short runs are not one long run; runs at the very start and end count', () => {
    for (const [text, expected] of [
      ['', false],
      ['1234567890123456', true],
      ['123456789012345', false],
      ['12345678.12345678', false],
      ['12345678901234567890', true],
      [`${'x'.repeat(16)}1234567890123456`, true],
      [`1234567890123456${'x'.repeat(40)}`, true],
      [`${'x'.repeat(15)}1${'x'.repeat(15)}234567890123456`, false],
      [`${'1'.repeat(8)}x${'1'.repeat(8)}x${'1'.repeat(16)}`, true],
    ] as const) {
      expect(hasLongDigitRun(text), text).toBe(expected);
      expect(/[0-9]{16}/.test(text)).toBe(expected);
    }
  });
});

describe('unsafeIntegerPath: the first number whose integer part is beyond 2^53 − 1', () => {
  it.each([
    ['{"a":12345678901234567890}', '/a'],
    ['{"a":-12345678901234567890}', '/a'],
    ['{"a":9007199254740993}', '/a'],
    ['{"a":9007199254740991}', undefined],
    ['{"a":-9007199254740991}', undefined],
    ['{"a":-9007199254740992}', '/a'],
    ['{"a":1234567890123456.5}', undefined],
    ['{"a":12345678901234567.5}', '/a'],
    ['{"a":123456789012345678e2}', '/a'],
    ['{"a":9007199254740993e-5}', undefined],
    ['{"a":-9007199254740993E-5}', undefined],
    ['{"a":90071992547409910e-1}', undefined],
    ['{"a":90071992547409920e-1}', '/a'],
    ['12345678901234567890', ''],
    ['[1,2,12345678901234567890]', '/2'],
    ['[[1],[2,12345678901234567890]]', '/1/1'],
    ['{"a":[{"b":1},{"c":12345678901234567890}]}', '/a/1/c'],
    ['{"a":[1,2],"b":12345678901234567890}', '/b'],
    ['{"a":{"x":1},"b":[0,12345678901234567890]}', '/b/1'],
    ['{"a":"12345678901234567890"}', undefined],
    ['{"a":"x\\"12345678901234567890"}', undefined],
    ['{"a":"x\\\\\\"12345678901234567890"}', undefined],
    ['{"a":"x\\\\","b":12345678901234567890}', '/b'],
    ['{"a\\/b":12345678901234567890}', '/a~1b'],
    ['{"a~b":12345678901234567890}', '/a~0b'],
    ['{"\\u0061":12345678901234567890}', '/a'],
    ['{"12345678901234567890":1}', undefined],
    ['{"a":1e1234567890123456789}', undefined],
    ['{"a":1E1234567890123456789}', undefined],
    ['{"a":1e+1234567890123456789}', undefined],
    ['{"a":1e-1234567890123456789}', undefined],
    ['{"a":0.12345678901234567890}', undefined],
    ['{"a":-0.12345678901234567890}', undefined],
    ['{"a":1,"b":2,"c":[true,false,null,"s",12345678901234567890]}', '/c/4'],
  ])('%s → %s', (text, path) => {
    JSON.parse(text); // valid JSON, as unsafeIntegerPath assumes
    expect(unsafeIntegerPath(text)).toBe(path);
  });

  it('through parseJson: refused as unsafe naming the path, short or long (walked) alike', () => {
    for (const pad of ['', 'x'.repeat(2 * MAX_DEPTH)]) {
      expect(parseJson(`{"pad":"${pad}","n":[0,-12345678901234567890]}`)).toEqual({
        ok: false,
        reason: 'unsafe',
        path: '/n/1',
        message: 'is an integer beyond 2^53 − 1 (9007199254740991) that JavaScript cannot hold exactly; refused rather than rounded',
      });
      expect(parseJson(`{"pad":"${pad}","n":[9007199254740991,1e300,"12345678901234567890"]}`).ok).toBe(true);
    }
  });

  it('the same answer walked or skimmed: a literal with 16+ digits before its exponent is judged by its value', () => {
    // Walked: the body holds a \\u escape, or is long and sparse; skimmed: short and plain.
    for (const [literal, refused] of [
      ['9007199254740993e-5', false],
      ['90071992547409910e-1', false],
      ['90071992547409920e-1', true],
      ['9007199254740993.5', true],
    ] as const) {
      const answers = [`{"n":${literal}}`, `{"s":"\\u0041","n":${literal}}`, `{"pad":"${'x'.repeat(2 * MAX_DEPTH)}","n":${literal}}`].map((body) => {
        const outcome = parseJson(body);
        return outcome.ok ? 'ok' : `${outcome.reason} ${outcome.path}`;
      });
      expect(answers, literal).toEqual(Array(3).fill(refused ? 'unsafe /n' : 'ok'));
    }
  });
});

describe('parseJson walks only bodies that could hold a problem (the walk is the cost)', () => {
  afterEach(() => vi.restoreAllMocks());
  /** Object.keys calls made while parsing `text`: one per object walked (arrays are walked by index). */
  const walks = (text: string) => {
    const keys = vi.spyOn(Object, 'keys');
    try {
      parseJson(text);
      return keys.mock.calls.length;
    } finally {
      keys.mockRestore();
    }
  };
  const withLength = (length: number) => {
    const base = '{"a":{"b":[1]},"s":""}';
    return base.replace('"s":""', `"s":"${'x'.repeat(length - base.length)}"`);
  };

  it('not walked: shorter than 2 × MAX_DEPTH characters, with no "proto" and no \\u escape', () => {
    expect(withLength(2 * MAX_DEPTH - 1)).toHaveLength(1999);
    expect(walks(withLength(2 * MAX_DEPTH - 1))).toBe(0);
    expect(walks('{"a":{"constructor":{"name":1}}}')).toBe(0);
    expect(walks('[1,2,3]')).toBe(0);
    expect(walks('"proto"')).toBe(0); // not an object: nothing to walk
    expect(walks(`${' '.repeat(3000)}null`)).toBe(0);
    expect(walks(`"${'x'.repeat(3000)}"`)).toBe(0);
  });

  it('walked once, one visit per object: from exactly 2 × MAX_DEPTH characters, or with "proto" or \\u', () => {
    expect(withLength(2 * MAX_DEPTH)).toHaveLength(2000);
    expect(walks(withLength(2 * MAX_DEPTH))).toBe(2); // the objects: the root and /a (the array /a/b by index)
    expect(walks('{"a":{"prototype":[1]}}')).toBe(2);
    expect(walks('{"a":{"\\u0062":[1]}}')).toBe(2);
  });

  it('walked when longer than 512 characters per container: exactly 512 × containers is not, one more is', () => {
    const base = '{"a":{"b":[{}]},"s":""}'; // 4 containers: 3 objects, 1 array
    const padded = (length: number) => base.replace('"s":""', `"s":"${'x'.repeat(length - base.length)}"`);
    expect(padded(4 * 512)).toHaveLength(2048);
    expect(walks(padded(4 * 512))).toBe(0);
    expect(walks(padded(4 * 512 + 1))).toBe(3);
    // Braces inside strings count as containers (an overcount only costs the walk).
    const braced = (length: number) => padded(length).replace('"s":"xxxxxxxx', '"s":"{{{{[[[[');
    expect(walks(braced(12 * 512))).toBe(0);
    expect(walks(braced(12 * 512 + 1))).toBe(3);
  });

  it('a problem found is walked again only to name it', () => {
    expect(walks('{"a":{"__proto__":1}}')).toBe(2 + 2); // found in the second container, named in a second pass
    expect(parseJson('{"a":{"__proto__":1}}')).toMatchObject({ path: '/a/__proto__' });
  });

  it('primitives, null and whitespace around them are values, not walked and not refused', () => {
    for (const text of ['null', '1', '"s"', 'true', `${' '.repeat(3000)}null`, ` ${'1'.padEnd(10, '0')} `]) {
      expect(parseJson(text), text).toEqual({ ok: true, value: JSON.parse(text) });
    }
  });

  it('a malformed body says why, after "body is not JSON: "', () => {
    const outcome = parseJson('{"a":');
    expect(outcome).toMatchObject({ ok: false, reason: 'malformed' });
    const message = (outcome as { message: string }).message;
    expect(message.startsWith('body is not JSON: ')).toBe(true);
    expect(message.length).toBeGreaterThan('body is not JSON: '.length + 5);
    expect(message).toBe(`body is not JSON: ${(() => {
      try {
        JSON.parse('{"a":');
      } catch (error) {
        return (error as Error).message;
      }
    })()}`);
  });
});
