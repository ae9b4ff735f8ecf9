// The dispatcher: global options, `help <command>`, per-command parsing, exit codes. No process
// globals here (see io.ts), so tests run the CLI in-process.
import { parseCommandArgs, providersWhere } from './args.js';
import type { Command } from './command.js';
import { drift } from './commands/drift.js';
import { events } from './commands/events.js';
import { inbox } from './commands/inbox.js';
import { listen } from './commands/listen.js';
import { send } from './commands/send.js';
import { sign } from './commands/sign.js';
import { validate } from './commands/validate.js';
import { EXIT, CommandLineError, type CliIo } from './io.js';
import { readPackageJson } from '../testing/package-files.js';

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [events, validate, sign, send, listen, drift, inbox];

const HELP = `insurance-webhooks: webhooks of ${providersWhere()} from the command line

Usage: insurance-webhooks <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)}${command.summary}`).join('\n')}

Options:
  -h, --help     this help; "insurance-webhooks <command> --help" for a command's options
  -v, --version  the package version

Exit codes: 0 success; 1 the check failed (invalid payload, non-2xx answer, drift);
2 the command could not run (missing or unknown argument, unknown provider or event, unreadable file).
`;

const findCommand = (name: string) => COMMANDS.find((command) => command.name === name);
const unknownCommand = (name: string) =>
  new CommandLineError(`unknown command "${name}"; commands: ${COMMANDS.map((command) => command.name).join(', ')}`);

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(HELP);
    return EXIT.usage;
  }
  if (first === '-h' || first === '--help') {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    io.stdout(`${(readPackageJson('package.json') as { version: string }).version}\n`);
    return EXIT.ok;
  }
  if (first === 'help') {
    const topic = rest[0] === undefined ? undefined : findCommand(rest[0]);
    if (rest[0] !== undefined && !topic) throw unknownCommand(rest[0]);
    io.stdout(topic ? topic.help : HELP);
    return EXIT.ok;
  }
  const command = findCommand(first);
  if (!command) throw unknownCommand(first);
  const args = parseCommandArgs(command.name, [...rest], { ...command.options, help: { type: 'boolean', short: 'h' } });
  if (args.values.help) {
    io.stdout(command.help);
    return EXIT.ok;
  }
  if (!command.operands && args.positionals.length > 0) throw new CommandLineError(`${command.name}: unexpected argument "${args.positionals[0]}"`);
  return command.run(args, io);
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Usage errors
 * are printed with a pointer to the help; anything else unexpected is printed and exits 1.
 *
 * @example
 * const io = memoryIo();
 * const code = await runCli(['validate', 'payload.json', '--provider', 'kasko', '--event', 'policy.created'], io);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CommandLineError) {
      const command = findCommand(argv[0] ?? '');
      io.stderr(`insurance-webhooks${command ? ' ' : ': '}${error.message}\nRun "insurance-webhooks ${command ? `${command.name} ` : ''}--help" for usage.\n`);
      return EXIT.usage;
    }
    io.stderr(`insurance-webhooks: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.failure;
  }
}
