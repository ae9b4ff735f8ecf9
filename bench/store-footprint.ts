// What a memory idempotency store holds per key, and what its claim + complete cost: 300 000
// deliveries through one store (100 000 kept), as the router calls it (a body-digest key, the
// handled answer recorded), then the heap retained per key after a full collection. Run twice or
// more, interleaved, to compare with another store module (e.g. an earlier version of
// src/idempotency/memory.ts bundled with esbuild):
//
//   node --expose-gc --import tsx bench/store-footprint.ts [path/to/store-module.mjs]
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { memoryStore as current, SYNCHRONOUS, type MemoryStore } from '../src/idempotency/memory.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const path = process.argv[2];
const memoryStore: () => MemoryStore = path ? ((await import(pathToFileURL(path).href)) as { memoryStore: () => MemoryStore }).memoryStore : current;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const DELIVERIES = 300_000;
const before = heap();
const store = memoryStore();
const sync = store[SYNCHRONOUS];
const started = process.hrtime.bigint();
for (let i = 0; i < DELIVERIES; i++) {
  const key = `kasko:policy.created:${createHash('sha256').update(String(i)).digest('hex')}`;
  const claim = sync.claim(key, 300_000);
  if (claim.state !== 'claimed') throw new Error(`expected a claim, got ${claim.state}`);
  const body = JSON.stringify({ received: true, type: 'policy.created', deliveryId: `d${String(i).padStart(31, '0')}` });
  sync.complete(key, claim.token, JSON.stringify({ status: 200, body }), 3 * 86_400_000);
}
const elapsed = Number(process.hrtime.bigint() - started) / 1e3 / DELIVERIES;
const retained = (heap() - before) / store.size;
console.log(`${path ?? 'src/idempotency/memory.ts'}: ${store.size} keys, ${retained.toFixed(0)} bytes retained per key, ${elapsed.toFixed(2)} µs per delivery (key + claim + complete)`);
