// Side-by-side timing.
//
// This machine's speed drifts by up to 2× over a few seconds (a shared 2-core VM), so a ratio of
// two benchmarks run one after the other is noise. The cases of one comparison are therefore
// sampled *alternately*: one sample is a short batch of calls (~0.3 ms) of each case in turn,
// rotating the order, and a ratio is the median over samples of (case / reference) within the
// same round — a drift in machine speed hits both sides of every ratio. A control (the floor
// against a second copy of itself) reads 1.00 ± 0.01 this way.
//
// mitata's own sampler (`measure`, one case at a time) runs alongside as a cross-check: its
// p50 per case gives a second, independent ratio (the `mitata` column).
import { do_not_optimize, measure } from 'mitata';

export interface Case {
  id: string;
  /** May return a Promise: then each call is awaited, as a caller of an async API does. */
  fn: () => unknown;
}

export interface MeasureOptions {
  /** Minimum time spent sampling the whole comparison, in ms. */
  budgetMs: number;
  /** Minimum rounds (one sample of every case per round). */
  minRounds?: number;
  /** Also run mitata's sampler on each case (cross-check). */
  mitataMs?: number;
}

export interface Timings {
  /** Per case, ns per call in each round. */
  rounds: Map<string, number[]>;
  /** Per case, mitata's p50 (ns per call), when requested. */
  mitata: Map<string, number>;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * CPU time of this process in ns (all its threads: GC and compiler threads count, as they cost
 * the server too). Unlike wall time, it does not grow while the process waits for a core, so
 * other processes on the machine (a test run, a compiler) do not land in the samples.
 */
/** The p-th percentile (0–100) of `values`, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1e3;
}

export let clock: () => number = cpuNow;
export const wallNow = (): number => performance.now() * 1e6;
export function useClock(kind: 'cpu' | 'wall'): void {
  clock = kind === 'cpu' ? cpuNow : wallNow;
}

/** `n` calls, awaited when the case is async; ns per call. */
async function batch(fn: () => unknown, n: number): Promise<number> {
  const t0 = clock();
  for (let i = 0; i < n; i++) {
    const result = fn();
    if (result instanceof Promise) await result;
    else do_not_optimize(result);
  }
  return (clock() - t0) / n;
}

const BATCH_MS = 0.3;
const MITATA_ROUNDS = 5;

export async function measureSideBySide(cases: readonly Case[], options: MeasureOptions): Promise<Timings> {
  // Warm up (let V8 optimize every case) and size each batch to ~BATCH_MS.
  const sizes: number[] = [];
  for (const { fn } of cases) {
    let perCall = Math.max(await batch(fn, 1), 1000);
    const until = performance.now() + 60;
    while (performance.now() < until) perCall = Math.max(await batch(fn, Math.max(1, Math.round((5 * 1e6) / perCall))), 1);
    sizes.push(Math.max(1, Math.round((BATCH_MS * 1e6) / perCall)));
  }
  const rounds = new Map<string, number[]>(cases.map(({ id }) => [id, []]));
  const minRounds = options.minRounds ?? 40;
  const until = performance.now() + options.budgetMs;
  for (let round = 0; round < minRounds || performance.now() < until; round++) {
    for (let i = 0; i < cases.length; i++) {
      const k = (i + round) % cases.length;
      rounds.get(cases[k]!.id)!.push(await batch(cases[k]!.fn, sizes[k]!));
    }
  }
  // mitata, case by case (its own warm-up, batching and p50), in a few short rotating rounds.
  const mitata = new Map<string, number>();
  if (options.mitataMs) {
    const perRound = new Map<string, number[]>(cases.map(({ id }) => [id, []]));
    for (let round = 0; round < MITATA_ROUNDS; round++) {
      for (let i = 0; i < cases.length; i++) {
        const { id, fn } = cases[(i + round) % cases.length]!;
        const stats = await measure(fn, { min_cpu_time: (options.mitataMs / MITATA_ROUNDS) * 1e6, batch_samples: 256, min_samples: 12, now: clock });
        perRound.get(id)!.push(stats.p50);
      }
    }
    for (const [id, values] of perRound) mitata.set(id, median(values));
  }
  return { rounds, mitata };
}

/** Median ns per call over rounds. */
export const timeOf = (t: Timings, id: string): number => median(t.rounds.get(id)!);

/** Median over rounds of (a / b) measured in the same round. */
export function ratioOf(t: Timings, a: string, b: string): number {
  const as = t.rounds.get(a)!;
  const bs = t.rounds.get(b)!;
  return median(as.map((value, i) => value / bs[i]!));
}

/** The same ratio from mitata's separate per-case runs (p50 / p50); undefined when not measured. */
export function mitataRatioOf(t: Timings, a: string, b: string): number | undefined {
  const x = t.mitata.get(a);
  const y = t.mitata.get(b);
  return x === undefined || y === undefined ? undefined : x / y;
}
