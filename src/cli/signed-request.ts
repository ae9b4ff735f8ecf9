// What `sign` and `send` share: the body (a file's exact bytes, or the documented example) and the
// headers the provider would send with it.
import type { Provider } from '../core/event.js';
import { examples, sign } from '../index.js';
import { eventEntry, providerOption, readInput, requireString, secretOption, type Values } from './args.js';
import { UsageError, type CliIo } from './io.js';

export interface SignedRequest {
  provider: Provider;
  type: string;
  method: 'POST';
  /** Path and query that were signed (Axitech signs them). */
  path: string;
  headers: Record<string, string>;
  /** The exact bytes signed: a file's content as read, or the compact JSON of the example. */
  body: Buffer | string;
  /** The file the body came from, if any. */
  bodyFile?: string;
}

/**
 * An absolute http(s) URL from an option; a UsageError otherwise.
 *
 * @example
 * httpUrl('send', 'url', 'http://127.0.0.1:3000/webhooks/kasko').pathname; // '/webhooks/kasko'
 */
export function httpUrl(command: string, option: string, value: string): URL {
  const problem = new UsageError(`${command}: --${option} must be an absolute http(s) URL, e.g. http://127.0.0.1:3000/webhooks/kasko (got "${value}")`);
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
 * Reads --provider, --event, --secret and --body, and signs the body for a request to `path`.
 *
 * @example
 * const request = await signedRequest('send', values, io, '/webhooks/kasko');
 */
export async function signedRequest(command: string, values: Values, io: CliIo, path: string): Promise<SignedRequest> {
  const catalog = providerOption(command, values);
  const type = requireString(command, values, 'event');
  eventEntry(command, catalog, type);
  const secret = secretOption(command, values, io);
  if (!path.startsWith('/')) throw new UsageError(`${command}: --url must be a path and query starting with / (got "${path}")`);
  const bodyFile = typeof values.body === 'string' ? values.body : undefined;
  const body = bodyFile === undefined ? JSON.stringify((examples[catalog.name] as Record<string, unknown>)[type]) : await readInput(command, bodyFile, io);
  const headers = await sign(catalog.name, { type, body, method: 'POST', url: path }, secret);
  return { provider: catalog.name, type, method: 'POST', path, headers, body, ...(bodyFile !== undefined && { bodyFile }) };
}
