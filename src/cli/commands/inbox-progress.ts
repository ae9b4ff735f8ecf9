// The progress bar of bulk replays and retries: cli-progress (an optional peer dependency, loaded
// only when a bar is drawn), on standard error, only when it is a terminal and never under --json,
// so scripts and pipes see nothing but the results.
import type { CliIo } from '../io.js';

export interface Progress {
  tick(): void;
  stop(): void;
}

const NONE: Progress = { tick: () => {}, stop: () => {} };

/**
 * A bar over `total` steps on `io.terminal`, or a no-op when there is no terminal, `json` is set,
 * or cli-progress is not installed (then one line says how to get it).
 *
 * @example
 * const progress = await progressBar(io, ids.length, 'replay', values.json === true);
 * for (const id of ids) { await replay(id); progress.tick(); }
 * progress.stop();
 */
export async function progressBar(io: CliIo, total: number, label: string, json: boolean): Promise<Progress> {
  const stream = io.terminal;
  if (!stream || json || total === 0) return NONE;
  let module: typeof import('cli-progress');
  try {
    module = (await import('cli-progress')).default as typeof import('cli-progress');
  } catch {
    io.stderr(`(npm install cli-progress for a progress bar)\n`);
    return NONE;
  }
  const bar = new module.SingleBar(
    { stream, format: `${label} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
    module.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}
