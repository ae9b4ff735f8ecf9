// Where an endpoint's time goes, one layer at a time: servers of part 7 (bench/http/server.mjs),
// all alive together and driven one at a time in rotating order, each reported as its server CPU
// per request (user + system, all threads), req/s, and its main thread's garbage-collection pauses
// per request (scavenges; the rest), median of the rounds. The default ladder:
//
//   node-bare          bare node:http doing the floor
//   node-bare-spin     the same plus SPIN_US (12) µs of busy work: the control, what a known
//                      amount of added work costs in this setup (it is more than itself: see
//                      docs/benchmarks.md, "Issue 15, third pass")
//   node-receivesync   a bare server calling receiveSync()
//   node-either        + the router (handleEither(), no idempotency), the bare body read
//   node-no-idempotency + the Node adapter (nodeHandler, idempotency: false)
//   node               + the default memory idempotency
//
// Also: node-small-store (the default with a memory store of 1 000 keys: no retention),
// node-custom-key (keyed by the delivery id: no SHA-256 of the body), node-store-module (the
// default with the memoryStore of the module at $BENCH_STORE_MODULE: two store implementations
// side by side), node-receive (receive(), a Promise), and every server kind of part 7.
//
//   npx tsx bench/http-ladder.ts [kind …] [--rounds=3] [--seconds=3]
import { loadDist, snapshotDist, ensureDist } from './lib/env.js';
import { median } from './lib/measure.js';
import { deliveries, load, startServer, stopServer, type Kind, type Server } from './sections/http.js';

const args = process.argv.slice(2);
const value = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const named = args.filter((arg) => !arg.startsWith('--')) as Kind[];
const kinds: Kind[] = named.length > 0 ? named : ['node-bare', 'node-bare-spin', 'node-receivesync', 'node-either', 'node-no-idempotency', 'node'];
const rounds = Number(value('rounds') ?? 3);
const seconds = Number(value('seconds') ?? 3);

ensureDist();
const dist = snapshotDist();
const next = await deliveries(await loadDist(dist));
const servers = await Promise.all(kinds.map((kind) => startServer(kind, dist)));
const cpu: number[][] = kinds.map(() => []);
const rps: number[][] = kinds.map(() => []);
const p99: number[][] = kinds.map(() => []);
const gcMinor: number[][] = kinds.map(() => []);
const gcMajor: number[][] = kinds.map(() => []);
try {
  for (const server of servers) await load(server, 2, 10, next);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < servers.length; j++) {
      const i = (j + round) % servers.length;
      const run = await load(servers[i] as Server, seconds, 10, next);
      cpu[i]!.push(run.cpuPerRequest);
      rps[i]!.push(run.rps);
      p99[i]!.push(run.p99);
      gcMinor[i]!.push(run.gcMinorPerRequest);
      gcMajor[i]!.push(run.gcMajorPerRequest);
    }
  }
  const base = median(rps[0]!);
  kinds.forEach((kind, i) =>
    console.log(`${kind.padEnd(20)} ${median(cpu[i]!).toFixed(1).padStart(6)} µs CPU/request (${cpu[i]!.map((v) => v.toFixed(1)).join(', ')})  ${median(rps[i]!).toFixed(0).padStart(6)} req/s  ${(median(rps[i]!) / base).toFixed(2)}× of ${kinds[0]}  p99 ${median(p99[i]!).toFixed(2)} ms  GC pauses µs/request: scavenge ${median(gcMinor[i]!).toFixed(2)}, other ${median(gcMajor[i]!).toFixed(2)}`),
  );
} finally {
  await Promise.all(servers.map(stopServer));
}
