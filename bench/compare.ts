// Before/after for a source change: receive() against the floor, measured with build A and with
// build B, each alone in its own fresh process (two copies of the library in one process disturb
// each other's JIT by ±5%), alternating A and B, and the medians compared.
//
//   cp -r dist /tmp/before                       # build A (e.g. before the change)
//   … apply the change … && npm run build        # build B (dist/)
//   npx tsx bench/compare.ts /tmp/before dist [--provider=coverkit] [--reps=5] [--size=65536] [--async]
//
// A single process reads a ratio to about ±0.05 on a shared 2-core machine; 5 repetitions give
// the median to about ±0.03.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDist, ROOT, snapshotDist } from './lib/env.js';
import { documentedExample, floorOf, makeDelivery, paddedKasko, type ProviderName } from './lib/fixtures.js';
import { measureSideBySide, median, ratioOf, timeOf } from './lib/measure.js';

const args = process.argv.slice(2);
const value = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const provider = (value('provider') ?? 'kasko') as ProviderName;
const size = value('size');
const mode = args.includes('--async') ? 'receive' : 'receiveSync';

if (args.includes('--worker')) {
  const lib = await loadDist(value('dist')!);
  const example = size ? paddedKasko(lib, Number(size)) : documentedExample(lib, provider);
  const delivery = await makeDelivery(lib, provider, example.type, example.payload, 2 * 1024 * 1024);
  const { incoming, options } = delivery;
  const pipeline = mode === 'receive' ? () => lib.receive(provider, incoming, options) : () => lib.receiveSync(provider, incoming, options);
  if (((await pipeline()) as { type: string }).type !== example.type) throw new Error('delivery refused');
  const t = await measureSideBySide(
    [
      { id: 'floor', fn: floorOf(lib, delivery) },
      { id: 'pipeline', fn: pipeline },
    ],
    { budgetMs: 2500 },
  );
  process.stdout.write(`${JSON.stringify({ ratio: ratioOf(t, 'pipeline', 'floor'), ns: timeOf(t, 'pipeline') })}\n`);
  process.exit(0);
}

const [a, b] = args.filter((arg) => !arg.startsWith('--'));
if (!a || !b) {
  console.error('usage: npx tsx bench/compare.ts <dist A> <dist B> [--provider=kasko] [--reps=5] [--size=bytes] [--async]');
  process.exit(2);
}
const builds = { A: snapshotDist(resolve(a)), B: snapshotDist(resolve(b)) };
const reps = Number(value('reps') ?? 5);
const ratios: Record<'A' | 'B', number[]> = { A: [], B: [] };
for (let rep = 0; rep < reps; rep++) {
  for (const which of rep % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--worker', `--dist=${builds[which]}`, ...args.filter((arg) => arg.startsWith('--'))],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`worker ${which} failed`);
    const { ratio } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { ratio: number };
    ratios[which].push(ratio);
    console.error(`rep ${rep + 1}/${reps} ${which}: ${mode}() / floor = ${ratio.toFixed(3)}`);
  }
}
const what = `${provider}${size ? ` padded to ${size} B` : ''}, ${mode}() / floor`;
const [ma, mb] = [median(ratios.A), median(ratios.B)];
console.log(`${what}: A ${ma.toFixed(3)}  B ${mb.toFixed(3)}  (B − A ${(mb - ma >= 0 ? '+' : '') + (mb - ma).toFixed(3)}, ${reps} processes each)`);
