// Results as numbers (so runs in several processes can be combined), and one markdown table for
// the whole run: it reads in a terminal and pastes into docs/benchmarks.md.
import { median, mitataRatioOf, ratioOf, timeOf, type Timings } from './measure.js';

export interface Target {
  /** The largest passing value of the row's verdict number (ratio, delta or size). */
  max?: number;
  /** The smallest passing value (throughput ratios: more is better). */
  min?: number;
  /** `<` instead of `≤`. */
  strict?: boolean;
}

export interface Result {
  /** Which part of the issue the row answers: 1 hot path, 2 peers, 3 scaling, 4 cold start, 5 size, 6 observability, 7 HTTP, 8 inbox. */
  part: number;
  what: string;
  /**
   * time: ns per call, verdict on the ratio; slope: ns per byte; cold: ms, verdict on the
   * difference; size: bytes (measured gzip, baseline minified), verdict on measured; rate: requests
   * per second, verdict on the ratio (more is better); latency: ms (HTTP: p99; inbox: median), verdict on the ratio;
   * cpu: µs of a server's CPU per request, ratio = baseline / measured (a capacity ratio).
   */
  kind: 'time' | 'slope' | 'cold' | 'size' | 'rate' | 'latency' | 'cpu';
  measured: number;
  baseline?: number;
  /** measured / baseline, as measured side by side (median of paired ratios). */
  ratio?: number;
  /** Min and max of the per-round ratios (HTTP: several interleaved rounds), shown beside the median. */
  spread?: [number, number];
  /** The same comparison by an independent method: mitata's sampler case by case (time), CPU ms (cold), p99 ratio (rate); slope: the baseline operation's own growth. */
  check?: number;
  /** Body size, to show time per byte. */
  bytes?: number;
  target?: Target;
}

/**
 * The number a target judges. A slope with a `check` (the same growth of its baseline operation,
 * e.g. JSON.parse's) is judged by its growth over that one: the part of the growth that is ours.
 */
const verdictValue = (r: Result): number =>
  r.kind === 'cold'
    ? r.measured - r.baseline!
    : r.kind === 'size'
      ? r.measured
      : r.kind === 'slope' && r.check !== undefined
        ? r.measured / r.baseline! / r.check
        : (r.ratio ?? r.measured / r.baseline!);

export function met(r: Result): boolean | undefined {
  const { target } = r;
  if (target === undefined) return undefined;
  const value = verdictValue(r);
  if (target.min !== undefined && !(target.strict ? value > target.min : value >= target.min)) return false;
  if (target.max !== undefined && !(target.strict ? value < target.max : value <= target.max)) return false;
  return true;
}

/** The target as printed: `≤ 1.10×`, `≥ 0.85×`, with `unit` formatting the number. */
function targetText(target: Target | undefined, unit: (n: number) => string): string {
  if (!target) return '';
  const parts: string[] = [];
  if (target.min !== undefined) parts.push(`${target.strict ? '>' : '≥'} ${unit(target.min)}`);
  if (target.max !== undefined) parts.push(`${target.strict ? '<' : '≤'} ${unit(target.max)}`);
  return parts.join(', ');
}

const us = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(2)} µs`);
const times = (ratio: number): string => `${ratio.toFixed(2)}×`;
const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
const signed = (n: number, unit: string) => `${n >= 0 ? '+' : ''}${n.toFixed(1)} ${unit}`;
export const bytes = (n: number): string => (n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`);

const withSpread = (r: Result): string => (r.ratio === undefined ? '' : times(r.ratio) + (r.spread ? ` (${r.spread[0].toFixed(2)}–${r.spread[1].toFixed(2)})` : ''));
const rate = (n: number): string => `${(n / 1000).toFixed(2)}k req/s`;

function cells(r: Result): [string, string, string, string, string] {
  switch (r.kind) {
    case 'rate':
      return [rate(r.measured), rate(r.baseline!), withSpread(r), r.check === undefined ? '' : `p99 ${times(r.check)}`, targetText(r.target, times) || '—'];
    case 'cpu':
      return [`${r.measured.toFixed(1)} µs/req`, `${r.baseline!.toFixed(1)} µs/req`, withSpread(r), '', '—'];
    case 'latency':
      return [`${r.measured.toFixed(2)} ms`, `${r.baseline!.toFixed(2)} ms`, withSpread(r), '', targetText(r.target, times) || '—'];
    case 'time': {
      const perByte = (ns: number) => (r.bytes ? ` (${(ns / r.bytes).toFixed(2)} ns/B)` : '');
      return [
        us(r.measured) + perByte(r.measured),
        r.baseline === undefined ? '' : us(r.baseline) + perByte(r.baseline),
        withSpread(r),
        r.check === undefined ? '' : `mitata ${times(r.check)}`,
        r.target ? targetText(r.target, times) : r.baseline === undefined ? '' : '—',
      ];
    }
    case 'slope':
      return [
        `${r.measured.toFixed(2)} ns/B`,
        `${r.baseline!.toFixed(2)} ns/B`,
        times(r.measured / r.baseline!),
        r.check === undefined ? '' : `JSON.parse ${times(r.check)}`,
        r.target ? targetText(r.target, (n) => (r.check === undefined ? times(n) : `${times(n)} JSON.parse's`)) : '—',
      ];
    case 'cold': {
      const delta = r.measured - r.baseline!;
      return [
        `${r.measured.toFixed(1)} ms`,
        `${r.baseline!.toFixed(1)} ms`,
        r.ratio === undefined ? signed(delta, 'ms') : times(r.ratio),
        r.check === undefined ? '' : r.ratio === undefined ? `cpu ${signed(r.check, 'ms')}` : `cpu ${times(r.check)}`,
        r.target ? (r.ratio === undefined ? targetText(r.target, (n) => `+${n} ms`) : targetText(r.target, times)) : '—',
      ];
    }
    case 'size':
      return [`${kb(r.measured)} gz`, `${kb(r.baseline!)} min`, '', '', r.target ? targetText(r.target, (n) => `${kb(n)} gz`) : '—'];
  }
}

export function renderTable(results: readonly Result[]): string {
  const header = ['#', 'measurement', 'measured', 'baseline', 'ratio', 'cross-check', 'target', 'met'];
  const rows = results.map((r) => {
    const verdict = met(r);
    return [String(r.part), r.what, ...cells(r), verdict === undefined ? '' : verdict ? 'yes' : '**NO**'];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((cell) => cell[i]!.length)));
  const line = (cell: readonly string[]) => `| ${cell.map((text, i) => text.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** A time comparison measured side by side: `a` against `b`. */
export function timeResult(t: Timings, a: string, b: string, fields: Pick<Result, 'part' | 'what' | 'target' | 'bytes'>): Result {
  const check = mitataRatioOf(t, a, b);
  return { kind: 'time', measured: timeOf(t, a), baseline: timeOf(t, b), ratio: ratioOf(t, a, b), ...(check === undefined ? {} : { check }), ...fields };
}

/** Combines the same results from several processes: the median of every number. */
export function combine(runs: readonly (readonly Result[])[]): Result[] {
  const first = runs[0]!;
  return first.map((row, i) => {
    const pick = (key: 'measured' | 'baseline' | 'ratio' | 'check') => {
      const values = runs.map((run) => run[i]![key]).filter((v): v is number => v !== undefined);
      return values.length ? median(values) : undefined;
    };
    const out: Result = { ...row, measured: pick('measured')! };
    for (const key of ['baseline', 'ratio', 'check'] as const) {
      const value = pick(key);
      if (value !== undefined) out[key] = value;
    }
    return out;
  });
}
