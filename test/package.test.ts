// The published artifact as a consumer gets it: `npm pack`, install the tarball into a fresh
// project, type-check that project under moduleResolution nodenext, run it, and lint the tarball
// with publint and @arethetypeswrong/cli.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = new URL('..', import.meta.url).pathname;
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'iw-pack-'));
const consumer = join(work, 'consumer');
let tarball = '';

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, npm_config_loglevel: 'error' } });
/** 'ok', or the command's output: a failing assertion then shows why. */
const attempt = (command: string, args: string[], cwd: string) => {
  try {
    run(command, args, cwd);
    return 'ok';
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${command} ${args.join(' ')} failed:\n${stdout}\n${stderr}`;
  }
};
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

beforeAll(() => {
  run('npm', ['pack', '--pack-destination', work], repo); // prepack builds dist/
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // fast-check is the optional peer of insurance-webhooks/testing/fast-check; npm ci put it in the cache.
  run('npm', ['install', tarball, 'fast-check@4', '--no-audit', '--no-fund', '--offline'], consumer);
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('ships only dist/, schemas/, docs/providers/, README, LICENSE and package.json', () => {
    const listing = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
    const tops = new Set(listing.map((path) => path.split('/')[1]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'package.json', 'schemas']);
    expect(listing.filter((path) => path.startsWith('package/docs/')).every((path) => path.startsWith('package/docs/providers/'))).toBe(true);
    expect(listing.some((path) => path.includes('/test/') || path.endsWith('.test.js'))).toBe(false);
  });

  it('type-checks a consumer under moduleResolution nodenext, root and every subpath', () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [], strict: true, noEmit: true },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { validate, type WebhookEvent, type KaskoPolicyCreated } from 'insurance-webhooks';
import { validate as validateKasko, type KaskoEvent } from 'insurance-webhooks/kasko';
import { examples, type InsurupProposalPremiumPurchasing } from 'insurance-webhooks/insurup';
import type { AxitechSessionSubmitted } from 'insurance-webhooks/axitech';
import type { CoverkitPolicyCreated } from 'insurance-webhooks/coverkit';
import { createDelivery, assertConforms } from 'insurance-webhooks/testing';

declare const event: WebhookEvent<'kasko'>;
if (event.type === 'policy.created') {
  const premium: number = event.payload.gross_premium;
  // @ts-expect-error typo
  event.payload.gross_premum;
}
const result = validate('coverkit', 'policy.created', {});
if (result.ok) { const created: CoverkitPolicyCreated = result.value; created.data.premium.toFixed(); }
const bound = validateKasko('policy.created', {});
if (bound.ok) { const policy: KaskoPolicyCreated = bound.value; }
const purchasing: InsurupProposalPremiumPurchasing = examples['proposal_premium.purchasing'];
declare const session: AxitechSessionSubmitted;
session.data.integrations[0]?.status;
declare const typed: KaskoEvent;
async function contract() {
  const d = await createDelivery('kasko', 'policy.created', { secret: 's' });
  const status: string = d.method;
  const payload: unknown = JSON.parse(d.body);
  assertConforms('kasko', 'policy.created', payload);
  const premium: number = payload.gross_premium;
}
`,
    );
    expect(attempt(process.execPath, [tsc, '-p', '.'], consumer)).toBe('ok');
    // The same project with the typo uncommented must fail: proves the check above is real.
    writeFileSync(join(consumer, 'broken.ts'), `import type { KaskoPolicyCreated } from 'insurance-webhooks/kasko';\ndeclare const p: KaskoPolicyCreated;\np.gross_premum;\n`);
    writeFileSync(join(consumer, 'tsconfig.broken.json'), JSON.stringify({ extends: './tsconfig.json', files: ['broken.ts'] }));
    expect(attempt(process.execPath, [tsc, '-p', 'tsconfig.broken.json'], consumer)).toMatch(/Property 'gross_premum' does not exist/);
  });

  it('type-checks the adapter and store subpaths for a Node consumer (with @types/node)', () => {
    writeFileSync(
      join(consumer, 'tsconfig.adapters.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], strict: true, noEmit: true,
          typeRoots: [join(repo, 'node_modules/@types')], types: ['node'],
        },
        files: ['adapters.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'adapters.ts'),
      `import http from 'node:http';
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
`,
    );
    expect(attempt(process.execPath, [tsc, '-p', 'tsconfig.adapters.json'], consumer)).toBe('ok');
  });

  it('runs in the consumer under Node as ESM', () => {
    writeFileSync(
      join(consumer, 'run.mjs'),
      `import { validate, examples } from 'insurance-webhooks';
import { validate as validateAxitech, catalog } from 'insurance-webhooks/axitech';
import { nodeHandler } from 'insurance-webhooks/node';
import { expressHandler } from 'insurance-webhooks/express';
import { fastifyWebhooks } from 'insurance-webhooks/fastify';
import { webHandler } from 'insurance-webhooks/web';
import { redisStore } from 'insurance-webhooks/redis';
if (![nodeHandler, expressHandler, fastifyWebhooks, webHandler, redisStore].every((f) => typeof f === 'function')) throw new Error('missing export');
const ok = validate('kasko', 'policy.created', examples.kasko['policy.created']).ok;
const bad = validateAxitech('session.submitted', { event_type: 'session.submitted' });
console.log(JSON.stringify({ ok, bad: bad.errors.map((e) => e.path), header: catalog.transport.signature.header }));
`,
    );
    expect(JSON.parse(run(process.execPath, ['run.mjs'], consumer))).toEqual({
      ok: true,
      bad: ['/created_at', '/api_version', '/group_type', '/data'],
      header: 'x-aw-signature',
    });
  });

  it('ships one file per entry point plus one shared runtime (scripts/bundle.ts), whose errors are the same class everywhere', () => {
    const listing = run('tar', ['-tzf', tarball], work).split('\n');
    const modules = listing.filter((path) => path.endsWith('.js')).map((path) => path.slice('package/'.length)).sort();
    expect(modules).toEqual(
      [
        'dist/src/index.js',
        'dist/src/core.js',
        ...['kasko', 'insurup', 'axitech', 'coverkit'].map((p) => `dist/src/providers/${p}.js`),
        ...['node', 'express', 'fastify', 'web'].map((a) => `dist/src/adapters/${a}.js`),
        'dist/src/idempotency/redis.js',
        'dist/src/testing/index.js',
        'dist/src/testing/fast-check.js',
        'dist/src/drift/index.js',
        'dist/src/cli/index.js',
      ].sort(),
    );
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

  it('installs a working insurance-webhooks bin', () => {
    const cli = join(consumer, 'node_modules', '.bin', 'insurance-webhooks');
    const events = JSON.parse(run(cli, ['events', '--json'], consumer)) as unknown[];
    expect(events).toHaveLength(19);
    expect(run(cli, ['--help'], consumer)).toMatch(/validate/);
  });

  it('passes publint (strict) and arethetypeswrong (node16 and bundler resolution)', () => {
    expect(attempt(bin('publint'), ['run', tarball, '--strict'], work)).toBe('ok');
    expect(attempt(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color'], work)).toBe('ok');
  });
});
