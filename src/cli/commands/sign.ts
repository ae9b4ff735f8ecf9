// `sign`: the headers a provider would send with a body, or a ready curl command.
import { PROVIDERS, providersWhere, signsRequestLine, signsTimestamp } from '../args.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../../core/receive.js';
import { writeJson, type Command } from '../command.js';
import { EXIT, CommandLineError } from '../io.js';
import { httpUrl, keepIdsHelp, SIGNED_REQUEST_OPTIONS, signedRequest, type PreparedDelivery } from '../signed-request.js';

/**
 * A word for a POSIX shell, single-quoted.
 *
 * @example
 * shellQuote("it's"); // 'it'\''s'
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The body as curl sends it: the file itself (exact bytes), or the text inline. */
function curlData(request: PreparedDelivery): string {
  if (request.bodyFile !== undefined && request.bodyFile !== '-') return `--data-binary ${shellQuote(`@${request.bodyFile}`)}`;
  const text = request.body.toString();
  if (typeof request.body !== 'string' && !Buffer.from(text, 'utf8').equals(request.body)) {
    throw new CommandLineError('sign: the body from standard input is not UTF-8 text and cannot be put on a command line; pass it with --body <file>');
  }
  return `--data-raw ${shellQuote(text)}`;
}

/**
 * A curl command that POSTs the signed request to `url`.
 *
 * @example
 * curlCommand(request, new URL('http://127.0.0.1:3000/webhooks/kasko'));
 */
export function curlCommand(request: PreparedDelivery, url: URL): string {
  const lines = [`curl -sS -X POST ${shellQuote(url.href)}`, ...Object.entries(request.headers).map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`), curlData(request)];
  return lines.join(' \\\n  ');
}

/** The signed path: --url (a path, or a URL whose path is taken), else the --curl URL's, else /webhooks/<provider>. */
function signedPath(url: unknown, curl: URL | undefined, provider: unknown): string {
  if (typeof url === 'string' && url !== '') {
    if (!/^https?:\/\//i.test(url)) return url;
    const parsed = httpUrl('sign', 'url', url);
    return parsed.pathname + parsed.search;
  }
  if (curl) return curl.pathname + curl.search;
  return `/webhooks/${String(provider)}`;
}

export const sign: Command = {
  name: 'sign',
  summary: 'print the headers a provider would send with a body (or a curl command)',
  help: `Usage: insurance-webhooks sign --provider P --event E --secret S [--body file] [--url path] [--curl URL] [--keep-ids] [--json]

Signs a body as the provider signs it and prints the headers it would send, one "name: value" per
line. Without --body the event's documented example is signed (as compact JSON) with fresh ids and
dates, so each run is a new event, and printed after the headers and a blank line. With --curl,
prints a curl command that POSTs exactly those bytes to URL.

Options:
  --provider P   ${PROVIDERS.join(', ')}
  --event E      the event type, e.g. policy.created
  --secret S     the webhook secret (default: $INSURANCE_WEBHOOKS_SECRET)
  --body file    the exact bytes to sign (- for standard input)
  --url path     the path and query the receiver will see (signed by ${providersWhere(signsRequestLine)}).
                 Default: the path of --curl, else /webhooks/<provider>
  --curl URL     print a curl command for this URL instead of the headers
${keepIdsHelp(17)}
  --json         { method, url, headers, body, curl? }
  -h, --help     this help

A signed timestamp (${providersWhere(signsTimestamp)}) is accepted for ${DEFAULT_TOLERANCE_SECONDS / 60} minutes: sign just before sending.

Examples:
  insurance-webhooks sign --provider kasko --event policy.created --secret whsec_test
  insurance-webhooks sign --provider axitech --event session.submitted --secret s --curl http://127.0.0.1:3000/webhooks/axitech
`,
  options: { ...SIGNED_REQUEST_OPTIONS, url: { type: 'string' }, curl: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, io) {
    const curl = typeof values.curl === 'string' ? httpUrl('sign', 'curl', values.curl) : undefined;
    const request = await signedRequest('sign', values, io, signedPath(values.url, curl, values.provider));
    const command = curl ? curlCommand(request, curl) : undefined;
    if (values.json) {
      const body = request.body.toString();
      writeJson(io, { method: request.method, url: request.path, headers: request.headers, body, ...(command !== undefined && { curl: command }) });
    } else if (command !== undefined) io.stdout(`${command}\n`);
    else {
      io.stdout(Object.entries(request.headers).map(([name, value]) => `${name}: ${value}\n`).join(''));
      // A generated body has fresh ids: print it, or the headers could not be used. A file is the caller's.
      if (request.bodyFile === undefined) io.stdout(`\n${request.body.toString()}\n`);
    }
    return EXIT.ok;
  },
};
