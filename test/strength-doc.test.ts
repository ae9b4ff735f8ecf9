// docs/testing-strength.md maps each security property of the README to the tests that fail
// without it: every test it names must exist, spelled as in its file, so the table cannot drift.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../docs/testing-strength.md', import.meta.url), 'utf8');
const table = doc.split('## Security properties and the test that fails without each')[1]!.split('\n## ')[0]!;
const cited = [...table.matchAll(/`([\w.-]+\.test\.ts)` › ([^<|]+?)(?=<br>| \|)/g)].map((m) => ({ file: m[1]!, name: m[2]!.trim() }));
/** A test name as its source spells it: a backslash is written twice in a string literal. */
const spelled = (name: string) => [name, name.replaceAll('\\', '\\\\')];

describe('docs/testing-strength.md', () => {
  it('names tests for the properties (the table is read)', () => {
    expect(cited.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cited)('$file has the test "$name"', ({ file, name }) => {
    const source = readFileSync(new URL(file, import.meta.url), 'utf8');
    expect(spelled(name).some((form) => source.includes(form))).toBe(true);
  });
});
