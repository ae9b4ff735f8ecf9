// Argument helpers shared by the commands: parsing with node:util, and turning names and paths
// into catalog entries and bytes with errors that say what would have worked.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { providers } from '../index.js';
import type { EventCatalogEntry, ProviderCatalog } from '../core/types.js';
import type { Provider } from '../core/event.js';
import type { ProviderDefinition } from '../core/provider.js';
import { definitions } from '../providers/index.js';
import { CommandLineError, type CliIo } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface ParsedArgs {
  values: Values;
  positionals: string[];
}

/**
 * `node:util` parseArgs in strict mode, its errors turned into UsageErrors naming the command.
 *
 * @example
 * const { values } = parseCommandArgs('sign', ['--provider', 'kasko'], { provider: { type: 'string' } });
 */
export function parseCommandArgs(command: string, args: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new CommandLineError(`${command}: ${message}`);
  }
}

/**
 * A string option that must be present.
 *
 * @example
 * const url = requireString('send', values, 'url');
 */
export function requireString(command: string, values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new CommandLineError(`${command}: --${name} is required`);
  return value;
}

const catalogs = providers as unknown as Record<Provider, ProviderCatalog<Record<string, unknown>>>;
/** Provider names, sorted. */
export const PROVIDERS = Object.keys(catalogs).sort() as Provider[];

/** `a`, `a and b`, `a, b and c`. */
const phrase = (names: readonly string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/**
 * The providers, or those `test` picks from their definitions, as help text writes them: display
 * names (`KASKO, InsurUp, Axitech and CoverKit`) or, with `names`, the `--provider` values. Help
 * derives what is provider-shaped from the registry, so a new provider is described without edits.
 *
 * @example
 * providersWhere((d) => d.catalog.transport.eventType.in === 'body', 'names'); // 'axitech and coverkit'
 */
export function providersWhere(test: (definition: ProviderDefinition) => boolean = () => true, as: 'display' | 'names' = 'display'): string {
  const picked = PROVIDERS.map((name) => definitions[name] as ProviderDefinition).filter(test);
  return phrase(picked.map((definition) => (as === 'names' ? definition.name : definition.catalog.displayName)));
}

/**
 * The catalog of the provider named by `--provider`; a CommandLineError listing the known ones otherwise.
 *
 * @example
 * const catalog = providerOption('validate', values); // providers.kasko
 */
export function providerOption(command: string, values: Values): ProviderCatalog<Record<string, unknown>> & { name: Provider } {
  const name = requireString(command, values, 'provider');
  if (!Object.hasOwn(catalogs, name)) throw new CommandLineError(`${command}: unknown provider "${name}"; known: ${PROVIDERS.join(', ')}`);
  return catalogs[name as Provider] as ProviderCatalog<Record<string, unknown>> & { name: Provider };
}

/**
 * The catalog entry of an event type of that provider; a CommandLineError listing its events otherwise.
 *
 * @example
 * const entry = eventEntry('sign', providers.kasko, 'policy.created');
 */
export function eventEntry(command: string, catalog: ProviderCatalog<Record<string, unknown>>, type: string): EventCatalogEntry {
  if (!Object.hasOwn(catalog.events, type)) {
    throw new CommandLineError(`${command}: unknown ${catalog.name} event "${type}"; known: ${Object.keys(catalog.events).sort().join(', ')}`);
  }
  return catalog.events[type]!;
}

/**
 * The secret from `--secret`, or else the environment variable INSURANCE_WEBHOOKS_SECRET (which
 * keeps it out of shell history and `ps`).
 *
 * @example
 * const secret = secretOption('listen', values, io);
 */
export function secretOption(command: string, values: Values, io: CliIo): string {
  const secret = typeof values.secret === 'string' && values.secret !== '' ? values.secret : io.env.INSURANCE_WEBHOOKS_SECRET;
  if (!secret) throw new CommandLineError(`${command}: --secret is required (or set INSURANCE_WEBHOOKS_SECRET)`);
  return secret;
}

/**
 * The bytes of a file, or of standard input for `-`; a CommandLineError naming the file if it cannot be read.
 *
 * @example
 * const bytes = await readInput('validate', 'payload.json', io);
 */
export async function readInput(command: string, path: string, io: CliIo): Promise<Buffer> {
  if (path === '-') return io.readStdin();
  try {
    return await readFile(resolve(io.cwd, path));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : message;
    throw new CommandLineError(`${command}: cannot read ${path}: ${reason}`);
  }
}

/**
 * Text of a JSON file as UTF-8, a leading byte-order mark ignored, parsed.
 *
 * @example
 * parseJsonFile(Buffer.from('{"a":1}')); // { ok: true, value: { a: 1 } }
 */
export function parseJsonFile(bytes: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) };
  } catch (error) {
    return { ok: false, message: (error as Error).message.replace(/\s+/g, ' ') };
  }
}

/** The scheme signs the method and URL: `--url` must be the path the receiver sees. */
export const signsRequestLine = (definition: ProviderDefinition) => definition.signature.signsRequestLine === true;
/** The scheme signs a timestamp, which receivers accept only within their replay window. */
export const signsTimestamp = (definition: ProviderDefinition) => definition.signature.timestamp !== undefined;
