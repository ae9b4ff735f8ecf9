// The score table of docs/testing-strength.md from a mutation run (issue 20): `npm run mutate`,
// then `npx tsx scripts/static-mutants.ts` (its verdicts go to reports/mutation/rechecked.json),
// then this. Every survivor must be killed on re-check or listed as equivalent, with why, in
// docs/mutation-equivalents.json; the rest are printed and make it exit 1.
//
// Usage: tsx scripts/mutation-scores.ts [reports/mutation/mutation.json]
import { existsSync, readFileSync } from 'node:fs';
import { mutantKey, offsetOf, type Report } from './mutation-report.js';

interface Equivalent {
  file: string;
  /** The source text the mutant replaces, exactly. */
  at: string;
  replacement: string;
  /** Text on the mutant's first line, where `at` → `replacement` occurs elsewhere too. */
  near?: string;
  why: string;
}

const reportPath = process.argv[2] ?? 'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
const rechecked: Record<string, 'killed' | 'survived'> = existsSync('reports/mutation/rechecked.json') ? JSON.parse(readFileSync('reports/mutation/rechecked.json', 'utf8')) : {};
const equivalents = JSON.parse(readFileSync('docs/mutation-equivalents.json', 'utf8')) as Equivalent[];
const used = new Set<Equivalent>();

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const rows: string[] = [];
const unaccounted: string[] = [];
const total = { mutants: 0, killed: 0, rechecked: 0, equivalent: 0, open: 0 };
const percent = (part: number, whole: number) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)}%`);

// The report's verdicts, the re-checks and the equivalents all hold for the source the run
// mutated, kept in the report: a file changed since then is not measured (run `npm run mutate` again).
const stale: string[] = [];
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  if (!existsSync(file) || readFileSync(file, 'utf8') !== source) stale.push(file);
  const row = { mutants: 0, killed: 0, rechecked: 0, equivalent: 0, open: 0 };
  const lines = source.split('\n');
  for (const mutant of mutants) {
    if (DETECTED.has(mutant.status)) {
      row.mutants++;
      row.killed++;
      continue;
    }
    if (!UNDETECTED.has(mutant.status)) continue; // did not compile, or ignored: not a mutant of the program
    row.mutants++;
    if (rechecked[mutantKey(file, source, mutant)] === 'killed') {
      row.rechecked++;
      continue;
    }
    const at = source.slice(offsetOf(source, mutant.location.start), offsetOf(source, mutant.location.end));
    const line = lines[mutant.location.start.line - 1] ?? '';
    const equivalent = equivalents.find((e) => e.file === file && e.at === at && e.replacement === (mutant.replacement ?? '') && (e.near === undefined || line.includes(e.near)));
    if (equivalent) {
      used.add(equivalent);
      row.equivalent++;
      continue;
    }
    row.open++;
    unaccounted.push(`${file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.mutatorName} ${JSON.stringify(at.slice(0, 80))} -> ${JSON.stringify((mutant.replacement ?? '').slice(0, 80))}${mutant.static ? ' (static)' : ''} [${mutant.status}]`);
  }
  for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += row[key];
  rows.push(`| \`${file}\` | ${row.mutants} | ${row.killed} | ${row.rechecked} | ${row.equivalent} | ${row.open} | ${percent(row.killed + row.rechecked, row.mutants)} | ${percent(row.killed + row.rechecked, row.mutants - row.equivalent)} |`);
}
console.log('| file | mutants | killed by the run | killed on re-check | equivalent | unaccounted | score | without equivalents |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
const detected = total.killed + total.rechecked;
console.log(`| **all** | ${total.mutants} | ${total.killed} | ${total.rechecked} | ${total.equivalent} | ${total.open} | **${percent(detected, total.mutants)}** | ${percent(detected, total.mutants - total.equivalent)} |`);
for (const equivalent of equivalents) if (!used.has(equivalent)) console.log(`\nunused equivalent (no surviving mutant matches it): ${equivalent.file} ${JSON.stringify(equivalent.at)} -> ${JSON.stringify(equivalent.replacement)}`);
if (stale.length > 0) {
  console.log(`\n${stale.length} files changed since the mutation run (its counts do not hold for them):`);
  for (const file of stale) console.log(`  ${file}`);
  process.exitCode = 1;
}
if (unaccounted.length > 0) {
  console.log(`\n${unaccounted.length} survivors neither killed on re-check nor listed as equivalent:`);
  for (const line of unaccounted) console.log(`  ${line}`);
  process.exitCode = 1;
}
