// The vitest configuration StrykerJS runs (`npm run mutate`, stryker.config.json): the in-process
// tests of the mutated code. Left out: tests of the packed package, the CLI, the docs, the
// generator and the fifth-provider proof, which build or spawn and exercise dist/ or child processes, where a mutant in the
// sandbox's src/ is not active. No type-level tests (typecheck is `npm test`'s job).
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The test-strength files first (fast, and written to kill mutants), the slow in-process suites
 * last: Stryker stops a mutant's run at its first failing test, so a killed mutant costs least.
 */
class StrengthFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => (file.moduleId.includes('/test/strength-') ? 0 : /\/test\/(fuzz|failure|known-answer|recipes|testing|adapters)\.test\.ts$/.test(file.moduleId) ? 2 : 1);
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/package.test.ts',
      'test/cli.test.ts',
      'test/docs-snippets.test.ts',
      'test/demo.test.ts',
      'test/drift.test.ts',
      'test/generator.test.ts',
      'test/docs.test.ts',
      'test/reference-docs.test.ts',
      'test/fifth-provider.test.ts', // copies the project (a git listing) and type-checks, generates and serves the copy
    ],
    testTimeout: 20_000,
    globalSetup: ['./test/setup/packed-workdir.ts'],
    setupFiles: ['./test/setup/stryker-skip.ts'],
    sequence: { sequencer: StrengthFirst },
    typecheck: { enabled: false },
  },
});
