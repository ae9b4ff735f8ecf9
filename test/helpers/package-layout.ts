// An installed package in miniature, for tests of code that finds the package's own files
// (schemas/, package.json) from its location: package.json, schemas/ and dist/ built the way
// `npm run build` builds it, with node_modules reachable.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const repo = new URL('../..', import.meta.url).pathname;

/**
 * A temporary package root. The JavaScript is compiled one file per module by esbuild (what tsc
 * emits, minus the `.d.ts` files, in a fraction of the time), then bundled by scripts/bundle.ts
 * exactly as `npm run build` does.
 *
 * @example
 * const root = await buildPackageLayout('iw-cli-dist-'); // root/dist/src/cli/index.js, root/schemas/…
 */
export async function buildPackageLayout(prefix: string): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(repo, 'schemas'), join(root, 'schemas'), { recursive: true });
  writeFileSync(join(root, 'package.json'), readFileSync(join(repo, 'package.json')));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  const dist = join(root, 'dist');
  await build({ entryPoints: [join(repo, 'src/**/*.ts'), join(repo, 'generated/**/*.ts')], outdir: dist, outbase: repo, format: 'esm', platform: 'node', logLevel: 'error' });
  execFileSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts', 'bundle.ts'), dist], { cwd: repo, stdio: 'pipe' });
  return root;
}
