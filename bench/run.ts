// `npm run bench`: the evidence of speed, in one table (method: docs/benchmarks.md).
//
//   npm run bench                  full run (about 2½ minutes on 2 cores)
//   npm run bench -- --quick       one process, short sampling: a smoke test, not evidence
//   npm run bench -- --docs        also writes the result into docs/benchmarks.md
//   npm run bench -- --only=1,4    some parts only (1 hot path, 2 peers, 3 scaling, 4 cold start, 5 size,
//                                  6 observability: handle() with and without OpenTelemetry,
//                                  7 HTTP: autocannon against each adapter and the same framework's bare route,
//                                  8 inbox: capture-first answer latency vs handling in the request)
//   npm run bench -- --only=8 --inbox-rounds=7 --inbox-per-round=40 --handler-ms=25   part 8's runs
//   npm run bench -- --http-seconds=3 --http-rounds=5 --connections=10   part 7's runs
//   npm run bench -- --only=7 --http=node,fastify   part 7 for some servers only (node, node-no-idempotency,
//                                  node-receive, express, fastify, hono)
//   npm run bench -- --procs=9     in-process parts (1–3) in 9 fresh processes instead of 5
//   npm run bench -- --clock=wall  time samples by elapsed time instead of process CPU time
//
// The code measured is the compiled dist/ (what users run), rebuilt first when older than src/ or
// generated/, then copied aside so a build running elsewhere cannot change it mid-run.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, ensureDist, loadDist, machine, ROOT, snapshotDist } from './lib/env.js';
import { useClock } from './lib/measure.js';
import { combine, met, renderTable, type Result } from './lib/table.js';
import { coldStart } from './sections/cold.js';
import { hotPath } from './sections/hot.js';
import { httpThroughput } from './sections/http.js';
import { inboxLatency } from './sections/inbox.js';
import { observability } from './sections/observe.js';
import { scaling } from './sections/scaling.js';
import { sizes } from './sections/size.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = flag('quick');
const only = new Set((value('only') ?? '1,2,3,4,5,6,7,8').split(',').map(Number));
const procs = Number(value('procs') ?? (quick ? 1 : 5));
/** Processes measuring receiveSync() (hot path only). */
const syncProcs = Math.max(1, Math.round(procs * 0.6));
const spawns = Number(value('spawns') ?? (quick ? 5 : 20));
/** Sampling time per comparison (all its cases together), ms. */
const budgetMs = Number(value('budget') ?? (quick ? 600 : 1500));
/** mitata's per-case sampling time for the cross-check column (first process only), ms. */
const mitataMs = Number(value('mitata') ?? (quick ? 0 : 150));
/** cpu (default): process CPU time, immune to waiting for a core while others run; wall: elapsed time. */
/** Part 7: seconds per autocannon run, interleaved rounds per pair, connections. */
const httpSeconds = Number(value('http-seconds') ?? (quick ? 1 : 3));
const httpRounds = Number(value('http-rounds') ?? (quick ? 1 : 5));
const connections = Number(value('connections') ?? 10);
/** Part 8: measured rounds, deliveries per variant and round, the handler's downstream call in ms. */
const inboxRounds = Number(value('inbox-rounds') ?? (quick ? 2 : 7));
const inboxPerRound = Number(value('inbox-per-round') ?? (quick ? 10 : 40));
const handlerMs = Number(value('handler-ms') ?? 25);
const clockKind = value('clock') === 'wall' ? 'wall' : 'cpu';
useClock(clockKind);

if (flag('worker')) {
  // One fresh process measuring parts 1–3 side by side; the parent combines several of these.
  const lib = await loadDist(value('dist')!);
  const api = value('api') === 'receiveSync' ? 'receiveSync' : 'receive';
  const results: Result[] = [];
  if (only.has(1) || only.has(2)) results.push(...(await hotPath(lib, { budgetMs, mitataMs, api })).filter((r) => only.has(r.part)));
  if (only.has(3) && api === 'receive') results.push(...(await scaling(lib, { budgetMs: budgetMs / 2, mitataMs })));
  // Last: it registers an OpenTelemetry SDK for the rest of the process.
  if (only.has(6) && api === 'receive') results.push(...(await observability(lib, value('dist')!, { budgetMs, mitataMs })));
  process.stdout.write(`\n${JSON.stringify(results)}\n`);
  process.exit(0);
}

const started = performance.now();
const progress = (text: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${text}\n`);
const host = machine();
const command = commandLine();
const build = ensureDist();
const dist = snapshotDist();
const lib = await loadDist(dist);

const results: Result[] = [];
const notes: string[] = [build];

const inProcess = [1, 2, 3, 6].filter((part) => only.has(part));
/** Runs `count` fresh worker processes and combines their results (median of every number). */
function workers(count: number, api: 'receive' | 'receiveSync', parts: number[], budget: number): Result[] {
  const runs: Result[][] = [];
  for (let i = 0; i < count; i++) {
    progress(`${api}(): parts ${parts.join(', ')}, process ${i + 1} of ${count} …`);
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--worker',
        `--dist=${dist}`,
        `--api=${api}`,
        `--only=${parts.join(',')}`,
        `--budget=${budget}`,
        `--mitata=${i === 0 ? mitataMs : 0}`,
        `--clock=${clockKind}`,
      ],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
    );
    if (child.status !== 0) throw new Error(`benchmark process ${i + 1} (${api}) failed (exit ${child.status})`);
    runs.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Result[]);
  }
  return combine(runs);
}
if (inProcess.length) {
  const main = workers(procs, 'receive', inProcess, budgetMs);
  if (only.has(1)) {
    // receiveSync() in processes of its own (see sections/hot.ts); its rows go under receive()'s.
    const sync = workers(syncProcs, 'receiveSync', [1], budgetMs);
    for (const row of sync) {
      const provider = row.what.split(':')[0]!;
      let after = main.length - 1;
      for (let i = 0; i < main.length; i++) if (main[i]!.part === 1 && /^\w+: receive(Sync)?\(\) vs floor/.test(main[i]!.what) && main[i]!.what.startsWith(`${provider}:`)) after = i;
      main.splice(after + 1, 0, row);
    }
  }
  results.push(...main);
}
if (only.has(4)) {
  progress(`cold start (${spawns} spawns per variant) …`);
  results.push(...(await coldStart(lib, dist, spawns)));
}
if (only.has(7)) {
  results.push(...(await httpThroughput(lib, dist, { seconds: httpSeconds, rounds: httpRounds, connections, warmupSeconds: quick ? 1 : 2, progress, ...(value('http') ? { kinds: value('http')!.split(',') } : {}) })));
}
if (only.has(8)) {
  progress(`inbox: ${inboxRounds} rounds of ${inboxPerRound} deliveries per variant …`);
  results.push(...(await inboxLatency({ rounds: inboxRounds, perRound: inboxPerRound, handlerMs, progress })));
}
if (only.has(5)) {
  progress('bundle size …');
  const size = await sizes(dist);
  results.push(...size.results);
  notes.push(...size.notes);
}

const targeted = results.filter((r) => met(r) !== undefined);
const missed = targeted.filter((r) => met(r) === false);
const seconds = ((performance.now() - started) / 1000).toFixed(0);
const report = [
  `- machine: ${host.cpu}, ${host.cores} cores, ${host.platform}; load average at start ${host.load}`,
  `- node ${host.node} (V8 ${host.v8}); ${new Date().toISOString()}`,
  ...(Number(host.load.split(' ')[0]) > host.cores
    ? [`- **measured under load**: the load average at start exceeded the ${host.cores} cores (other processes were running); ratios read 0.1–0.3 higher than on a quiet machine and move between runs: re-run \`npm run bench -- --docs\` on a quiet machine for the record`]
    : []),
  `- command: \`${command}\` (${seconds} s)`,
  `- method: parts 1–3 and 6 in ${procs} fresh process${procs > 1 ? 'es' : ''} (receiveSync() rows: ${syncProcs} more) (median of their results), ${clockKind} time, cases sampled alternately for ${budgetMs} ms per comparison${mitataMs ? `; cross-check: mitata ${mitataMs} ms per case` : ''}; part 4: ${spawns} spawns per variant, wall-time medians; part 7: autocannon, ${connections} connections, ${httpRounds} interleaved rounds of ${httpSeconds} s per server (ratio: median of the per-round ratios, min–max in brackets)${only.has(8) ? `; part 8: \`webhooks.handle()\` from the source (tsx), no HTTP, one delivery at a time, ${inboxRounds} interleaved rounds of ${inboxPerRound} deliveries per variant, handler ${handlerMs} ms, median latency per round` : ''}`,
  '',
  renderTable(results),
  '',
  `**targets met: ${targeted.length - missed.length} of ${targeted.length}**${missed.length ? `; missed: ${missed.map((r) => r.what).join('; ')}` : ''}`,
  '',
  ...notes.map((note) => `- ${note}`),
].join('\n');
process.stdout.write(`${report}\n`);

if (flag('docs')) {
  const file = join(ROOT, 'docs', 'benchmarks.md');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: markers ${start} … ${end} not found`);
  writeFileSync(file, `${text.slice(0, from + start.length)}\n\n${report}\n\n${text.slice(to)}`);
  progress('docs/benchmarks.md updated');
}
