// What every command module exports: its name, a one-line summary for the global help, its full
// help text and options, and `run`, which returns the exit code.
import type { OptionSpec, ParsedArgs } from './args.js';
import type { CliIo } from './io.js';

export interface Command {
  name: string;
  /** One line, shown by `insurance-webhooks --help`. */
  summary: string;
  /** The full `--help` text: usage line, options, examples. */
  help: string;
  options: OptionSpec;
  /** Positional arguments the command takes, e.g. `<file|->`; none when absent. */
  operands?: string;
  /** Returns the exit code (see EXIT); throws a CommandLineError for wrong use. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/**
 * Writes `value` as one indented JSON document, for `--json`.
 *
 * @example
 * writeJson(io, { ok: true, errors: [] });
 */
export const writeJson = (io: CliIo, value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);

/**
 * Pads columns to a plain-text table (no borders, two spaces apart).
 *
 * @example
 * table([['provider', 'event'], ['kasko', 'policy.created']]);
 */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}
