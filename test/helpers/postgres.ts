// A real PostgreSQL server for the inbox tests and scripts: Debian's `postgresql` package, a fresh
// cluster in a temporary directory, on a free loopback port, gone after `stop()`. PostgreSQL refuses
// to run as root, so under root (CI, containers) initdb and the server run as the `postgres` user
// the Debian package creates, owning the directory. fsync is off: these runs test workers that die,
// not machines that lose power.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian keeps the server programs off PATH, in /usr/lib/postgresql/<major>/bin: the newest there,
 * or undefined when initdb is on PATH already (or there is none).
 */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')));
  majors.sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

const program = (name: string) => {
  const bin = postgresBin();
  return bin ? join(bin, name) : name;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication on loopback). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Under root, spawn options that run a program as the `postgres` user (uid/gid, not runuser, so the
 * child is the server itself and gets our signals).
 */
function serverUser(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) throw new Error('running as root, and there is no postgres user to run PostgreSQL as (the postgresql package creates it)');
  return { uid, gid };
}

/**
 * Starts a throwaway PostgreSQL cluster; rejects (with initdb's or the server's output) when it
 * cannot. `stop()` shuts it down and deletes its directory.
 *
 * @example
 * const server = await startPostgres();
 * const inbox = postgresInbox({ connectionString: server.url });
 */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-pg-'));
  const data = join(dir, 'data');
  const user = serverUser();
  if ('uid' in user) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  const init = spawnSync(program('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], { encoding: 'utf8', cwd: dir, ...user });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.error?.message ?? ''}${init.stderr}${init.stdout}`);
  }
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'];
  const server: ChildProcess = spawn(program('postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...user });
  let output = '';
  server.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, closes clients).
      server.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited: ${output}`);
    }
    if (output.includes('ready to accept connections')) return { url, port, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not start within 60 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
