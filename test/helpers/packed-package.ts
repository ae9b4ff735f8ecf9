// The package as a consumer installs it: `npm pack`, then the tarball installed into a fresh
// project. Built once per test run (test/setup/packed-workdir.ts provides the folder) by whichever
// test file asks first; the others wait for it.
//
// Nothing here reads the npm registry or the npm cache: the tarball has no dependencies, and the
// peers and frameworks the consumer code imports are installed from this repository's
// node_modules (a `file:` link), which hold exactly the versions package-lock.json names. A
// developer's warm cache therefore cannot hide a missing step (issue: green on a fresh machine).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';

const repo = new URL('../..', import.meta.url).pathname;

/** What a consumer project imports besides the package: its optional peers and the frameworks of the README's snippets. */
export const CONSUMER_DEPENDENCIES = [
  'fast-check',
  'quicktype-core',
  'redis',
  'express',
  'fastify',
  'hono',
  '@hono/node-server',
  '@types/node',
  '@types/express',
  // the test runners' types, and supertest, for the docs' test snippets (test/docs-snippets.test.ts)
  'vitest',
  '@types/jest',
  'supertest',
  '@types/supertest',
  // the README's recipes (test/recipes.test.ts): AWS Lambda's event types, Koa, NestJS on Express
  '@types/aws-lambda',
  'koa',
  '@types/koa',
  '@koa/router',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  'reflect-metadata',
  'rxjs',
  // README, "Operating the endpoint": the OpenTelemetry SDK with a Prometheus exporter (the package
  // itself without @opentelemetry/api: test/observability.test.ts installs the tarball alone)
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/exporter-prometheus',
  // docs/inbox.md: the inbox stores' optional peers
  '@electric-sql/pglite',
  'pg',
  '@types/pg',
] as const;

export interface PackedPackage {
  /** The folder holding the tarball and the consumer. */
  work: string;
  /** The `npm pack` tarball (prepack builds dist/). */
  tarball: string;
  /** A `type: module` project with the tarball and CONSUMER_DEPENDENCIES installed. */
  consumer: string;
}

export const run = (command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, npm_config_loglevel: 'error', ...env } });

/** 'ok', or the command's output: a failing assertion then shows why. */
export const attempt = (command: string, args: readonly string[], cwd: string) => {
  try {
    run(command, args, cwd);
    return 'ok';
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${command} ${args.join(' ')} failed:\n${stdout}\n${stderr}`;
  }
};

function build(work: string): PackedPackage {
  run('npm', ['pack', '--pack-destination', work], repo);
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const local = CONSUMER_DEPENDENCIES.map((name) => join(repo, 'node_modules', name));
  // --offline: a dependency that is not local fails here at once instead of reaching for the registry.
  run('npm', ['install', tarball, ...local, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], consumer);
  return { work, tarball, consumer };
}

/**
 * The packed and installed package, built on first call in this test run.
 *
 * @example
 * const { consumer } = await packedPackage();
 * run(join(consumer, 'node_modules/.bin/insurance-webhooks'), ['events'], consumer);
 */
export async function packedPackage(): Promise<PackedPackage> {
  const work = inject('packedWorkdir');
  const ready = join(work, 'ready.json');
  const failed = join(work, 'failed.txt');
  let owner = false;
  try {
    mkdirSync(join(work, 'lock')); // atomic: exactly one test file builds
    owner = true;
  } catch {
    // another file is building it
  }
  if (owner) {
    try {
      writeFileSync(ready, JSON.stringify(build(work)));
    } catch (error) {
      const { message, stdout, stderr } = error as { message: string; stdout?: string; stderr?: string };
      writeFileSync(failed, `${message}\n${stdout ?? ''}\n${stderr ?? ''}`);
    }
  }
  for (;;) {
    if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as PackedPackage;
    if (existsSync(failed)) throw new Error(`packing or installing the package failed:\n${readFileSync(failed, 'utf8')}`);
    await sleep(100);
  }
}
