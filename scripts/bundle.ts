// Build step after `tsc`: turns the ~90 per-file modules tsc emits into one file per public entry
// point plus one shared runtime file, because on Node 20 each ES module costs about 1–2 ms to
// resolve, read and compile on a cold start (docs/benchmarks.md, "Cold start"). tsc's `.d.ts`
// files are kept as they are: types do not pay that cost.
//
// Layout of dist/ afterwards:
//   dist/src/core.js                every module of src/core/ in one file: the runtime state that
//                                   must exist once per process (WebhookError and UsageError, so
//                                   `instanceof` holds across entry points; the HMAC key cache)
//   dist/src/<entry>.js             each entry of package.json `exports` and `bin`, self-contained
//                                   except for core.js and bare imports (node:*, redis, fast-check)
// An entry that imports another entry point imports its file; any other module is inlined into each
// entry that imports it. Copies: the provider modules (src/providers/, with their generated
// validators) are in the root and in their own entry (src/entries/<provider>.ts), the Node edge
// (src/adapters/node-io.ts) in the Node and Express adapters; they hold no state, so the copies
// behave as one.
//
//   npx tsx scripts/bundle.ts [dist]     (run by `npm run build`)
import { build, type Metafile, type Plugin } from 'esbuild';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dist = resolve(process.argv[2] ?? join(ROOT, 'dist'));
const coreDir = join(dist, 'src', 'core');
const coreFile = join(dist, 'src', 'core.js');

interface Manifest {
  exports: Record<string, string | { default?: string }>;
  bin: Record<string, string>;
}

/** The JS files package.json points at (exports' `default` conditions and the bin), as dist paths. */
function entryPoints(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const targets = [...Object.values(manifest.exports).map((target) => (typeof target === 'string' ? target : target.default)), ...Object.values(manifest.bin)];
  const files = targets.filter((target): target is string => typeof target === 'string' && target.startsWith('./dist/') && target.endsWith('.js'));
  return [...new Set(files)].map((file) => join(dist, file.slice('./dist/'.length)));
}

const slash = (path: string) => path.split(sep).join('/');

const specifier = (from: string, to: string) => {
  const path = slash(relative(dirname(from), to));
  return path.startsWith('.') ? path : `./${path}`;
};

/**
 * Keeps shared code shared: an import of src/core/ from outside it becomes an import of core.js,
 * and an import of another entry point stays an import of that file (the CLI loads the drift
 * entry, the testing helpers the root).
 *
 * core.js exports every name of src/core/ (the entries need its internals), so an import of one
 * core module goes through a facade that re-exports only that module's own names: otherwise an
 * entry's `export * from './core/public.js'` would publish all of core.js.
 */
function sharedModules(entry: string, entries: ReadonlySet<string>, coreExports: ReadonlyMap<string, readonly string[]>): Plugin {
  return {
    name: 'shared-modules',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (target.startsWith(coreDir + sep)) return args.importer.startsWith(coreDir + sep) ? undefined : { path: target, namespace: 'core-facade' };
        if (target !== entry && entries.has(target)) return { path: specifier(entry, target), external: true };
        return undefined;
      });
      esbuild.onResolve({ filter: /^core-runtime$/ }, () => ({ path: specifier(entry, coreFile), external: true }));
      esbuild.onLoad({ filter: /.*/, namespace: 'core-facade' }, (args) => {
        const names = coreExports.get(args.path);
        if (!names) throw new Error(`${args.path}: not a module of src/core/`);
        return { contents: `export { ${names.join(', ')} } from 'core-runtime';`, loader: 'js' };
      });
    },
  };
}

/** The names each module of dist/src/core/ exports (re-exports included), by path. */
async function exportsOfCoreModules(modules: readonly string[]): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  for (const module of modules) {
    const { metafile } = await build({ ...common, entryPoints: [module], write: false, metafile: true, outdir: staging });
    names.set(module, Object.values(metafile.outputs).flatMap((output) => output.exports));
  }
  return names;
}

/**
 * Fails the build when an output imports a relative path that does not exist in dist/ (static or
 * dynamic), or imports a specifier held in a variable: esbuild cannot rewrite that one, so a path
 * right for src/ would be wrong for dist/.
 */
function assertImportsResolve(metafile: Metafile, output: string): void {
  const dynamic = /\bimport\(\s*(?!["'`])/.exec(readFileSync(staged(output), 'utf8'));
  if (dynamic) throw new Error(`${slash(relative(dist, output))}: import() of a computed specifier; write the path as a literal`);
  for (const { path, kind } of Object.values(metafile.outputs).flatMap((o) => o.imports)) {
    if (!path.startsWith('.')) continue;
    const target = resolve(dirname(output), path);
    if (!existsSync(target) && !builtFiles.has(target)) throw new Error(`${slash(relative(dist, output))}: ${kind} of "${path}", which is not in dist/`);
  }
}

const common = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  packages: 'external',
  logLevel: 'warning',
  legalComments: 'none',
} as const;

const staging = mkdtempSync(join(tmpdir(), 'insurance-webhooks-bundle-'));
const staged = (file: string) => join(staging, relative(dist, file));
/** The files this build writes into dist/ (they are still staged while their importers are checked). */
const builtFiles = new Set<string>();
try {
  const coreModules = readdirSync(coreDir).filter((name) => name.endsWith('.js'));
  await build({
    ...common,
    stdin: { contents: coreModules.map((name) => `export * from './${name}';`).join('\n'), resolveDir: coreDir, sourcefile: 'core.js', loader: 'js' },
    outfile: staged(coreFile),
  });
  const entries = entryPoints();
  const all = new Set(entries);
  for (const file of [coreFile, ...entries]) builtFiles.add(file);
  const coreExports = await exportsOfCoreModules(coreModules.map((name) => join(coreDir, name)));
  for (const entry of entries) {
    const plugins = [sharedModules(entry, all, coreExports)];
    const { metafile } = await build({ ...common, entryPoints: [entry], outfile: staged(entry), plugins, metafile: true });
    assertImportsResolve(metafile, entry);
  }

  // Replace every emitted .js with the bundles; keep the .d.ts files.
  const removeJs = (dir: string) => {
    for (const item of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, item.name);
      if (item.isDirectory()) removeJs(path);
      else if (item.name.endsWith('.js')) rmSync(path);
    }
  };
  removeJs(dist);
  for (const file of [coreFile, ...entries]) {
    mkdirSync(dirname(file), { recursive: true });
    renameSync(staged(file), file);
  }
  console.log(`bundled ${entries.length} entry points + src/core.js into ${slash(relative(ROOT, dist))}/`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
