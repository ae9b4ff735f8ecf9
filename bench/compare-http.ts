// Before/after for a change to an adapter, under load: one server of part 7 run from build A and
// the same server from build B, beside the framework's bare route, all three alive together and
// driven one at a time in rotating order (bare, A, B / A, B, bare / …), so that the machine's drift
// hits all three alike. Prints, per build, the median over rounds of the per-round ratio to the bare
// route: req/s and server CPU per request (the steadier reading on a loaded machine).
//
//   cp -r dist /tmp/before                       # build A (e.g. before the change)
//   … apply the change … && npm run build        # build B (dist/)
//   npx tsx bench/compare-http.ts /tmp/before dist --server=fastify [--rounds=5] [--seconds=3]
import { resolve } from 'node:path';
import { loadDist, snapshotDist } from './lib/env.js';
import { median } from './lib/measure.js';
import { deliveries, load, startServer, stopServer, type Kind, type Server } from './sections/http.js';

const args = process.argv.slice(2);
const value = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const [a, b] = args.filter((arg) => !arg.startsWith('--'));
if (!a || !b) throw new Error('usage: npx tsx bench/compare-http.ts <dist A> <dist B> --server=<node|express|fastify|hono|…>');
const kind = (value('server') ?? 'fastify') as Kind;
const bareKind = `${kind.split('-')[0]}-bare` as Kind;
const rounds = Number(value('rounds') ?? 5);
const seconds = Number(value('seconds') ?? 3);

const distA = snapshotDist(resolve(a));
const distB = snapshotDist(resolve(b));
const next = await deliveries(await loadDist(distB));
const servers = await Promise.all([startServer(bareKind, distB), startServer(kind, distA), startServer(kind, distB)]);
const names = ['bare', 'A', 'B'];
try {
  for (const server of servers) await load(server, 2, 10, next);
  const ratios: { rps: number[]; cpu: number[] }[] = [
    { rps: [], cpu: [] },
    { rps: [], cpu: [] },
  ];
  for (let round = 0; round < rounds; round++) {
    const order = [0, 1, 2].map((i) => (i + round) % 3);
    const got: Awaited<ReturnType<typeof load>>[] = [];
    for (const i of order) got[i] = await load(servers[i] as Server, seconds, 10, next);
    const [bare, ...builds] = got;
    builds.forEach((run, i) => {
      ratios[i]!.rps.push(run!.rps / bare!.rps);
      ratios[i]!.cpu.push(bare!.cpuPerRequest / run!.cpuPerRequest);
    });
    process.stderr.write(`round ${round + 1}: ${got.map((run, i) => `${names[i]} ${run!.rps.toFixed(0)} req/s ${run!.cpuPerRequest.toFixed(1)} µs/req`).join(', ')}\n`);
  }
  const range = (values: number[]) => `${median(values).toFixed(2)}× (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
  for (const [i, build] of [a, b].entries()) {
    console.log(`${kind} ${names[i + 1]} (${build}) vs ${bareKind}: req/s ${range(ratios[i]!.rps)}, capacity by server CPU ${range(ratios[i]!.cpu)}`);
  }
} finally {
  await Promise.all(servers.map(stopServer));
}
