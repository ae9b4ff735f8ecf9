import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // One folder per run for the packed package, built on first use (test/helpers/packed-package.ts).
    globalSetup: ['./test/setup/packed-workdir.ts'],
    // vitest's report, then what was skipped and why, and a closing count line (skip-summary.ts).
    reporters: ['default', './test/setup/skip-summary.ts'],
    // Type-level tests (*.test-d.ts) run through tsc and are reported like the others.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
