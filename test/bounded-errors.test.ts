// The generated validators stop visiting items once they hold MAX_SCHEMA_ERRORS errors
// (scripts/lib/validators.ts, stopFullLoops): refusing a body of many bad items stays cheap, and
// the verdict and the recorded errors are the ones a full visit gives.
import { describe, expect, it } from 'vitest';
import { InsurupProposalPremiumReceived, InsurupProposalPremiumReceivedStrict } from '../generated/insurup/validators.js';
import { MAX_SCHEMA_ERRORS } from '../src/core/validation.js';
import { examples } from '../src/index.js';

const example = examples.insurup['proposal_premium.received'];

/** An array of `items` whose index reads are counted: how many items the validator visited. */
function counted<T>(items: T[]): { array: T[]; reads: () => number } {
  let reads = 0;
  const array = new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^[0-9]+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { array, reads: () => reads };
}

describe('generated validators: bounded work on bodies of many bad items', () => {
  for (const [name, validate] of [
    ['production', InsurupProposalPremiumReceived],
    ['strict', InsurupProposalPremiumReceivedStrict],
  ] as const) {
    it(`${name}: stops visiting premiums once ${MAX_SCHEMA_ERRORS} errors are held, with the errors a full visit records`, () => {
      for (const bad of [1, {}, 'x', null]) {
        const { array, reads } = counted(Array.from({ length: 50_000 }, () => bad));
        expect(validate({ ...example, premiums: array })).toBe(false);
        expect(validate.errors).toHaveLength(MAX_SCHEMA_ERRORS);
        expect(reads()).toBeLessThanOrEqual(2 * MAX_SCHEMA_ERRORS);
        // The first errors are those of the first items, in order: the same a full visit records.
        const paths = validate.errors!.map((error) => error.instancePath);
        expect(paths[0]).toBe('/premiums/0');
        expect(new Set(paths).size).toBeLessThanOrEqual(MAX_SCHEMA_ERRORS);
        expect(paths.every((path, i) => i === 0 || Number(path.split('/')[2]) >= Number(paths[i - 1]!.split('/')[2]))).toBe(true);
      }
    });

    it(`${name}: every item is still visited while fewer than ${MAX_SCHEMA_ERRORS} errors are held`, () => {
      const good = example.premiums[0];
      const items = Array.from({ length: 5_000 }, () => good);
      items[4_999] = 1 as unknown as typeof good; // the only bad item is the last one
      const { array, reads } = counted(items);
      expect(validate({ ...example, premiums: array })).toBe(false);
      expect(reads()).toBeGreaterThanOrEqual(5_000);
      expect(validate.errors!.map((error) => error.instancePath)).toEqual(['/premiums/4999']);
      expect(validate({ ...example, premiums: Array.from({ length: 5_000 }, () => good) })).toBe(true);
    });
  }

  it('strict: unknown keys and bad items together, in whichever order the validator meets them, stay bounded', () => {
    const { array, reads } = counted(Array.from({ length: 10_000 }, () => 1));
    const unknown = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`extra_${i}`, i]));
    expect(InsurupProposalPremiumReceivedStrict({ ...example, ...unknown, premiums: array })).toBe(false);
    expect(InsurupProposalPremiumReceivedStrict.errors).toHaveLength(MAX_SCHEMA_ERRORS);
    expect(reads()).toBeLessThanOrEqual(2 * MAX_SCHEMA_ERRORS);
  });
});
