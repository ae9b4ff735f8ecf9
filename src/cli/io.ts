// Everything the CLI touches outside itself goes through CliIo, so each command runs the same in a
// test (strings in, strings out) as in a terminal.
import { Buffer } from 'node:buffer';

/** Loads the drift pipeline; by default `import('../drift/index.js')`. */
export type DriftLoader = () => Promise<unknown>;

export interface CliIo {
  /** Writes to standard output, as is (commands end their lines with "\n"). */
  stdout(text: string): void;
  /** Writes to standard error: usage errors and diagnostics. */
  stderr(text: string): void;
  /** Everything on standard input (`validate -`). */
  readStdin(): Promise<Buffer>;
  /** Environment variables (INSURANCE_WEBHOOKS_SECRET). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are read from. */
  cwd: string;
  /** Resolves when a long-running command (`listen`) should stop: Ctrl-C or SIGTERM in a terminal. */
  waitForStop(): Promise<void>;
  /** Replaces the drift pipeline (tests). */
  loadDrift?: DriftLoader;
  /** Standard error when it is a terminal: progress bars are drawn there, and only there. */
  terminal?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Exit codes: 0 success, 1 the thing checked failed, 2 the command could not run as asked. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * A reason the command cannot run as asked: missing or wrong arguments, unknown names, unreadable
 * files. The CLI prints the message and exits 2.
 *
 * @example
 * throw new CommandLineError('--provider is required');
 */
export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
}

/**
 * The terminal's CliIo: process streams and environment. Only a command that waits for a stop
 * takes over Ctrl-C; the others keep Node's default (exit at once).
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks);
    },
    env: process.env,
    cwd: process.cwd(),
    ...(process.stderr.isTTY && { terminal: process.stderr }),
    waitForStop: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}

/**
 * A CliIo that records what was written, for in-process tests.
 *
 * @example
 * const io = memoryIo({ stdin: '{}', signal: controller.signal });
 * await runCli(['events'], io);
 * io.out(); // the table
 */
export function memoryIo(
  overrides: Partial<CliIo> & { stdin?: string; signal?: AbortSignal } = {},
): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  const { stdin = '', signal, ...rest } = overrides;
  return {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    readStdin: async () => Buffer.from(stdin),
    env: {},
    cwd: process.cwd(),
    // Stops when `signal` aborts; without one, never.
    waitForStop: () => new Promise((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true }))),
    ...rest,
    out: () => out,
    err: () => err,
  };
}
