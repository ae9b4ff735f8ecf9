// System programs some tests need beyond Node, each with the Debian package that provides it. The
// README's "Development" section and .ci/run name the same packages (test/docs.test.ts checks).
//
// A test whose program is missing skips with a note naming the package; the run's last lines
// (test/setup/skip-summary.ts) list every such skip with the command that enables it. Under CI
// (CI=true) a missing program fails the test instead: .ci/run installs all of them, so a skip there
// would be a hole in CI, not a choice.
import { spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { postgresBin } from './postgres.js';

// Debian installs PostgreSQL's server programs off PATH (/usr/lib/postgresql/<major>/bin).
const pgBin = postgresBin();
if (pgBin && !(process.env.PATH ?? '').split(delimiter).includes(pgBin)) process.env.PATH = `${process.env.PATH ?? ''}${delimiter}${pgBin}`;

export interface SystemProgram {
  /** The commands the tests run. */
  commands: readonly string[];
  /** The Debian package that provides them. */
  debian: string;
  /** Which tests need it, for the summary. */
  tests: string;
}

export const SYSTEM_PROGRAMS = {
  redis: { commands: ['redis-server'], debian: 'redis-server', tests: 'the Redis idempotency store against a real server' },
  java: { commands: ['javac', 'java'], debian: 'openjdk-17-jdk-headless', tests: "InsurUp's Java signature sample (known answers)" },
  curl: { commands: ['curl'], debian: 'curl', tests: 'the command `insurance-webhooks sign --curl` prints, run as printed' },
  postgresql: { commands: ['initdb', 'postgres'], debian: 'postgresql', tests: 'the PostgreSQL inbox store against a real server' },
  chromium: { commands: ['chromium'], debian: 'chromium', tests: 'the inbox dashboard in a real headless browser' },
} as const satisfies Record<string, SystemProgram>;

const found = new Map<string, boolean>();
/** Whether every command of `program` runs (`<command> --version` or `-version` exits). */
export function available(program: SystemProgram): boolean {
  return program.commands.every((command) => {
    let ok = found.get(command);
    if (ok === undefined) {
      const probe = spawnSync(command, [command.startsWith('java') ? '-version' : '--version'], { stdio: 'ignore' });
      found.set(command, (ok = !probe.error && probe.status === 0));
    }
    return ok;
  });
}

/** CI=true (or any value but false/0), as CI services and .ci/run set it. */
const underCi = () => Boolean(process.env.CI) && !['false', '0'].includes(process.env.CI!.toLowerCase());

/** The note a skipped test carries; skip-summary.ts groups skips by it. */
export const skipNote = (program: SystemProgram) =>
  `needs ${program.commands.join(' and ')} (${program.tests}): apt-get install -y ${program.debian}`;

/**
 * Skips the running test because `program` is missing (fails it under CI). vitest's `skip()` ends
 * the test by throwing, so nothing after this call runs.
 */
export function skipFor(context: { skip(note?: string): void }, program: SystemProgram): never {
  if (underCi()) throw new Error(`CI: ${skipNote(program)} — .ci/run must install it`);
  context.skip(skipNote(program));
  throw new Error('unreachable: context.skip() ends the test');
}

/**
 * Skips the running test when `program` is missing (fails it under CI); false when it is there.
 *
 * @example
 * it('talks to Redis', async (context) => {
 *   if (missing(context, SYSTEM_PROGRAMS.redis)) return;
 *   …
 * });
 */
export function missing(context: { skip(note?: string): void }, program: SystemProgram): boolean {
  if (available(program)) return false;
  return skipFor(context, program);
}
