// Setup file of the mutation run only (vitest.stryker.config.ts): tests that cannot run, or cannot
// run in reasonable time, on Stryker's instrumented copy of src/. Each is named with why, and with
// what kills the same mutants there (docs/testing-strength.md). `npm test` runs them all.
import { beforeEach } from 'vitest';

/** Tests by name: bulk work that takes minutes once every statement is instrumented. */
const SLOW: Record<string, string> = {
  // 1000 SHA-256 digests of 32 KB: ~20 s instrumented. The same accounting is checked on one key by
  // "keeps a 16 KB key as its 71-character SHA-256", and SHA-256 itself by its known answers.
  'at the default maxBytes (64 MiB), 16 KB ids cost about 0.4 KB each, not 32 KB': 'bulk SHA-256',
};

/** Test files that read src/ as text: in the sandbox that text is Stryker's instrumented code. */
const READS_SOURCE = ['strength-constant-time.test.ts'];

beforeEach((context) => {
  const file = context.task.file.name;
  if (READS_SOURCE.some((name) => file.endsWith(name))) context.skip('reads src/ as text (instrumented in the mutation sandbox)');
  if (Object.hasOwn(SLOW, context.task.name)) context.skip(`too slow instrumented: ${SLOW[context.task.name]}`);
});
