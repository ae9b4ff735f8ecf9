// Re-checks the static mutants a mutation run reported as surviving (`npm run mutate:static`
// after `npm run mutate`). Why: stryker.config.json sets `ignoreStatic` (a static mutant, code that
// runs when a module loads, re-runs the whole suite: 20% of the mutants, 60% of the time), and
// Stryker then runs a "hybrid" mutant (run at load and by tests) without reloading modules, so its
// load-time part is never active and it is reported as surviving whether a test would catch it or
// not. Here each one is applied to the real source file, tests run on the plain vitest
// configuration (fresh modules), and the file is restored. Stryker's coverage names only the first
// test that loaded the module, so the tests run are the fast suites written to kill mutants
// (FAST, below; without the type-level pass), then, for a mutant none of them kills, every test of
// the mutation run.
//
// Usage: [MUTANTS=id,…] tsx scripts/static-mutants.ts [reports/mutation/mutation.json [src/file.ts …]]
// Prints one line per mutant: killed (a test failed) or SURVIVED; exits 1 if any survived. Each
// verdict is also written to reports/mutation/rechecked.json, for scripts/mutation-scores.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mutantKey, offsetOf, type Report } from './mutation-report.js';

// STATIC_TESTS (space-separated vitest filters) narrows the first pass, e.g. to one module's tests.
const FAST = process.env.STATIC_TESTS?.split(' ') ?? ['test/strength-', 'test/receive.test.ts', 'test/threats.test.ts', 'test/known-answer.test.ts', 'test/idempotency-bounds.test.ts'];
// MUTANTS (comma-separated ids of the report) re-checks those survivors instead, static or not: for a
// mutant whose per-test coverage in the Stryker run did not name the tests that kill it.
const IDS = process.env.MUTANTS?.split(',');
const reportPath = process.argv[2] ?? 'reports/mutation/mutation.json';
/** Whether some test fails: vitest exits non-zero. */
const fails = (args: string[]) => spawnSync('npx', ['vitest', 'run', '--bail=1', ...args], { stdio: 'ignore' }).status !== 0;
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
// A verdict is "some test failed", so each pass must first pass without any mutant (once, before its
// first use): a red or flaky suite would otherwise count every mutant as killed.
const FIRST = ['--typecheck.enabled=false', ...FAST];
const FULL = ['--config', 'vitest.stryker.config.ts'];
const green = new Set<string[]>();
const baseline = (args: string[]) => {
  if (green.has(args)) return;
  if (fails(args)) throw new Error(`vitest ${args.join(' ')} fails with no mutant applied: fix the tests (or the machine's load) first`);
  green.add(args);
};

// Verdicts are kept (by where each mutant is, not by its id) for scripts/mutation-scores.ts.
const VERDICTS = 'reports/mutation/rechecked.json';
const verdicts: Record<string, 'killed' | 'survived'> = existsSync(VERDICTS) ? JSON.parse(readFileSync(VERDICTS, 'utf8')) : {};
let survived = 0;
const only = process.argv.slice(3);
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  if (only.length && !only.includes(file)) continue;
  for (const mutant of mutants) {
    // By id, a mutant without coverage too (Stryker's per-test coverage can miss the tests that reach it).
    const candidate = mutant.status === 'Survived' || (IDS !== undefined && mutant.status === 'NoCoverage');
    if (!candidate || !(IDS ? IDS.includes(mutant.id) : mutant.static)) continue;
    // A verdict already kept for this file's content is not re-checked (RECHECK=1 re-checks it).
    if (verdicts[mutantKey(file, source, mutant)] !== undefined && !process.env.RECHECK) continue;
    const start = offsetOf(source, mutant.location.start);
    const end = offsetOf(source, mutant.location.end);
    const mutated = source.slice(0, start) + (mutant.replacement ?? '') + source.slice(end);
    const original = readFileSync(file, 'utf8');
    if (original !== source) {
      console.log(`skipped  ${file}:${mutant.location.start.line}:${mutant.location.start.column}: the file changed since the mutation run`);
      continue;
    }
    baseline(FIRST); // on the real file
    writeFileSync(file, mutated);
    let killed: boolean;
    try {
      killed = fails(FIRST);
      if (!killed && !green.has(FULL)) {
        writeFileSync(file, original);
        baseline(FULL);
        writeFileSync(file, mutated);
      }
      killed ||= fails(FULL);
    } finally {
      writeFileSync(file, original);
    }
    if (!killed) survived++;
    verdicts[mutantKey(file, source, mutant)] = killed ? 'killed' : 'survived';
    writeFileSync(VERDICTS, `${JSON.stringify(verdicts, null, 1)}\n`);
    const where = `${file}:${mutant.location.start.line}:${mutant.location.start.column}`;
    console.log(`${killed ? 'killed  ' : 'SURVIVED'} ${where} ${mutant.mutatorName} -> ${JSON.stringify((mutant.replacement ?? '').slice(0, 60))}`);
  }
}
process.exitCode = survived ? 1 : 0;
