import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { examples } from '../src/index.js';

describe('npm run demo', () => {
  it('sends every example and every bad delivery to a real receiver and gets the expected answers', () => {
    const output = execFileSync('npm', ['run', '--silent', 'demo'], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
    const documented = Object.values(examples).flatMap((events) => Object.keys(events)).length;
    const [, passed] = /^(\d+) passed, 0 failed$/m.exec(output) ?? [];
    // One row per example of every event, and the refusals after them.
    expect(Number(passed)).toBeGreaterThan(documented);
    expect(output.split('\n').filter((line) => / ok$/.test(line))).toHaveLength(Number(passed));
    expect(output).toMatch(/kasko\s+policy\.created\s+tampered body\s+401\s+signature_invalid/);
    expect(output).toMatch(/kasko\s+policy\.updated\s+replayed \(sent twice\)\s+200\s+duplicate acknowledged, handler ran 1×/);
    expect(output).not.toMatch(/UNEXPECTED/);
  }, 60_000);
});
