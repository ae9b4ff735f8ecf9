// The proof that a provider has one home (docs/adding-a-provider.md): in a copy of the project, a
// fifth provider made of exactly the files the doc lists (test/fixtures/fifth-provider/) is
// regenerated, type-checked, drift-checked and receives a signed delivery through createWebhooks
// and the Node adapter on a real loopback server. Any other file that changed fails the test.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'test/fixtures/fifth-provider');
const NAME = 'assurio';
/** The copy's own scaffolding (this test's script and tsconfig), not part of the project. */
const SCAFFOLD = '.proof';

/**
 * The file patterns of one `<!-- list -->` … `<!-- /list -->` block of the doc, as regular
 * expressions; `required` leaves out the entries marked "(optional)" before their colon.
 */
function listed(list: string, which: 'all' | 'required' = 'all'): RegExp[] {
  const doc = readFileSync(join(ROOT, 'docs/adding-a-provider.md'), 'utf8');
  const block = doc.split(`<!-- ${list} -->`)[1]?.split(`<!-- /${list} -->`)[0];
  if (!block) throw new Error(`docs/adding-a-provider.md has no ${list} list`);
  return block
    .split('\n')
    .filter((line) => line.startsWith('- ') && (which === 'all' || !/\(optional\b/.test(line.split(':')[0]!)))
    .flatMap((line) => [...line.split(':')[0]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!))
    .map((pattern) => {
      const source = pattern
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/<name>/g, NAME)
        .replace(/<[a-z]+>/g, '[^/]+');
      return new RegExp(`^${source}${pattern.endsWith('/') ? '.+' : ''}$`);
    });
}

/** Every file below `dir` (node_modules and the scaffolding excepted) with the SHA-256 of its content. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (path.startsWith('node_modules/') || path.startsWith(`${SCAFFOLD}/`)) continue;
    files.set(path, createHash('sha256').update(readFileSync(join(dir, path))).digest('hex'));
  }
  return files;
}

const changedBetween = (before: Map<string, string>, after: Map<string, string>) =>
  [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path)).sort();

/** Run in the copy: the delivery through createWebhooks + nodeHandler, and through the new entry point. Type-checked too. */
const RECEIVER = `import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhooks } from '../src/index.js';
import { nodeHandler } from '../src/adapters/node.js';
import { createDelivery } from '../src/testing/index.js';
import { receive, type AssurioEvent } from '../src/entries/assurio.js';

const secret = 'whsec_fifth_provider';
const premiums: number[] = [];
const webhooks = createWebhooks({ providers: { assurio: { secret } }, logger: false })
  .on('assurio', 'policy.issued', (event) => void premiums.push(event.payload.data.premium));
const server = http.createServer(nodeHandler(webhooks, 'assurio'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}\`;
const post = async (d: { url: string; headers: Record<string, string>; body: string }) => {
  const response = await fetch(origin + d.url, { method: 'POST', headers: d.headers, body: d.body });
  return { status: response.status, replay: response.headers.get('x-idempotent-replay') === 'true' };
};

const d = await createDelivery('assurio', 'policy.issued', { secret });
const first = await post(d);
const again = await post(d);
const tampered = await post({ ...d, body: d.body.replace('1250.5', '1.5') });
const event: AssurioEvent = await receive({ body: d.body, headers: d.headers }, { secret });
server.close();
console.log(JSON.stringify({ signature: d.headers['assurio-signature'], first, again, tampered, premiums, type: event.type, id: event.deliveryId, bodyId: JSON.parse(d.body).id }));
`;

describe('a fifth provider from a schema folder, a docs snapshot and one module', () => {
  let copy: string;
  let changed: string[];
  const contributorFiles = listed('contributor-files');
  /** A drift companion is only for a doc not in the common shape, and Assurio's doc is in it. */
  const requiredContributorFiles = listed('contributor-files', 'required');
  const generatedFiles = listed('generated-files');
  const fixtureFiles = [...snapshot(FIXTURE).keys()].sort();

  beforeAll(async () => {
    copy = mkdtempSync(join(tmpdir(), 'fifth-provider-'));
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT });
    for (const path of stdout.split('\0').filter(Boolean)) {
      if (path.startsWith('test/fixtures/fifth-provider/')) continue;
      try {
        cpSync(join(ROOT, path), join(copy, path), { recursive: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted in the working tree
      }
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const before = snapshot(copy);
    cpSync(FIXTURE, copy, { recursive: true });
    await run(process.execPath, ['--import', 'tsx', 'scripts/generate.ts'], { cwd: copy });
    changed = changedBetween(before, snapshot(copy));
  }, 120_000);

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('the fixture is exactly the files the doc lists for a contributor to write, each required list entry used', () => {
    for (const path of fixtureFiles) expect(contributorFiles.some((pattern) => pattern.test(path)), path).toBe(true);
    for (const pattern of requiredContributorFiles) expect(fixtureFiles.some((path) => pattern.test(path)), String(pattern)).toBe(true);
  });

  it('npm run generate changed only files the doc lists as generated, besides the contributor files', () => {
    const others = changed.filter((path) => !fixtureFiles.includes(path) && !generatedFiles.some((pattern) => pattern.test(path)));
    expect(others).toEqual([]);
    expect(changed).toEqual(expect.arrayContaining(['src/providers/index.ts', `src/entries/${NAME}.ts`, 'package.json', `generated/${NAME}/index.ts`]));
    const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'));
    expect(pkg.exports[`./${NAME}`]).toEqual({ types: `./dist/src/entries/${NAME}.d.ts`, default: `./dist/src/entries/${NAME}.js` });
    const { exports: _e, typesVersions: _t, ...rest } = pkg;
    const { exports: _oe, typesVersions: _ot, ...original } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(rest).toEqual(original); // of package.json, only the entry points changed
  });

  it('type-checks (src, scripts, examples, bench and a typed receiver of the new events), drift finds no change, generate --check agrees', async () => {
    mkdirSync(join(copy, SCAFFOLD));
    writeFileSync(join(copy, SCAFFOLD, 'receive.ts'), RECEIVER);
    const include = ['src', 'generated', 'scripts', 'examples', 'bench', `${SCAFFOLD}/receive.ts`].map((path) => `../${path}`);
    writeFileSync(join(copy, SCAFFOLD, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include }));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    await expect(run(process.execPath, [tsc, '-p', join(SCAFFOLD, 'tsconfig.json')], { cwd: copy })).resolves.toBeDefined();
    await expect(run(process.execPath, ['--import', 'tsx', 'scripts/generate.ts', '--check'], { cwd: copy })).resolves.toBeDefined();
    const drift = await run(process.execPath, ['--import', 'tsx', 'scripts/drift.ts'], { cwd: copy });
    expect(drift.stdout).toMatch(/^Assurio \(assurio-webhooks\.md\): 1 event, 1 example: no drift$/m);
  }, 120_000);

  it('receives a signed delivery through createWebhooks and the Node adapter, and through its entry point', async () => {
    mkdirSync(join(copy, SCAFFOLD), { recursive: true });
    writeFileSync(join(copy, SCAFFOLD, 'receive.ts'), RECEIVER);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(SCAFFOLD, 'receive.ts')], { cwd: copy });
    const result = JSON.parse(stdout);
    expect(result.signature).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
    expect(result.first).toEqual({ status: 200, replay: false });
    expect(result.again).toEqual({ status: 200, replay: true }); // deduplicated on the envelope id
    expect(result.tampered.status).toBe(401);
    expect(result.premiums).toEqual([1250.5]); // the handler ran once, typed
    expect(result).toMatchObject({ type: 'policy.issued', id: result.bodyId });
    expect(result.bodyId).toMatch(/^evt_[0-9a-f]{24}$/); // fresh, from the provider module
  }, 60_000);

  it('the CLI lists, signs and describes it: every provider-shaped line of its help comes from the registry', async () => {
    const cli = async (...args: string[]) => (await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: copy })).stdout;
    expect(await cli('--help')).toMatch(/^insurance-webhooks: webhooks of Assurio, Axitech, CoverKit, InsurUp and KASKO from/);
    expect(await cli('validate', '--help')).toMatch(/optional for assurio, axitech and coverkit,/);
    expect(await cli('sign', '--help')).toContain('A signed timestamp (Assurio and Axitech) is accepted for 5 minutes');
    expect(await cli('events', '--provider', NAME)).toMatch(/^assurio\s+policy\.issued\s+documented\s+async$/m);
    expect(await cli('sign', '--provider', NAME, '--event', 'policy.issued', '--secret', 's')).toMatch(/^assurio-signature: t=\d{10},v1=[0-9a-f]{64}$/m);
  }, 60_000);
});
