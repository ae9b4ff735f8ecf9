// npx tsx bench/inbox.ts [--rounds 7 --per-round 40 --handler-ms 25]   (npm run bench:inbox)
//
// Part 8 of `npm run bench` alone (`npm run bench -- --only=8` does the same inside the full
// report): capture-first answer latency vs handling in the request, see bench/sections/inbox.ts.
import { renderTable } from './lib/table.js';
import { inboxLatency } from './sections/inbox.js';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const options = { rounds: flag('rounds', 7), perRound: flag('per-round', 40), handlerMs: flag('handler-ms', 25) };
const results = await inboxLatency({ ...options, progress: (text) => process.stderr.write(`${text}\n`) });
console.log(`\n2xx latency per delivery, ms: median of ${options.perRound} per round, median over ${options.rounds} rounds; ratio: median of the per-round ratios (min–max)\n`);
console.log(renderTable(results));
