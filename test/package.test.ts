// The published artifact as a consumer gets it (test/helpers/packed-package.ts: `npm pack`, the
// tarball installed into a fresh project without the registry): its files, its types under every
// TypeScript setting the README names, its runtime exports against its declarations and docs, every
// CLI command from the installed bin, the README's links, publint and arethetypeswrong.
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../src/index.js';
import { attempt, packedPackage, run, type PackedPackage } from './helpers/packed-package.js';

const repo = new URL('..', import.meta.url).pathname;
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
};
/** Every JavaScript entry point of `exports`, as its import specifier. */
const entryPoints = Object.entries(manifest.exports)
  .filter(([, target]) => typeof target === 'object')
  .map(([subpath]) => (subpath === '.' ? 'insurance-webhooks' : `insurance-webhooks/${subpath.slice(2)}`));

let packed: PackedPackage;
let consumer = '';
let listing: string[] = [];
const installed = () => join(consumer, 'node_modules', 'insurance-webhooks');
beforeAll(async () => {
  packed = await packedPackage();
  consumer = packed.consumer;
  listing = run('tar', ['-tzf', packed.tarball], packed.work).split('\n').filter(Boolean).map((path) => path.slice('package/'.length));
}, 180_000);

/** Writes a tsconfig and one source file into the consumer and type-checks them: 'ok' or tsc's output. */
function typecheck(name: string, compilerOptions: Record<string, unknown>, source: string, extension = 'ts'): string {
  writeFileSync(join(consumer, `${name}.${extension}`), source);
  writeFileSync(
    join(consumer, `tsconfig.${name}.json`),
    JSON.stringify({ compilerOptions: { target: 'es2022', lib: ['es2022'], types: [], strict: true, noEmit: true, ...compilerOptions }, files: [`${name}.${extension}`] }),
  );
  return attempt(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], consumer);
}

describe('the packed tarball', () => {
  it('ships dist/, schemas/, docs/, README, LICENSE and package.json, and no tests', () => {
    const tops = new Set(listing.map((path) => path.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'package.json', 'schemas']);
    expect(listing.some((path) => path.includes('/test/') || path.endsWith('.test.js'))).toBe(false);
  });

  it('every relative link in the shipped Markdown points at a shipped file', () => {
    const shipped = new Set(listing.flatMap((path) => [path, ...ancestors(path)]));
    const broken: string[] = [];
    for (const doc of listing.filter((path) => path.endsWith('.md'))) {
      const text = readFileSync(join(installed(), doc), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
        const path = join(doc, '..', target!.replace(/#.*$/, '')).replace(/\/$/, '');
        if (!shipped.has(path)) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has repository, homepage and bugs, so the npm page links back to the project', () => {
    const pkg = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/.+\.git$/) });
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs).toMatchObject({ url: expect.stringMatching(/^https:\/\/.+\/issues$/) });
  });

  it('ships one file per entry point plus one shared runtime (scripts/bundle.ts), whose errors are the same class everywhere', () => {
    const modules = listing.filter((path) => path.endsWith('.js')).sort();
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'object' ? [target.default.slice(2)] : []));
    expect(modules).toEqual([...targets, 'dist/src/cli/index.js', 'dist/src/core.js'].sort());
    writeFileSync(
      join(consumer, 'identity.mjs'),
      `import { WebhookError, UsageError } from 'insurance-webhooks';
import { receive } from 'insurance-webhooks/kasko';
import { createDelivery } from 'insurance-webhooks/testing';
const refused = await receive({ body: '{}', headers: {} }, { secret: 's' }).catch((e) => e);
let usage; try { await receive({ body: '{}', headers: {} }, {}); } catch (e) { usage = e; }
const delivery = await createDelivery('kasko', 'policy.created', { secret: 's' });
const event = await receive({ body: delivery.body, headers: delivery.headers }, { secret: 's' });
console.log(JSON.stringify({ webhookError: refused instanceof WebhookError, code: refused.code, usageError: usage instanceof UsageError, type: event.type }));
`,
    );
    expect(JSON.parse(run(process.execPath, ['identity.mjs'], consumer))).toEqual({ webhookError: true, code: 'signature_missing', usageError: true, type: 'policy.created' });
  });

  it('passes publint (strict) and arethetypeswrong, node10 included (only node16-from-CJS is ESM, as the README says)', () => {
    expect(attempt(bin('publint'), ['run', packed.tarball, '--strict'], packed.work)).toBe('ok');
    expect(attempt(bin('attw'), [packed.tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii', '--no-color'], packed.work)).toBe('ok');
  });
});

describe('the runtime surface is the declared one, and every name is documented', () => {
  /** Value exports (not types) of each entry point, as its .d.ts declares them. */
  function declaredValues(): Map<string, string[]> {
    const file = join(consumer, 'surface.ts');
    writeFileSync(file, entryPoints.map((specifier, i) => `import * as m${i} from '${specifier}';\nexport { m${i} };`).join('\n'));
    const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ['node'], strict: true, noEmit: true });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(file)!;
    const typeOnly = (symbol: ts.Symbol) =>
      (symbol.declarations ?? []).some((d) => (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) || (ts.isExportDeclaration(d) && d.isTypeOnly));
    const result = new Map<string, string[]>();
    source.statements.filter(ts.isImportDeclaration).forEach((statement) => {
      const moduleSymbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
      if (!moduleSymbol) throw new Error(`${specifier}: its declarations do not resolve`);
      const names = checker
        .getExportsOfModule(moduleSymbol)
        .filter((symbol) => {
          const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
          return (target.flags & ts.SymbolFlags.Value) !== 0 && !typeOnly(symbol);
        })
        .map((symbol) => symbol.name);
      result.set(specifier, names.sort());
    });
    return result;
  }

  it('each entry point exports at run time exactly the values its declarations name', () => {
    writeFileSync(
      join(consumer, 'surface.mjs'),
      `const entries = ${JSON.stringify(entryPoints)};
const out = {};
for (const e of entries) out[e] = Object.keys(await import(e)).sort();
console.log(JSON.stringify(out));`,
    );
    const runtime = JSON.parse(run(process.execPath, ['surface.mjs'], consumer)) as Record<string, string[]>;
    expect(runtime).toEqual(Object.fromEntries(declaredValues()));
  });

  it('every exported value is documented for its own entry point', () => {
    // The code in the docs (inline spans and fenced blocks): a name mentioned only in prose is not documented API.
    // Units: each fenced block, each table row, each paragraph.
    const units = listing
      .filter((path) => path.endsWith('.md') && !path.startsWith('docs/providers/'))
      .flatMap((path) => {
        const text = readFileSync(join(installed(), path), 'utf8');
        const fences = text.match(/```[\s\S]*?```/g) ?? [];
        const rest = text.replace(/```[\s\S]*?```/g, '\n\n').split('\n\n').flatMap((block) => (block.trimStart().startsWith('|') ? block.split('\n') : [block]));
        return [...fences, ...rest];
      });
    const spans = units.flatMap((block) => block.match(/```[\s\S]*?```|`[^`\n]+`/g)?.map((code) => ({ block, code })) ?? []);
    // A subpath's names count where the same paragraph, table row or code block names that subpath
    // (or, for a provider, `insurance-webhooks/<provider>`); the root's, anywhere.
    const about = (specifier: string) => {
      if (specifier === 'insurance-webhooks') return spans.map((s) => s.code);
      const providerEntry = Object.keys(providers).some((provider) => specifier === `insurance-webhooks/${provider}`);
      return spans.filter(({ block }) => block.includes(`${specifier}'`) || block.includes(`${specifier}\``) || (providerEntry && block.includes('insurance-webhooks/<provider>'))).map((s) => s.code);
    };
    const undocumented = [...declaredValues()].flatMap(([specifier, names]) => {
      const code = about(specifier).join('\n');
      return names.filter((name) => !new RegExp(`\\b${name}\\b`).test(code)).map((name) => `${specifier}: ${name}`);
    });
    expect(undocumented).toEqual([]);
  });
});

describe('TypeScript settings (the README, "TypeScript settings")', () => {
  const source = `import { validate, type WebhookEvent } from 'insurance-webhooks';
import { validate as validateKasko } from 'insurance-webhooks/kasko';
import { assertConforms, createDelivery } from 'insurance-webhooks/testing';
import { payloadArbitrary } from 'insurance-webhooks/testing/fast-check';
declare const event: WebhookEvent<'kasko'>;
if (event.type === 'policy.created') { const premium: number = event.payload.gross_premium; }
const result = validate('coverkit', 'policy.created', {});
if (result.ok) result.value.data.premium.toFixed();
validateKasko('policy.created', {});
export async function contract() {
  const d = await createDelivery('kasko', 'policy.created', { secret: 's' });
  const payload: unknown = JSON.parse(d.body);
  assertConforms('kasko', 'policy.created', payload);
  return payload.gross_premium.toFixed();
}
export { payloadArbitrary };
`;
  const typo = `import type { KaskoPolicyCreated } from 'insurance-webhooks/kasko';\ndeclare const p: KaskoPolicyCreated;\np.gross_premum;\nexport {};\n`;

  // fast-check's own declarations need node16, nodenext or bundler resolution (they import
  // pure-rand through its exports map), so under node10 the fast-check subpath is left out.
  const withoutFastCheck = source.replace(/^.*fast-check.*\n/gm, '').replace('export { payloadArbitrary };\n', '');

  it.each([
    ['ESM, nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, 'mts', source],
    ['ESM, node16', { module: 'node16', moduleResolution: 'node16' }, 'mts', source],
    ['ESM, module node18', { module: 'node18', moduleResolution: 'node16' }, 'mts', source],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'ts', source],
    ['bundler, module preserve', { module: 'preserve', moduleResolution: 'bundler' }, 'ts', source],
    ['CommonJS, nodenext (require of ESM, TypeScript ≥ 5.8)', { module: 'nodenext', moduleResolution: 'nodenext' }, 'cts', source],
    ['node10 (typesVersions)', { module: 'commonjs', moduleResolution: 'node10' }, 'ts', withoutFastCheck],
  ])('%s: the types resolve, and a typo is an error', (name, options, extension, code) => {
    const slug = name.replace(/\W+/g, '-');
    expect(typecheck(`settings-${slug}`, options, code, extension)).toBe('ok');
    expect(typecheck(`settings-${slug}-typo`, options, typo, extension)).toMatch(/error TS(2339|2551): Property 'gross_premum' does not exist/);
  });

  it.each(['node16', 'node18'])('CommonJS under module %s: a static import is TS1479 (as the README says), `await import()` works', (module) => {
    const options = { module, moduleResolution: 'node16' };
    expect(typecheck(`cjs-${module}-static`, options, `import { validate } from 'insurance-webhooks';\nvalidate('kasko', 'policy.created', {});\n`, 'cts')).toMatch(/error TS1479/);
    expect(typecheck(`cjs-${module}-dynamic`, options, `export async function f() {\n  const { validate } = await import('insurance-webhooks');\n  return validate('kasko', 'policy.created', {}).ok;\n}\n`, 'cts')).toBe('ok');
  });

  it('CommonJS code runs: require() of the package on Node ≥ 20.19', () => {
    writeFileSync(join(consumer, 'require.cjs'), `const { validate, examples } = require('insurance-webhooks');\nconst { createDelivery } = require('insurance-webhooks/testing');\nconsole.log(JSON.stringify([validate('kasko', 'policy.created', examples.kasko['policy.created']).ok, typeof createDelivery]));\n`);
    expect(JSON.parse(run(process.execPath, ['require.cjs'], consumer))).toEqual([true, 'function']);
  });

  it('typesVersions maps each subpath to the same declarations as exports (node10 sees what node16 sees)', () => {
    const fromExports = Object.fromEntries(
      Object.entries(manifest.exports).flatMap(([subpath, target]) => (typeof target === 'object' && subpath !== '.' ? [[subpath.slice(2), [target.types.slice(2)]]] : [])),
    );
    expect(manifest.typesVersions['*']).toEqual(fromExports);
  });

  it('type-checks the adapter, store and testing subpaths for a Node consumer (with @types/node)', () => {
    const source = `import http from 'node:http';
import { createWebhooks, block } from 'insurance-webhooks';
import { nodeHandler } from 'insurance-webhooks/node';
import { expressHandler, saveRawBody } from 'insurance-webhooks/express';
import { fastifyWebhooks } from 'insurance-webhooks/fastify';
import { webHandler } from 'insurance-webhooks/web';
import { redisStore } from 'insurance-webhooks/redis';
import { payloadArbitrary } from 'insurance-webhooks/testing/fast-check';
import fc from 'fast-check';
fc.assert(fc.property(payloadArbitrary('kasko', 'policy.created'), (payload) => payload.livemode === true || payload.livemode === false));
const webhooks = createWebhooks({ providers: { insurup: { secret: 's' } }, idempotency: { store: redisStore({ send: async () => 'OK' }) } })
  .on('insurup', 'proposal_premium.purchasing', (event) => (event.payload.installmentNumber > 6 ? block('no') : undefined));
http.createServer(nodeHandler(webhooks, 'insurup'));
const express: unknown = [expressHandler(webhooks, 'insurup'), saveRawBody];
const plugin = fastifyWebhooks(webhooks, { provider: 'insurup', path: '/w' });
const web: (request: Request) => Promise<Response> = webHandler(webhooks, 'insurup');
`;
    expect(typecheck('adapters', { module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] }, source)).toBe('ok');
  });
});

describe('the installed bin: every command', () => {
  const cli = () => join(consumer, 'node_modules', '.bin', 'insurance-webhooks');
  const secret = 'whsec_packed';
  /** The bin as a process: exit code and output, whatever the code. */
  const exec = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    try {
      return { code: 0, out: run(cli(), args, consumer, env), err: '' };
    } catch (error) {
      const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
      return { code: status, out: stdout, err: stderr };
    }
  };

  it('--help lists exactly the commands this test drives', () => {
    const listed = [...exec(['--help']).out.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1]);
    expect(listed).toEqual(['events', 'validate', 'sign', 'send', 'listen', 'drift', 'inbox']);
  });

  it('events', () => {
    const events = JSON.parse(exec(['events', '--json']).out) as { provider: string; event: string }[];
    // Every event of the catalog, whatever their number.
    const catalog = Object.entries(providers).flatMap(([provider, { events }]) => Object.keys(events).map((event) => `${provider} ${event}`));
    expect(events.map(({ provider, event }) => `${provider} ${event}`).sort()).toEqual(catalog.sort());
    expect(events).toContainEqual(expect.objectContaining({ provider: 'insurup', event: 'proposal_premium.purchasing', delivery: 'sync' }));
  });

  it('validate: the documented example passes (0), a broken one fails (1) with the field named', () => {
    const example = JSON.parse(readFileSync(join(installed(), 'schemas/kasko/policy.created.schema.json'), 'utf8')).examples[0];
    writeFileSync(join(consumer, 'good.json'), JSON.stringify(example));
    writeFileSync(join(consumer, 'bad.json'), JSON.stringify({ ...example, gross_premium: 'many' }));
    expect(exec(['validate', 'good.json', '--provider', 'kasko', '--event', 'policy.created'])).toMatchObject({ code: 0, out: 'good.json: valid kasko policy.created\n' });
    const bad = exec(['validate', 'bad.json', '--provider', 'kasko', '--event', 'policy.created', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).errors).toEqual([expect.objectContaining({ path: '/gross_premium' })]);
  });

  it('sign: headers that the installed receive() verifies', () => {
    const signed = JSON.parse(exec(['sign', '--provider', 'insurup', '--event', 'proposal_premium.received', '--json'], { INSURANCE_WEBHOOKS_SECRET: secret }).out);
    writeFileSync(join(consumer, 'signed.json'), JSON.stringify(signed));
    writeFileSync(
      join(consumer, 'verify.mjs'),
      `import { readFileSync } from 'node:fs';
import { receive } from 'insurance-webhooks';
const d = JSON.parse(readFileSync('signed.json', 'utf8'));
const event = await receive('insurup', { body: d.body, headers: d.headers }, { secret: ${JSON.stringify(secret)} });
console.log(event.type);`,
    );
    expect(run(process.execPath, ['verify.mjs'], consumer).trim()).toBe('proposal_premium.received');
  });

  it('listen and send: a delivery from the installed bin to a receiver from the installed bin', async () => {
    const listener = spawn(cli(), ['listen', '--provider', 'kasko', '--port', '0', '--json'], { cwd: consumer, env: { ...process.env, INSURANCE_WEBHOOKS_SECRET: secret } });
    try {
      const lines = createInterface({ input: listener.stdout })[Symbol.asyncIterator]();
      const first = JSON.parse((await lines.next()).value as string) as { port: number };
      const url = `http://127.0.0.1:${first.port}/webhooks/kasko`;
      const sent = exec(['send', '--provider', 'kasko', '--event', 'policy.created', '--url', url, '--json'], { INSURANCE_WEBHOOKS_SECRET: secret });
      expect(sent.code).toBe(0);
      expect(JSON.parse(sent.out)).toMatchObject({ status: 200, ok: true });
      expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ status: 200, provider: 'kasko', type: 'policy.created' });
      const forged = exec(['send', '--provider', 'kasko', '--event', 'policy.created', '--url', url, '--secret', 'not-the-secret']);
      expect(forged.code).toBe(1);
      expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ status: 401, error: { code: 'signature_invalid' } });
    } finally {
      listener.kill('SIGTERM');
    }
  });

  it('inbox: list and show a delivery the installed package captured into an embedded store', () => {
    writeFileSync(
      join(consumer, 'capture.mjs'),
      `import { createWebhooks } from 'insurance-webhooks';
import { pgliteInbox } from 'insurance-webhooks/inbox/pglite';
import { createDelivery } from 'insurance-webhooks/testing';
const store = pgliteInbox({ dataDir: 'inbox-store' });
const webhooks = createWebhooks({ providers: { kasko: { secret: ${JSON.stringify(secret)} } }, logger: false, inbox: { store, worker: false } });
const response = await webhooks.handle('kasko', await createDelivery('kasko', 'policy.created', { secret: ${JSON.stringify(secret)} }));
await webhooks.close();
console.log(JSON.parse(response.body).inboxId);`,
    );
    const id = run(process.execPath, ['capture.mjs'], consumer).trim();
    const listed = JSON.parse(exec(['inbox', 'list', '--store', 'inbox-store', '--json']).out) as { deliveries: { id: string; state: string }[] };
    expect(listed.deliveries).toEqual([expect.objectContaining({ id, state: 'pending' })]);
    const shown = exec(['inbox', 'show', id, '--store', 'inbox-store']);
    expect(shown).toMatchObject({ code: 0, out: expect.stringContaining('  x-kasko-signature: [redacted]\n') });
    expect(exec(['inbox', 'list', '--store', 'no-such-store']).code).toBe(2);
  }, 120_000);

  it('drift: clean on the shipped snapshots (0), drift on an edited copy (1), missing folder (2)', () => {
    expect(exec(['drift'])).toMatchObject({ code: 0, out: expect.stringMatching(/drift: none\n$/) });
    const edited = join(consumer, 'edited-docs');
    cpSync(join(installed(), 'docs/providers'), edited, { recursive: true });
    const kasko = join(edited, 'kasko-webhooks.md');
    writeFileSync(kasko, readFileSync(kasko, 'utf8').replace('"gross_premium"', '"gross_premium_cents"'));
    const drifted = exec(['drift', '--docs', 'edited-docs', '--json']);
    expect(drifted.code).toBe(1);
    expect(JSON.parse(drifted.out).clean).toBe(false);
    expect(exec(['drift', '--docs', 'no-such-folder']).code).toBe(2);
  });
});

function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
