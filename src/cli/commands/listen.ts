// `listen`: a local receiver (createWebhooks + the Node adapter) that prints one line per delivery:
// the verified event, or why it was refused.
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeHandler } from '../../adapters/node.js';
import { WebhookError } from '../../core/errors.js';
import type { WebhookEvent } from '../../core/event.js';
import { createWebhooks } from '../../index.js';
import { PROVIDERS, providerOption, secretOption } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, CommandLineError, type CliIo } from '../io.js';

const HOST = '127.0.0.1';

/** What the handlers learnt about one request, collected while it is handled. */
interface Outcome {
  event?: WebhookEvent;
  refused?: WebhookError;
  failure?: unknown;
}

/** What the adapter answers without consulting a handler. */
const STATUS_WORDS: Record<number, string> = {
  404: 'not found',
  405: 'method not allowed (webhooks are POSTed)',
  409: 'duplicate still being handled',
  413: 'body too large',
};

interface Line {
  status: number;
  provider: string;
  method?: string;
  url?: string;
  type?: string;
  deliveryId?: string;
  payload?: unknown;
  duplicate?: true;
  error?: { code: string; message: string; errors?: { path: string; message: string }[] };
}

function describeRequest(status: number, provider: string, req: http.IncomingMessage, outcome: Outcome): Line {
  const line: Line = { status, provider, method: req.method, url: req.url };
  const { event, refused, failure } = outcome;
  // A 2xx comes from a handler that ran (event recorded), an unknown event (refused recorded), or
  // the idempotency store replaying the first answer to a duplicate: the only case with neither.
  if (status < 300 && !event && !refused) line.duplicate = true;
  if (event) Object.assign(line, { type: event.type, ...(event.deliveryId && { deliveryId: event.deliveryId }), payload: event.payload });
  if (refused) {
    const { code, message, errors, type } = refused;
    Object.assign(line, { ...(type !== undefined && { type }), error: { code, message, ...(errors && { errors }) } });
  } else if (failure !== undefined) line.error = { code: 'error', message: (failure as Error)?.message ?? String(failure) };
  return line;
}

/** One human line: `200 kasko policy.created delivery=…`, `401 kasko refused signature_invalid: …`. */
function formatLine(line: Line): string {
  const head = `${line.status} ${line.provider}`;
  if (line.duplicate) return `${head} duplicate delivery: answered as the first time, not handled again`;
  if (line.error?.code === 'event_unknown') return `${head} unknown event "${line.type}": acknowledged, not handled`;
  if (line.error) {
    // For an invalid payload the offending fields say more than the message that sums them up.
    const fields = line.error.errors?.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ');
    return `${head} refused ${line.error.code}: ${fields || line.error.message}`;
  }
  if (line.type) return `${head} ${line.type}${line.deliveryId ? ` delivery=${line.deliveryId}` : ''}`;
  return `${head} ${line.method} ${line.url} ${STATUS_WORDS[line.status] ?? ''}`.trimEnd();
}

function parsePort(value: unknown): number {
  if (value === undefined) return 3000;
  const port = Number(value);
  if (!/^\d+$/.test(String(value)) || port > 65_535) throw new CommandLineError(`listen: --port must be a number from 0 to 65535 (got "${String(value)}")`);
  return port;
}

function startServer(server: http.Server, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export const listen: Command = {
  name: 'listen',
  summary: 'run a local receiver that prints each delivery, verified or refused',
  help: `Usage: insurance-webhooks listen --provider P --secret S [--port N] [--json]

Starts a webhook receiver on http://127.0.0.1:N (any path) with this package's Node adapter, and
prints one line per delivery: the verified event with its delivery id, or the reason it was refused
(bad signature, invalid payload with the offending fields, unknown event, duplicate, …). It answers
as a production endpoint would. Runs until Ctrl-C.

The first line gives the address; with --port 0 the system picks a free port.

Options:
  --provider P   ${PROVIDERS.join(', ')}
  --secret S     the webhook secret (default: $INSURANCE_WEBHOOKS_SECRET)
  --port N       default 3000; 0 for any free port
  --json         one JSON object per line: { listening, port } first, then { status, provider,
                 type, deliveryId, payload } or { status, provider, error: { code, message, errors } }
  -h, --help     this help

Example:
  insurance-webhooks listen --provider kasko --secret whsec_test --port 3000
`,
  options: { provider: { type: 'string' }, secret: { type: 'string' }, port: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, io: CliIo) {
    const provider = providerOption('listen', values).name;
    const secret = secretOption('listen', values, io);
    const port = parsePort(values.port);
    const json = values.json === true;
    const outcomes = new AsyncLocalStorage<Outcome>();
    const webhooks = createWebhooks({ providers: { [provider]: { secret } } })
      .onAny(provider, (event) => void (outcomes.getStore()!.event = event as WebhookEvent))
      .onUnknown((error) => void (outcomes.getStore()!.refused = error))
      .onError((error) => {
        const outcome = outcomes.getStore();
        if (!outcome) return;
        if (error instanceof WebhookError) outcome.refused = error;
        // The adapter's own 4xx refusals (404, 405, 413) are described by their status below.
        else if (!((error as { status?: unknown })?.status as number < 500)) outcome.failure = error;
      });
    const handler = nodeHandler(webhooks, provider);
    const server = http.createServer((req, res) => {
      const outcome: Outcome = {};
      res.once('finish', () => {
        const line = describeRequest(res.statusCode, provider, req, outcome);
        io.stdout(json ? `${JSON.stringify(line)}\n` : `${formatLine(line)}\n`);
      });
      void outcomes.run(outcome, () => handler(req, res));
    });
    let address: AddressInfo;
    try {
      address = await startServer(server, port);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.stderr(`listen: cannot listen on ${HOST}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use (try --port 0)' : (error as Error).message}\n`);
      return EXIT.failure;
    }
    const origin = `http://${HOST}:${address.port}`;
    io.stdout(json ? `${JSON.stringify({ listening: origin, port: address.port, provider })}\n` : `listening on ${origin} for ${provider} webhooks (any path); Ctrl-C to stop\n`);
    await io.waitForStop();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return EXIT.ok;
  },
};
