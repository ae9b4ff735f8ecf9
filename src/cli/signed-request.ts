// What `sign` and `send` share: the body (a file's exact bytes, or the documented example) and the
// headers the provider would send with it.
import type { Provider } from '../core/event.js';
import { sign } from '../index.js';
import { buildDelivery } from '../testing/delivery.js';
import { providerDefinition } from '../root-api.js';
import { eventEntry, providerOption, readInput, requireString, secretOption, type Values } from './args.js';
import { CommandLineError, type CliIo } from './io.js';

export interface PreparedDelivery {
  provider: Provider;
  type: string;
  method: 'POST';
  /** Path and query that were signed (Axitech signs them). */
  path: string;
  headers: Record<string, string>;
  /** The exact bytes signed: a file's content as read, or the compact JSON of the example (fresh ids unless --keep-ids). */
  body: Buffer | string;
  /** The file the body came from, if any. */
  bodyFile?: string;
}

/**
 * An absolute http(s) URL from an option; a CommandLineError otherwise.
 *
 * @example
 * httpUrl('send', 'url', 'http://127.0.0.1:3000/webhooks/kasko').pathname; // '/webhooks/kasko'
 */
export function httpUrl(command: string, option: string, value: string): URL {
  const problem = new CommandLineError(`${command}: --${option} must be an absolute http(s) URL, e.g. http://127.0.0.1:3000/webhooks/kasko (got "${value}")`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem;
  return url;
}

/**
 * The `--keep-ids` lines of the `sign` and `send` help, the description starting at `column`.
 *
 * @example
 * keepIdsHelp(17); // '  --keep-ids     keep the documented…'
 */
export function keepIdsHelp(column: number): string {
  const lines = [
    "keep the documented example's ids and dates (and a fixed delivery id header)",
    'instead of fresh ones: every run is then the same delivery, which a receiver',
    'handles once and answers as a replay after that (to test deduplication)',
  ];
  return lines.map((line, i) => (i === 0 ? '  --keep-ids'.padEnd(column) : ' '.repeat(column)) + line).join('\n');
}

/** The options `signedRequest` reads, for the commands that take them (`sign`, `send`). */
export const SIGNED_REQUEST_OPTIONS = {
  provider: { type: 'string' },
  event: { type: 'string' },
  secret: { type: 'string' },
  body: { type: 'string' },
  'keep-ids': { type: 'boolean' },
} as const;

/**
 * Reads --provider, --event, --secret, --body and --keep-ids, and signs the body for a request to
 * `path`. Without --body the documented example is sent as `createDelivery()` builds it, with fresh
 * identity (new ids, created now), so repeated runs are new events, not duplicates; --keep-ids pins
 * the example's. A --body file is never changed.
 *
 * @example
 * const request = await signedRequest('send', values, io, '/webhooks/kasko');
 */
export async function signedRequest(command: string, values: Values, io: CliIo, path: string): Promise<PreparedDelivery> {
  const catalog = providerOption(command, values);
  const type = requireString(command, values, 'event');
  eventEntry(command, catalog, type);
  const secret = secretOption(command, values, io);
  if (!path.startsWith('/')) throw new CommandLineError(`${command}: --url must be a path and query starting with / (got "${path}")`);
  const keepIds = values['keep-ids'] === true;
  const bodyFile = typeof values.body === 'string' ? values.body : undefined;
  if (bodyFile === undefined) {
    const delivery = await buildDelivery(catalog.name, type, { secret, url: path, identity: keepIds ? 'example' : 'fresh' });
    return { provider: catalog.name, type, method: 'POST', path, headers: delivery.headers, body: delivery.body };
  }
  // A file is sent as its exact bytes, never re-encoded: signed as it is.
  const body = await readInput(command, bodyFile, io);
  const deliveryId = keepIds ? providerDefinition(catalog.name).exampleDeliveryId(type) : undefined; // undefined: sign() draws a fresh one
  const headers = await sign(catalog.name, { type, body, method: 'POST', url: path, deliveryId }, secret);
  return { provider: catalog.name, type, method: 'POST', path, headers, body, bodyFile };
}
