// `send`: POSTs a genuine signed delivery to a URL and shows the answer; exit 1 unless it is 2xx.
import { PROVIDERS, providersWhere, requireString, signsRequestLine } from '../args.js';
import { writeJson, type Command } from '../command.js';
import { EXIT, CommandLineError } from '../io.js';
import { httpUrl, keepIdsHelp, SIGNED_REQUEST_OPTIONS, signedRequest } from '../signed-request.js';

/** Why fetch failed, in words: undici hides the system error in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'no answer in time (see --timeout)';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export const send: Command = {
  name: 'send',
  summary: 'POST a genuine signed delivery to a URL and print the answer',
  help: `Usage: insurance-webhooks send --provider P --event E --url URL --secret S [--body file] [--keep-ids] [--json]

Signs the body as the provider does and POSTs it to URL, then prints the HTTP status and the
response body. Without --body the event's documented example is sent, with fresh ids and dates so
that every run is a new event the receiver handles. An answer the receiver replayed for a delivery
it had already handled (header x-idempotent-replay: true) is marked "replay of an earlier
delivery: not handled again". Exit code 0 for a 2xx answer, 1 for any other answer or when the
URL cannot be reached, 2 for a usage error.

Options:
  --provider P     ${PROVIDERS.join(', ')}
  --event E        the event type, e.g. policy.created
  --url URL        where to POST, e.g. http://127.0.0.1:3000/webhooks/kasko (the path is signed by ${providersWhere(signsRequestLine)})
  --secret S       the webhook secret (default: $INSURANCE_WEBHOOKS_SECRET)
  --body file      the exact bytes to send (- for standard input)
  --timeout ms     give up after this long (default 10000)
${keepIdsHelp(19)}
  --json           { status, ok, replay, headers, body }; replay: the receiver answered a duplicate
                   with its first answer and did not handle it again
  -h, --help       this help

Example:
  insurance-webhooks send --provider insurup --event proposal_premium.purchasing --url http://127.0.0.1:3000/webhooks/insurup --secret whsec_test
`,
  options: { ...SIGNED_REQUEST_OPTIONS, url: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, io) {
    const url = httpUrl('send', 'url', requireString('send', values, 'url'));
    const timeout = values.timeout === undefined ? 10_000 : Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout <= 0) throw new CommandLineError(`send: --timeout must be a positive number of milliseconds (got "${String(values.timeout)}")`);
    const request = await signedRequest('send', values, io, url.pathname + url.search);
    let response: Response;
    try {
      response = await fetch(url, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeout) });
    } catch (error) {
      const reason = networkReason(error);
      // --json always prints one JSON object on stdout, so a script can read what happened.
      if (values.json) writeJson(io, { status: null, ok: false, replay: false, error: `could not deliver: ${reason}` });
      io.stderr(`send: could not deliver to ${url.href}: ${reason}\n`);
      return EXIT.failure;
    }
    const body = await response.text();
    // What createWebhooks answers to a duplicate of a handled delivery (src/router/responses.ts).
    const replay = response.headers.get('x-idempotent-replay') === 'true';
    if (values.json) writeJson(io, { status: response.status, ok: response.ok, replay, headers: Object.fromEntries(response.headers), body });
    else {
      const note = replay ? ' (replay of an earlier delivery: not handled again)' : '';
      io.stdout(`HTTP ${response.status} ${response.statusText}${note}\n${body}${body === '' || body.endsWith('\n') ? '' : '\n'}`);
    }
    return response.ok ? EXIT.ok : EXIT.failure;
  },
};
