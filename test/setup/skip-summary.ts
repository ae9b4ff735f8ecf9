// A reporter beside vitest's own: the run's last lines say which tests were skipped and why, with
// the command that enables them (notes from test/helpers/system.ts), then one closing line
// "tests: N passed, N failed, N skipped" that CI reads the way it reads other runners' summaries.
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    const skipped = new Map<string, string[]>();
    for (const module of modules) {
      // A file that failed before its tests ran (import error, beforeAll) counts as a failure.
      if (module.state() === 'failed' && module.errors().length > 0) failed++;
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
    const lines: string[] = [];
    if (skipped.size > 0) {
      lines.push('', `Skipped ${[...skipped.values()].reduce((n, tests) => n + tests.length, 0)} test(s):`);
      for (const [why, tests] of skipped) lines.push(`  ${tests.length} ${why}`, ...tests.slice(0, 3).map((name) => `      ${name}`), ...(tests.length > 3 ? [`      … and ${tests.length - 3} more`] : []));
    }
    const total = [...skipped.values()].reduce((n, tests) => n + tests.length, 0);
    lines.push('', `tests: ${passed} passed, ${failed} failed${total ? `, ${total} skipped` : ''}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
