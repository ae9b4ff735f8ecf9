import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('sends every example and every bad delivery to a real receiver and gets the expected answers', () => {
    const output = execFileSync('npm', ['run', '--silent', 'demo'], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
    expect(output).toMatch(/^25 passed, 0 failed$/m);
    expect(output).toMatch(/kasko\s+policy\.created\s+tampered body\s+401\s+signature_invalid/);
    expect(output).not.toMatch(/UNEXPECTED/);
  }, 60_000);
});
