// Refusing a worst-case invalid body (part 3's refusal rows) in one plain `node` process, for
// before/after comparisons of builds: an unsigned InsurUp delivery whose `premiums` hold only `1`
// (ITEM=num) or only `{}` (ITEM=obj), SIZE bytes, refused by receive() and parsed by JSON.parse
// alternately, ROUNDS times (3 warm-up rounds not counted), CPU time; prints refuse/parse.
//
//   for d in /tmp/before/dist dist; do ENTRY=$PWD/$d/src/index.js ITEM=obj SIZE=48128 ROUNDS=200 node bench/refusal.mjs; done
//
// Alternate builds in turn (A, B, A, B, …): each process reads the ratio to about ±0.1 under load.
const lib = await import(process.env.ENTRY ?? new URL('../dist/src/index.js', import.meta.url).href);
const example = lib.examples.insurup['proposal_premium.received'];
const size = Number(process.env.SIZE ?? 1024*1024-64);
const item = process.env.ITEM === 'obj' ? {} : 1;
const skeleton = JSON.stringify({ ...example, premiums: [] });
const count = Math.floor((size - skeleton.length) / (JSON.stringify(item).length + 1));
const body = JSON.stringify({ ...example, premiums: Array.from({ length: count }, () => item) });
const incoming = { body, headers: { 'x-webhook-event': 'proposal_premium.received', 'x-webhook-delivery': 'bench' } };
const opts = { allowUnsigned: true, maxBodyBytes: 8*1024*1024 };
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
let tr = 0, tp = 0;
for (let round = 0; round < Number(process.env.ROUNDS ?? 30); round++) {
  let t = cpu();
  try { await lib.receive('insurup', incoming, opts); throw new Error('accepted'); } catch (e) { if (e.code !== 'payload_invalid') throw e; }
  const r = cpu() - t; t = cpu();
  JSON.parse(body);
  const p = cpu() - t;
  if (round >= 3) { tr += r; tp += p; }
}
console.log(`${process.env.ITEM ?? 'num'} ${body.length}B refuse/parse = ${(tr/tp).toFixed(2)} (refuse ${(tr/(Number(process.env.ROUNDS ?? 30)-3)).toFixed(0)} us)`);
