// Where the time goes: runs one pipeline in a loop under `node --cpu-prof` and prints the top
// self-time functions (the same reading as Chrome DevTools' "Bottom-Up" view).
//
//   npx tsx bench/profile.ts [provider=kasko] [pipeline=receiveSync|receive|floor] [seconds=4] [bytes]
//                            [--structured] [--escaped=php|dotnet]
//   npx tsx bench/profile.ts http <server=node|node-bare|express|fastify|hono|…> [seconds=6]
//
// `http` profiles one server of part 7 (bench/http/server.mjs) under autocannon (10 connections,
// fresh signed deliveries), the server alone under --cpu-prof in its own process, and also prints
// self time by origin (the package's dist/, node_modules, Node's internals).
//
// `bytes` pads a KASKO policy.created body to that size with a long string (--structured: with
// repeated assets, many keys), as part 3 of the benchmark does; --escaped sends the documented
// example as PHP (`\/`) or .NET (`\uXXXX`) would serialize it. The profiled code is the compiled
// dist/ (rebuilt when stale), as in `npm run bench`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { selfByOrigin, topSelf, topTotal, type CpuProfile } from './lib/cpuprofile.js';
import { ensureDist, loadDist, ROOT, snapshotDist } from './lib/env.js';
import { deliveries, load, startServer, stopServer, type Kind } from './sections/http.js';
import { documentedExample, escapedJson, floorOf, makeDelivery, paddedKasko, structuredKasko, type ProviderName } from './lib/fixtures.js';

const [provider = 'kasko', pipeline = 'receiveSync', secondsText = '4', bytesText] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const escaped = process.argv.find((a) => a.startsWith('--escaped='))?.slice('--escaped='.length) as 'php' | 'dotnet' | undefined;
const structured = process.argv.includes('--structured');

if (process.argv[2] === 'http') {
  const kind = (process.argv[3] ?? 'node') as Kind;
  const seconds = Number(process.argv[4] ?? 6);
  ensureDist();
  const dist = snapshotDist();
  const lib = await loadDist(dist);
  const dir = mkdtempSync(join(tmpdir(), 'iw-prof-'));
  const server = await startServer(kind, dist, ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${dir}`]);
  const next = await deliveries(lib);
  await load(server, 1, 10, next); // warm-up
  const run = await load(server, seconds, 10, next);
  // SIGTERM ends the process through process.exit, which writes the profile.
  await stopServer(server);
  const file = join(dir, readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(`profile: ${file}\n${kind}: ${run.rps.toFixed(0)} req/s, p99 ${run.p99.toFixed(2)} ms, ${run.cpuPerRequest.toFixed(1)} µs CPU per request (profiling slows it)\ntop self time:`);
  for (const line of topSelf(profile, 30, dirname(dist))) console.log(line);
  console.log('total time (self + callees) of the package\'s functions:');
  for (const line of topTotal(profile, 25, dirname(dist), (url) => url.startsWith(pathToFileURL(dist).href))) console.log(line);
  if (process.argv.includes('--all')) {
    console.log('total time (self + callees), every function:');
    for (const line of topTotal(profile, 60, dirname(dist))) console.log(line);
  }
  console.log('self time by origin:');
  for (const line of selfByOrigin(profile, dist)) console.log(line);
  process.exit(0);
}

if (!process.argv.includes('--child')) {
  ensureDist();
  const dist = snapshotDist();
  const dir = mkdtempSync(join(tmpdir(), 'iw-prof-'));
  const child = spawnSync(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-interval=50', `--cpu-prof-dir=${dir}`, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', ...process.argv.slice(2)],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '', BENCH_DIST: dist } },
  );
  if (child.status !== 0) process.exit(child.status ?? 1);
  const file = join(dir, readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!);
  console.log(`profile: ${file}\ntop self time (${provider} ${pipeline}${bytesText ? ` ${bytesText} B${structured ? ' structured' : ''}` : ''}${escaped ? ` escaped as ${escaped}` : ''}):`);
  for (const line of topSelf(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 20, dirname(dist))) console.log(line);
} else {
  const lib = await loadDist(process.env.BENCH_DIST!);
  const example = bytesText ? (structured ? structuredKasko : paddedKasko)(lib, Number(bytesText)) : documentedExample(lib, provider as ProviderName);
  const text = escaped ? escapedJson(example.payload, escaped) : undefined;
  const delivery = await makeDelivery(lib, provider as ProviderName, example.type, example.payload, 2 * 1024 * 1024, text);
  const { incoming, options } = delivery;
  const floor = floorOf(lib, delivery);
  const until = performance.now() + Number(secondsText) * 1000;
  let calls = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 200; i++, calls++) {
      if (pipeline === 'floor') floor();
      else if (pipeline === 'receive') await lib.receive(provider as ProviderName, incoming, options);
      else lib.receiveSync(provider as ProviderName, incoming, options);
    }
  }
  console.log(`${calls} calls, ${((Number(secondsText) * 1e6) / calls).toFixed(2)} µs/call`);
}
