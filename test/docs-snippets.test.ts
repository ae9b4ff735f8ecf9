// Every TypeScript/JavaScript snippet in the README and docs/ is code a test checks, against the
// packed and installed package (test/helpers/packed-package.ts), not against src/:
// - every snippet type-checks in a consumer project (strict, nodenext). A fragment may use the
//   names test/snippets/context.d.ts declares (the reader's own app, secret, logger, …) and
//   nothing else it does not import;
// - a snippet marked `<!-- snippet: runs NAME -->` also runs, and the scenario NAME below checks
//   what the text around it promises;
// - a snippet marked `<!-- snippet: jest -->` is checked with jest's globals instead of vitest's.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelivery } from '../src/testing/index.js';
import { attempt, packedPackage } from './helpers/packed-package.js';
import { startRedis, type RedisHandle } from './helpers/redis-server.js';
import { missing, SYSTEM_PROGRAMS } from './helpers/system.js';

const repo = new URL('..', import.meta.url).pathname;
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

interface Snippet {
  /** `README.md:42`: where the fence opens. */
  where: string;
  code: string;
  marker: { jest: boolean; runs?: string };
}

/** The fenced ts/js blocks of the README and of docs/*.md (not the providers' own docs). */
function snippets(): Snippet[] {
  const files = ['README.md', ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const found: Snippet[] = [];
  for (const file of files) {
    const lines = readFileSync(join(repo, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(ts|typescript|js|javascript|mjs)\s*$/.exec(lines[i]!);
      if (!open) continue;
      const end = lines.indexOf('```', i + 1);
      const before = lines.slice(Math.max(0, i - 3), i).join('\n');
      const runs = /<!-- snippet: runs ([\w-]+) -->/.exec(before)?.[1];
      found.push({ where: `${file}:${i + 1}`, code: lines.slice(i + 1, end).join('\n'), marker: { jest: before.includes('<!-- snippet: jest -->'), ...(runs ? { runs } : {}) } });
      i = end;
    }
  }
  return found;
}

const all = snippets();
const slug = (where: string) => where.replace(/[^\w]+/g, '-');
let consumer = '';
let dir = '';

beforeAll(async () => {
  consumer = (await packedPackage()).consumer;
  dir = join(consumer, 'snippets');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(repo, 'test/snippets/context.d.ts'), join(dir, 'context.d.ts'));
  for (const snippet of all) {
    const isModule = /^\s*(import|export)\s/m.test(snippet.code);
    writeFileSync(join(dir, `${slug(snippet.where)}.ts`), `${snippet.code}\n${isModule ? '' : 'export {};\n'}`);
  }
}, 180_000);

describe('documentation snippets', () => {
  it('finds the snippets (README and docs/)', () => {
    expect(all.filter((s) => s.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(8);
    expect(all.filter((s) => s.where.startsWith('docs/testing.md')).length).toBeGreaterThanOrEqual(8);
  });

  /** tsc over a group of snippets: [] or one line per error, named by the snippet's place in the docs. */
  function typeErrors(group: Snippet[], types: string[]): string[] {
    const name = types.includes('jest') ? 'jest' : 'default';
    writeFileSync(
      join(dir, `tsconfig.${name}.json`),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types, strict: true, noEmit: true, skipLibCheck: true },
        files: ['context.d.ts', ...group.map((s) => `${slug(s.where)}.ts`)],
      }),
    );
    const output = attempt(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], dir);
    if (output === 'ok') return [];
    const byFile = new Map(group.map((s) => [`${slug(s.where)}.ts`, s.where]));
    return output
      .split('\n')
      .filter((line) => /error TS\d+/.test(line))
      .map((line) => line.replace(/^([\w-]+\.ts)\((\d+),\d+\)/, (_, file: string, row: string) => `${byFile.get(file) ?? file} +${Number(row)}`));
  }

  it('every snippet type-checks against the installed package (vitest globals)', () => {
    expect(typeErrors(all.filter((s) => !s.marker.jest), ['node', 'vitest/globals'])).toEqual([]);
  }, 60_000);

  it('the jest snippets type-check with jest globals', () => {
    const jest = all.filter((s) => s.marker.jest);
    expect(jest.length).toBeGreaterThan(0);
    expect(typeErrors(jest, ['node', 'jest'])).toEqual([]);
  }, 60_000);

  it('every runnable snippet has a scenario, and every scenario a snippet', () => {
    expect(all.flatMap((s) => (s.marker.runs ? [s.marker.runs] : [])).sort()).toEqual(Object.keys(scenarios).sort());
  });
});

// ---------------------------------------------------------------------------------------------
// Scenarios: run a snippet as the reader would, then check what its prose promises.
// ---------------------------------------------------------------------------------------------

const children: ChildProcess[] = [];
afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

/**
 * Runs the snippet in a Node process of the consumer project: the values of test/snippets/context.d.ts
 * (runtime.mjs), the snippet itself with its types stripped, then `harness` appended (it may use
 * the snippet's top-level names). Resolves with the process and an iterator over its stdout lines.
 */
function runSnippet(snippet: Snippet, harness: string, env: NodeJS.ProcessEnv) {
  const file = join(dir, `run-${slug(snippet.where)}.mjs`);
  const code = transformSync(`${snippet.code}\n${harness}`, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
  writeFileSync(file, `import './runtime.mjs';\n${code}`);
  writeFileSync(
    join(dir, 'runtime.mjs'),
    `globalThis.secret = process.env.SNIPPET_SECRET;\nglobalThis.log = { info: (...a) => console.error('info', ...a), warn: (...a) => console.error('warn', ...a), error: (...a) => console.error('error', ...a) };\n`,
  );
  const child = spawn(process.execPath, [relative(dir, file)], { cwd: dir, env: { ...process.env, ...env } });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, lines, stderr: () => stderr };
}

const scenarios: Record<string, (snippet: Snippet, context: { skip(note?: string): void }) => Promise<void>> = {
  /** README, Idempotency: the Redis snippet answers 503 (retryable) while Redis is down, and the process stays up. */
  async 'redis-outage'(snippet, context) {
    if (missing(context, SYSTEM_PROGRAMS.redis)) return;
    const redis = (await startRedis()) as RedisHandle;
    children.push(redis.process);
    const secret = 'whsec_snippet';
    const { child, lines, stderr } = runSnippet(
      snippet,
      `import http from 'node:http';
import { nodeHandler } from 'insurance-webhooks/node';
const server = http.createServer(nodeHandler(webhooks, 'coverkit')).listen(0, '127.0.0.1', () => console.log(server.address().port));`,
      { REDIS_URL: redis.url, SNIPPET_SECRET: secret },
    );
    const port = Number((await lines.next()).value);
    expect(port, stderr()).toBeGreaterThan(0);
    const post = async () => {
      const d = await createDelivery('coverkit', 'policy.created', { secret });
      const res = await fetch(`http://127.0.0.1:${port}${d.url}`, d).catch((error: Error) => {
        throw new Error(`no answer (${error.message}); the snippet's process exited ${child.exitCode ?? child.signalCode}:\n${stderr()}`);
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
    };
    expect(await post()).toMatchObject({ status: 200 });
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the client notices and starts reconnecting
    expect(await post()).toEqual({ status: 503, retryAfter: '30', body: { error: 'store_unavailable', message: expect.any(String) } });
    expect(await post()).toMatchObject({ status: 503 });
    expect({ exitCode: child.exitCode, signal: child.signalCode, stderr: stderr() }).toMatchObject({ exitCode: null, signal: null });
  },

  /** README, Operating the endpoint: the SDK set-up serves the package's metrics to Prometheus, and onDelivery logs one line per delivery. */
  async prometheus(snippet) {
    const { createServer } = await import('node:net');
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const secret = 'whsec_snippet';
    const { lines, stderr } = runSnippet(snippet, `globalThis.savePolicy = async () => {};\nserver.on('listening', () => console.log(server.address().port));`, {
      PORT: '0',
      METRICS_PORT: String(free),
      SNIPPET_SECRET: secret,
    });
    const port = Number((await lines.next()).value);
    expect(port, stderr()).toBeGreaterThan(0);
    const good = await createDelivery('kasko', 'policy.created', { secret });
    expect((await fetch(`http://127.0.0.1:${port}${good.url}`, good)).status).toBe(200);
    const forged = await createDelivery('kasko', 'policy.created', { secret: 'not-the-secret' });
    expect((await fetch(`http://127.0.0.1:${port}${forged.url}`, forged)).status).toBe(401);
    const scraped = await fetch(`http://127.0.0.1:${free}/metrics`).then((res) => res.text());
    const scope = 'otel_scope_name="insurance-webhooks"';
    expect(scraped).toContain(`webhook_deliveries_total{webhook_outcome="handled",webhook_provider="kasko",webhook_event_type="policy.created",${scope}} 1`);
    expect(scraped).toContain(`webhook_deliveries_total{webhook_outcome="refused:signature_invalid",webhook_provider="kasko",error_type="signature_invalid",${scope}} 1`);
    expect(scraped).toContain(`webhook_delivery_duration_count{webhook_outcome="handled",webhook_provider="kasko",webhook_event_type="policy.created",${scope}} 1`);
    expect(scraped).toContain(`webhook_active_deliveries{webhook_provider="kasko",${scope}} 0`);
    // The log line per delivery (the snippet's runtime logs to stderr).
    expect(stderr()).toMatch(/info \{[^}]*outcome: 'handled',[^}]*\} webhook delivery/);
    expect(stderr()).toMatch(/info \{[^}]*outcome: 'refused:signature_invalid',[^}]*\} webhook delivery/);
  },
};

describe('runnable snippets', () => {
  it.for(all.filter((s) => s.marker.runs))('$where ($marker.runs)', { timeout: 30_000 }, async (snippet, context) => {
    await scenarios[snippet.marker.runs!]!(snippet, context);
  });
});
