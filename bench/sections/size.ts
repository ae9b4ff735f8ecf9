// Part 5: what a bundler ships. esbuild bundles `import { receive }` from one provider's subpath
// and from the root (minified, ESM, platform neutral: no Node built-ins assumed), then gzip -9.
import { build, type Metafile } from 'esbuild';
import { dirname, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { providerEntry, rootEntry } from '../lib/env.js';
import { PROVIDERS } from '../lib/fixtures.js';
import type { Result } from '../lib/table.js';

export const GZIP_TARGET_BYTES = 15_000;

export interface Bundle {
  minified: number;
  gzip: number;
  /** Inputs by bytes they contribute to the output, largest first. */
  inputs: [string, number][];
}

export async function bundle(entry: string, base: string, names = 'receive'): Promise<Bundle> {
  const result = await build({
    stdin: { contents: `export { ${names} } from ${JSON.stringify(entry)};`, resolveDir: base, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const code = result.outputFiles[0]!.contents;
  const output = Object.values((result.metafile as Metafile).outputs)[0]!;
  const inputs = Object.entries(output.inputs)
    .map(([file, { bytesInOutput }]): [string, number] => [relative(base, file), bytesInOutput])
    .sort((a, b) => b[1] - a[1]);
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, inputs };
}

export async function sizes(dist: string): Promise<{ results: Result[]; notes: string[] }> {
  const base = dirname(dist);
  const results: Result[] = [];
  const notes: string[] = [];
  const top = (b: Bundle) => b.inputs.slice(0, 5).map(([file, n]) => `${file} ${n}`).join(', ');
  for (const provider of PROVIDERS) {
    const result = await bundle(providerEntry(dist, provider), base);
    results.push({
      part: 5,
      kind: 'size',
      what: `size: import { receive } from 'insurance-webhooks/${provider}' (esbuild min + gzip -9)`,
      measured: result.gzip,
      baseline: result.minified,
      target: { max: GZIP_TARGET_BYTES },
    });
    if (provider === 'kasko') notes.push(`kasko bundle, largest inputs (minified bytes): ${top(result)}`);
  }
  const root = await bundle(rootEntry(dist), base);
  results.push({ part: 5, kind: 'size', what: "size: import { receive } from 'insurance-webhooks' (root; every provider)", measured: root.gzip, baseline: root.minified });
  notes.push(`root bundle, largest inputs (minified bytes): ${top(root)}`);
  return { results, notes };
}
