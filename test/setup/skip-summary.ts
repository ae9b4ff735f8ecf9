// A reporter beside vitest's own: the run's last lines say which tests were skipped and why, with
// the command that enables them (notes from test/helpers/system.ts), then one closing line
// "tests: N passed, N failed, N skipped" that CI reads the way it reads other runners' summaries.
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    // Every failure counts, not only failed tests: a file that failed to load, a beforeAll/afterAll
    // that threw (its tests are then reported as skipped), an error thrown outside any test.
    let failed = unhandledErrors.length;
    const skipped = new Map<string, string[]>();
    for (const module of modules) {
      failed += module.errors().length;
      for (const suite of module.children.allSuites()) failed += suite.errors().length;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failed++;
        else if (result.state === 'skipped') {
          const why = result.note ?? (test.options.mode === 'todo' ? 'todo' : 'skipped in the test file (no note)');
          skipped.set(why, [...(skipped.get(why) ?? []), test.fullName]);
        }
      }
    }
    const total = [...skipped.values()].reduce((n, tests) => n + tests.length, 0);
    const lines: string[] = [];
    if (total > 0) {
      lines.push('', `Skipped ${total} test(s):`);
      for (const [why, tests] of skipped) lines.push(`  ${tests.length} ${why}`, ...tests.slice(0, 3).map((name) => `      ${name}`), ...(tests.length > 3 ? [`      … and ${tests.length - 3} more`] : []));
    }
    lines.push('', `tests: ${passed} passed, ${failed} failed${total ? `, ${total} skipped` : ''}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
