// Reads schemas/ and writes generated/: types, ajv standalone validators, the catalog and examples.
//   npm run generate             write generated/
//   npm run generate -- --check  exit 1 if generated/ differs from what schemas/ produce
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { createAjv } from './lib/validators.js';
import { lintSchemaTree, loadSchemaTree } from './lib/schema-files.js';
import { providerTypesModule } from './lib/types.js';
import { providerValidatorsModule } from './lib/validators.js';
import { providerCatalogModule, providerExamplesModule, rootModules } from './lib/catalog.js';
import { asyncApiYaml } from './lib/asyncapi.js';
import { eventsMarkdown } from './lib/events-markdown.js';
import { wiringFiles } from './lib/wiring.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemasDir = join(root, 'schemas');
const outDir = join(root, 'generated');

/** Fixed formatting options, so output does not depend on a user's prettier config. */
const PRETTIER = { parser: 'typescript', singleQuote: true, printWidth: 120, trailingComma: 'all' } as const;

/**
 * Files the generator owns outside generated/, by path relative to the repository root: the
 * reference docs and the wiring of each provider (scripts/lib/wiring.ts).
 */
async function outsideFiles(tree: ReturnType<typeof loadSchemaTree>): Promise<Map<string, string>> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const files = new Map([
    ['docs/events.md', `${eventsMarkdown(tree)}\n`],
    ['docs/asyncapi.yaml', asyncApiYaml(tree, pkg.version)],
  ]);
  for (const [name, source] of wiringFiles(root, tree, pkg)) files.set(name, name.endsWith('.ts') ? await format(source, PRETTIER) : source);
  return files;
}

async function build(): Promise<{ generated: Map<string, string>; docs: Map<string, string> }> {
  const tree = loadSchemaTree(schemasDir);
  const problems = lintSchemaTree(tree);
  const checkTransport = createAjv().compile(tree.providerSchema);
  for (const provider of tree.providers) {
    if (!checkTransport(provider.transport)) {
      problems.push(`schemas/${provider.name}/provider.json: ${JSON.stringify(checkTransport.errors)}`);
    }
  }
  if (problems.length) throw new Error(`schemas/ breaks the conventions:\n  ${problems.join('\n  ')}`);

  const files = new Map<string, string>();
  const runtimeImports = new Set<string>();
  for (const provider of tree.providers) {
    const validators = providerValidatorsModule(provider);
    validators.runtimeImports.forEach((line) => runtimeImports.add(line));
    files.set(`${provider.name}/types.ts`, await providerTypesModule(provider));
    files.set(`${provider.name}/validators.ts`, validators.source);
    files.set(`${provider.name}/index.ts`, providerCatalogModule(provider));
    files.set(`${provider.name}/examples.ts`, providerExamplesModule(provider));
  }
  for (const [name, source] of Object.entries(rootModules(tree))) files.set(name, source);

  if (runtimeImports.size) {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    if (!pkg.dependencies?.ajv) {
      throw new Error(`the validators import ajv runtime helpers (${[...runtimeImports].join(' ')}): add ajv to "dependencies"`);
    }
  }
  for (const [name, source] of files) files.set(name, await format(source, PRETTIER));
  return { generated: files, docs: await outsideFiles(tree) };
}

function existing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const { generated, docs } = await build();
// Everything the generator writes, by path relative to the repository root.
const files = new Map([...[...generated].map(([name, source]) => [`generated/${name}`, source] as const), ...docs]);
const onDisk = existing(outDir).map((name) => `generated/${name}`);
const differs = (name: string, source: string) => !existsSync(join(root, name)) || readFileSync(join(root, name), 'utf8') !== source;
const stale = [...[...files].filter(([name, source]) => differs(name, source)).map(([name]) => name), ...onDisk.filter((name) => !files.has(name))];

if (process.argv.includes('--check')) {
  if (stale.length) {
    console.error(`generated output is stale (${stale.join(', ')}): run 'npm run generate' and commit the result.`);
    process.exit(1);
  }
  console.log(`generated/ and reference docs are current (${files.size} files).`);
} else {
  for (const name of onDisk) if (!files.has(name)) rmSync(join(root, name));
  for (const [name, source] of files) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), source);
  }
  console.log(`generated/ and docs: ${files.size} files, ${stale.length} changed.`);
}
