// The machine, the command line, and the built package the benchmarks run on.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { definitions } from '../../src/providers/index.js';

/** The repository root (bench/lib/ → ../..). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REPO_DIST = join(ROOT, 'dist');
/** The root entry point (`insurance-webhooks`) inside a dist/ folder. */
export const rootEntry = (dist: string): string => join(dist, 'src', 'index.js');
/** A provider's entry point (`insurance-webhooks/<provider>`) inside a dist/ folder. */
export const providerEntry = (dist: string, provider: string): string => join(dist, 'src', 'entries', `${provider}.js`);

/** What the compiled package exports (types from the source; the code is loaded from dist/). */
export type Lib = typeof import('../../src/index.js');

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  load: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    load: os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
  };
}

/** The command as typed: `npm run bench [-- args]` under npm, else the tsx invocation. */
export function commandLine(): string {
  const args = process.argv.slice(2);
  const tail = args.length ? ` ${args.join(' ')}` : '';
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args.length ? ` --${tail}` : ''}`;
  return `npx tsx bench/run.ts${tail}`;
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const entries = (dist: string) => [rootEntry(dist), ...Object.keys(definitions).map((p) => providerEntry(dist, p))];
const DIST_FILES = entries(REPO_DIST);

/**
 * Builds dist/ with `npm run build` when it is missing or older than any file of src/, generated/,
 * the tsconfigs or scripts/bundle.ts. Returns what was done, for the report. Build output goes to stderr so the
 * table on stdout stays clean.
 */
export function ensureDist(): string {
  const missing = DIST_FILES.some((file) => !existsSync(file));
  const sources = Math.max(
    newestMtime(join(ROOT, 'src')),
    newestMtime(join(ROOT, 'generated')),
    statSync(join(ROOT, 'tsconfig.json')).mtimeMs,
    statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs,
    statSync(join(ROOT, 'scripts', 'bundle.ts')).mtimeMs,
  );
  const built = missing ? 0 : Math.min(...DIST_FILES.map((file) => statSync(file).mtimeMs));
  if (!missing && built >= sources) return 'dist/ up to date';
  const started = performance.now();
  process.stderr.write(`dist/ is ${missing ? 'missing' : 'stale'}: npm run build …\n`);
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], shell: false });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (DIST_FILES.some((file) => !existsSync(file))) throw new Error(`npm run build failed (exit ${result.status}); dist/ is incomplete`);
  if (result.status !== 0) return `dist/ rebuilt in ${seconds}s (tsc exited ${result.status}: type errors elsewhere; files were emitted)`;
  return `dist/ rebuilt in ${seconds}s`;
}

/**
 * A private copy of a dist/ folder (removed at exit). Other people's `npm run build` / `npm pack`
 * delete and rewrite dist/ at any moment; the benchmark must not load half a build.
 */
export function snapshotDist(source = REPO_DIST): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'insurance-webhooks-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'dist');
  // As in the package: .js files are ES modules (without this, Node would treat them as CommonJS).
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "sideEffects": false }\n');
  for (let attempt = 1; ; attempt++) {
    const before = statSync(rootEntry(source)).mtimeMs;
    rmSync(copy, { recursive: true, force: true });
    cpSync(source, copy, { recursive: true });
    const stable = existsSync(rootEntry(source)) && statSync(rootEntry(source)).mtimeMs === before;
    if (stable && entries(copy).every((file) => existsSync(file))) return copy;
    if (attempt === 3 || source !== REPO_DIST) throw new Error(`${source} is incomplete or keeps changing (a build running elsewhere?)`);
    spawnSync('sleep', ['5']);
    ensureDist();
  }
}

/** The compiled package (what users run), typed by the source. */
export async function loadDist(dist: string): Promise<Lib> {
  return (await import(pathToFileURL(rootEntry(dist)).href)) as Lib;
}
