// Starts a throwaway redis-server on a free loopback port (Debian package redis-server; .ci/run
// installs it). Returns undefined when redis-server is not installed (tests then skip through
// helpers/system.ts, which names the package); a redis-server that is there but will not start is
// an error.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { available, SYSTEM_PROGRAMS } from './system.js';

export interface RedisHandle {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export async function startRedis(): Promise<RedisHandle | undefined> {
  if (!available(SYSTEM_PROGRAMS.redis)) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  const url = `redis://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  // Idempotent: a second stop() waits for the same exit instead of hanging.
  const stopOnce = () =>
    (stopping ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }));
  for (let attempt = 0; attempt < 50; attempt++) {
    const error = await Promise.race([failed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100))]);
    if (error) break;
    const probe = createClient({ url, socket: { reconnectStrategy: false } });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      await probe.quit();
      return {
        url,
        port,
        process: child,
        stop: stopOnce,
      };
    } catch {
      // not up yet
    }
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server is installed but did not answer on ${url} within 5 s`);
}

/**
 * One redis-server for the calling test file: started before its tests, stopped after them with
 * every client `connect` opened. `handle` is undefined when redis-server is not installed.
 *
 * @example
 * const redis = redisForSuite();
 * it('…', async (context) => { if (!redis.handle && missing(context, SYSTEM_PROGRAMS.redis)) return; const client = await redis.connect(); });
 */
export function redisForSuite() {
  let handle: RedisHandle | undefined;
  const clients: { quit(): Promise<unknown> }[] = [];
  beforeAll(async () => {
    handle = await startRedis();
  }, 15_000);
  afterAll(async () => {
    for (const client of clients) await client.quit().catch(() => {});
    await handle?.stop();
  });
  return {
    get handle() {
      return handle;
    },
    /** A connected client of `url` (default this suite's server), quit after the file's tests. */
    async connect(url = handle!.url) {
      const client = createClient({ url, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      await client.connect();
      clients.push(client);
      return client;
    },
  };
}
