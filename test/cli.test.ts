// The insurance-webhooks CLI, in-process (runCli with a memory writer) and as a real subprocess
// (node --import tsx src/cli/index.ts), against receivers on 127.0.0.1.
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWebhooks, defaultIdempotencyKey, examples, providers, receive, sign, type Provider, type WebhookEvent } from '../src/index.js';
import { nodeHandler } from '../src/adapters/node.js';
import { runCli } from '../src/cli/run.js';
import { memoryIo } from '../src/cli/io.js';
import { shellQuote } from '../src/cli/commands/sign.js';
import { createDelivery } from '../src/testing/index.js';
import { everyProvider } from './helpers/deliveries.js';
import { COVERKIT_EVENT_ID, freshExample } from './helpers/identity.js';
import { buildPackageLayout } from './helpers/package-layout.js';
import { missing, SYSTEM_PROGRAMS } from './helpers/system.js';

const repo = new URL('..', import.meta.url).pathname;
const secret = 'whsec_cli_tests';
const work = mkdtempSync(join(tmpdir(), 'iw-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes a file into the scratch directory and returns its path. */
function file(name: string, content: string | object): string {
  const path = join(work, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The CLI in-process. */
async function cli(args: string[], overrides: Parameters<typeof memoryIo>[0] = {}) {
  const io = memoryIo(overrides);
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** The CLI as a real process. */
function subprocess(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      { cwd: repo, encoding: 'utf8', timeout: 15_000, env: { ...process.env, ...options.env } },
      (error, out, err) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, out, err });
      },
    );
    child.stdin!.end(options.input ?? '');
  });
}

/** "name: value" lines back into headers. */
const headersOf = (text: string) =>
  Object.fromEntries(text.trim().split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
/** `sign` output without --body: the headers, a blank line, the body that was signed. */
function signedOutput(out: string) {
  const [headers, body, ...rest] = out.split('\n\n');
  expect(rest).toEqual([]);
  expect(body!.endsWith('\n')).toBe(true);
  return { headers: headersOf(headers!), body: body!.slice(0, -1) };
}

/** A receiver for `send` and curl: records verified events, answers as the library does. */
async function startReceiver() {
  const seen: WebhookEvent[] = [];
  const webhooks = createWebhooks({ providers: everyProvider({ secret }) });
  for (const provider of Object.keys(providers) as Provider[]) webhooks.onAny(provider, (event) => void seen.push(event));
  const server = http.createServer(nodeHandler(webhooks, (req) => req.url?.match(/^\/webhooks\/(\w+)/)?.[1] as Provider | undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('help and usage errors', () => {
  it('prints the global help with every command, and exits 2 without a command', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['events', 'validate', 'sign', 'send', 'listen', 'drift']) expect(help.out).toMatch(new RegExp(`^  ${command} `, 'm'));
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: insurance-webhooks <command>');
  });

  it('prints each command help with --help, -h and help <command>', async () => {
    for (const command of ['events', 'validate', 'sign', 'send', 'listen', 'drift']) {
      const long = await cli([command, '--help']);
      expect(long.code).toBe(0);
      expect(long.out).toMatch(new RegExp(`^Usage: insurance-webhooks ${command}`));
      expect((await cli([command, '-h'])).out).toBe(long.out);
      expect((await cli(['help', command])).out).toBe(long.out);
    }
  });

  it('names the unknown command or option and points to the help', async () => {
    const command = await cli(['verify']);
    expect(command.code).toBe(2);
    expect(command.err).toContain('unknown command "verify"; commands: events, validate, sign, send, listen, drift');
    const option = await cli(['events', '--porvider', 'kasko']);
    expect(option.code).toBe(2);
    expect(option.err).toContain("insurance-webhooks events: Unknown option '--porvider'");
    expect(option.err).toContain('Run "insurance-webhooks events --help" for usage.');
    expect((await cli(['events', 'extra'])).err).toContain('unexpected argument "extra"');
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });
});

describe('events', () => {
  it('prints one row per catalog event: provider, event, documented or inferred, sync or async', async () => {
    const { code, out } = await cli(['events']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^provider +event +documented +delivery$/);
    const rows = lines.slice(1).map((line) => line.split(/ +/));
    const expected = Object.values(providers).flatMap((p) =>
      Object.values(p.events).map((e) => [p.name, e.type, e.inferred === undefined ? 'documented' : 'inferred', e.delivery]),
    );
    expect(rows.sort()).toEqual(expected.sort());
    expect(rows).toContainEqual(['insurup', 'proposal_premium.purchasing', 'documented', 'sync']);
    expect(rows).toContainEqual(['kasko', 'offer.created', 'inferred', 'async']);
  });

  it('--json gives the catalog data; --provider filters; an unknown provider lists the known ones', async () => {
    const json = JSON.parse((await cli(['events', '--json', '--provider', 'coverkit'])).out) as Record<string, unknown>[];
    expect(json).toHaveLength(10);
    expect(json.find((row) => row.event === 'policy.created')).toEqual({
      provider: 'coverkit',
      event: 'policy.created',
      documented: 'documented',
      delivery: 'async',
      example: 'documented',
      source: providers.coverkit.events['policy.created'].source,
    });
    expect(json.find((row) => row.event === 'claim.paid')).toMatchObject({ documented: 'inferred', example: 'constructed', inferred: expect.any(String) });
    const unknown = await cli(['events', '--provider', 'acme']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(`unknown provider "acme"; known: ${Object.keys(providers).join(', ')}`);
  });
});

describe('validate', () => {
  const example = examples.kasko['policy.created'];

  it('exits 0 for a conforming payload and 1 with every offending path otherwise', async () => {
    const ok = await cli(['validate', file('ok.json', example), '--provider', 'kasko', '--event', 'policy.created', '--strict']);
    expect(ok).toMatchObject({ code: 0, out: `${join(work, 'ok.json')}: valid kasko policy.created (strict)\n` });

    const path = file('bad.json', { ...example, gross_premium: '19.99', unexpected: 1, email: undefined });
    const lax = await cli(['validate', path, '--provider', 'kasko', '--event', 'policy.created']);
    expect(lax.code).toBe(1);
    expect(lax.out).toBe(`${path}: invalid kasko policy.created\n  /email: is required\n  /gross_premium: must be number\n`);
    const strict = await cli(['validate', path, '--provider', 'kasko', '--event', 'policy.created', '--strict', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out)).toEqual({
      ok: false,
      provider: 'kasko',
      event: 'policy.created',
      strict: true,
      errors: [
        { path: '/email', message: 'is required' },
        { path: '/unexpected', message: 'is not described by the schema (strict mode)' },
        { path: '/gross_premium', message: 'must be number' },
      ],
    });
  });

  it('reads standard input with -, and takes the event from the body where the provider puts it there', async () => {
    const input = JSON.stringify({ ...examples.coverkit['claim.denied'], data: { id: 7 } });
    const result = await cli(['validate', '-', '--provider', 'coverkit'], { stdin: input });
    expect(result).toMatchObject({ code: 1, out: 'stdin: invalid coverkit claim.denied\n  /data/id: must be string\n' });
    const kasko = await cli(['validate', '-', '--provider', 'kasko'], { stdin: '{}' });
    expect(kasko.code).toBe(2);
    expect(kasko.err).toContain('--event is required (KASKO names the event in the x-kasko-event header)');
  });

  it('exits 1 for a body that is not JSON, 2 for a file it cannot read or names it does not know', async () => {
    const notJson = await cli(['validate', file('x.json', '{"a":'), '--provider', 'kasko', '--event', 'policy.created']);
    expect(notJson.code).toBe(1);
    expect(notJson.out).toMatch(/x\.json: not JSON: /);
    const missing = await cli(['validate', join(work, 'absent.json'), '--provider', 'kasko', '--event', 'policy.created']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`cannot read ${join(work, 'absent.json')}: no such file`);
    const event = await cli(['validate', 'ok.json', '--provider', 'insurup', '--event', 'purchased']);
    expect(event.code).toBe(2);
    expect(event.err).toContain('unknown insurup event "purchased"; known: proposal_premium.purchase_failed, proposal_premium.purchased');
    expect((await cli(['validate', '--provider', 'kasko'])).err).toContain('which payload?');
    expect((await cli(['validate', 'a.json'])).err).toContain('validate: --provider is required');
  });
});

describe('sign', () => {
  it('prints the headers the provider sends, then the body; receive() accepts them', async () => {
    const { code, out } = await cli(['sign', '--provider', 'kasko', '--event', 'policy.created', '--secret', secret]);
    expect(code).toBe(0);
    const { headers, body } = signedOutput(out);
    expect(Object.keys(headers)).toEqual(['content-type', 'x-kasko-event', 'x-kasko-delivery', 'x-kasko-signature']);
    expect(JSON.parse(body)).toEqual(freshExample('kasko', 'policy.created')); // a new object id: the key is the signed body
    const event = await receive('kasko', { body, headers }, { secret });
    expect(event.type).toBe('policy.created');
  });

  it('signs fresh ids by default and the documented ones with --keep-ids', async () => {
    const args = ['sign', '--provider', 'coverkit', '--event', 'claim.paid', '--secret', secret];
    const [one, two] = [signedOutput((await cli(args)).out), signedOutput((await cli(args)).out)];
    for (const { headers, body } of [one, two]) {
      expect(JSON.parse(body)).toEqual(freshExample('coverkit', 'claim.paid'));
      await expect(receive('coverkit', { body, headers }, { secret })).resolves.toMatchObject({ type: 'claim.paid', deliveryId: JSON.parse(body).id });
    }
    expect(JSON.parse(two.body).id).not.toBe(JSON.parse(one.body).id);

    const kept = signedOutput((await cli([...args, '--keep-ids'])).out);
    expect(kept.body).toBe(JSON.stringify(examples.coverkit['claim.paid']));
    const kasko = (await cli(['sign', '--provider', 'kasko', '--event', 'policy.created', '--secret', secret, '--keep-ids'])).out;
    expect(signedOutput(kasko).headers['x-kasko-delivery']).toBe('baf59150f9a60c1c0e6a700e6f531676'); // kasko-webhooks.md, "Headers"
    // A --body file is never changed; --keep-ids then pins the delivery id header only.
    const own = await cli(['sign', '--provider', 'insurup', '--event', 'proposal_premium.purchasing', '--secret', secret, '--body', file('own.json', '{}'), '--keep-ids', '--json']);
    expect(JSON.parse(own.out)).toMatchObject({ body: '{}', headers: { 'x-webhook-delivery': 'a5161419-d3b7-80be-ad4e-198f05e4f334' } });
  });

  it('signs the exact bytes of --body, takes the secret from the environment, and --json has it all', async () => {
    const body = '{ "proposalId": "p1", "productId": 1, "installmentNumber": 2, "paymentType": "Kredi Kartı" }\n';
    const { code, out } = await cli(['sign', '--provider', 'insurup', '--event', 'proposal_premium.purchasing', '--body', file('body.json', body), '--json'], {
      env: { INSURANCE_WEBHOOKS_SECRET: secret },
    });
    expect(code).toBe(0);
    const signed = JSON.parse(out) as { method: string; url: string; headers: Record<string, string>; body: string };
    expect(signed).toMatchObject({ method: 'POST', url: '/webhooks/insurup', body });
    await expect(receive('insurup', { body, headers: signed.headers }, { secret })).resolves.toMatchObject({ type: 'proposal_premium.purchasing' });
    const noSecret = await cli(['sign', '--provider', 'insurup', '--event', 'proposal_premium.purchasing']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toContain('--secret is required (or set INSURANCE_WEBHOOKS_SECRET)');
  });

  it('--curl prints a command that delivers (Axitech: the URL path is signed)', async (context) => {
    if (missing(context, SYSTEM_PROGRAMS.curl)) return;
    const receiver = await startReceiver();
    try {
      for (const [provider, type] of [['axitech', 'session.submitted'], ['coverkit', 'policy.created']] as const) {
        const url = `${receiver.origin}/webhooks/${provider}?from=curl`;
        const { code, out } = await cli(['sign', '--provider', provider, '--event', type, '--secret', secret, '--curl', url]);
        expect(code).toBe(0);
        expect(out).toMatch(new RegExp(`^curl -sS -X POST '${url.replace(/[?.]/g, '\\$&')}' \\\\\n`));
        const answer = await new Promise<string>((resolve, reject) =>
          execFile('sh', ['-c', out], { timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
        );
        expect(JSON.parse(answer)).toMatchObject({ received: true, type });
        expect(receiver.seen.at(-1)?.payload).toEqual(freshExample(provider, type));
      }
      // A body file goes by reference, so curl sends its exact bytes.
      const body = file("it's.json", JSON.stringify(examples.kasko['offer.created'], null, 2));
      const { out } = await cli(['sign', '--provider', 'kasko', '--event', 'offer.created', '--secret', secret, '--body', body, '--curl', `${receiver.origin}/webhooks/kasko`]);
      expect(out).toContain(`--data-binary ${shellQuote(`@${body}`)}`);
      const answer = await new Promise<string>((resolve, reject) => execFile('sh', ['-c', out], (error, stdout) => (error ? reject(error) : resolve(stdout))));
      expect(JSON.parse(answer)).toMatchObject({ received: true, type: 'offer.created' });
    } finally {
      await receiver.close();
    }
  });

  it('refuses a --curl that is not an http URL and an unknown event', async () => {
    expect((await cli(['sign', '--provider', 'kasko', '--event', 'policy.created', '--secret', 's', '--curl', 'localhost:3000'])).err).toContain(
      'sign: --curl must be an absolute http(s) URL, e.g. http://127.0.0.1:3000/webhooks/kasko (got "localhost:3000")',
    );
    expect((await cli(['send', '--provider', 'kasko', '--event', 'policy.created', '--secret', 's', '--url', '/webhooks/kasko'])).err).toContain(
      'send: --url must be an absolute http(s) URL',
    );
    const unknown = await cli(['sign', '--provider', 'kasko', '--event', 'policy.deleted', '--secret', 's']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown kasko event "policy.deleted"; known: offer.created, policy.cancelled, policy.created, policy.updated');
  });
});

describe('send', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it('POSTs a genuine delivery and prints the status and body; exit 0 for 2xx', async () => {
    const { code, out } = await cli(['send', '--provider', 'axitech', '--event', 'session.submitted', '--url', `${receiver.origin}/webhooks/axitech?t=1`, '--secret', secret]);
    expect(code).toBe(0);
    expect(out).toBe('HTTP 200 OK\n{"received":true,"type":"session.submitted"}\n');
    expect(receiver.seen.at(-1)).toMatchObject({ provider: 'axitech', payload: freshExample('axitech', 'session.submitted') });
  });

  it('exits 1 for a non-2xx answer (--json shows it) and when nothing listens', async () => {
    const refused = await cli(['send', '--provider', 'kasko', '--event', 'policy.created', '--url', `${receiver.origin}/webhooks/kasko`, '--secret', 'wrong', '--json']);
    expect(refused.code).toBe(1);
    const answer = JSON.parse(refused.out) as { status: number; ok: boolean; headers: Record<string, string>; body: string };
    expect(answer).toMatchObject({ status: 401, ok: false, replay: false });
    expect(answer.headers['content-type']).toContain('application/json');
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'signature_invalid' });

    const invalid = await cli(['send', '--provider', 'kasko', '--event', 'policy.created', '--url', `${receiver.origin}/webhooks/kasko`, '--secret', secret, '--body', file('invalid.json', { id: 1 })]);
    expect(invalid.code).toBe(1);
    expect(invalid.out).toMatch(/^HTTP 500 Internal Server Error\n\{"error":"payload_invalid"/);

    const port = await closedPort();
    const down = await cli(['send', '--provider', 'kasko', '--event', 'policy.created', '--url', `http://127.0.0.1:${port}/x`, '--secret', secret]);
    expect(down.code).toBe(1);
    expect(down.err).toBe(`send: could not deliver to http://127.0.0.1:${port}/x: ECONNREFUSED\n`);
    const downJson = await cli(['send', '--provider', 'kasko', '--event', 'policy.created', '--url', `http://127.0.0.1:${port}/x`, '--secret', secret, '--json']);
    expect([downJson.code, JSON.parse(downJson.out)]).toEqual([1, { status: null, ok: false, replay: false, error: 'could not deliver: ECONNREFUSED' }]);
    expect((await cli(['send', '--provider', 'kasko', '--event', 'policy.created', '--secret', secret])).err).toContain('send: --url is required');
  });
});

describe('send, twice: a new event each time, or a replay with --keep-ids (every event of every provider)', () => {
  const events = (Object.keys(providers) as Provider[]).flatMap((provider) => Object.keys(providers[provider].events).map((type) => [provider, type] as const));
  const catalog = providers as unknown as Record<Provider, { events: Record<string, { delivery: string }> }>;
  /** The body the receiver (createWebhooks, no handler answer) sends for a handled delivery. */
  const answerTo = (event: WebhookEvent) =>
    catalog[event.provider].events[event.type]!.delivery === 'sync'
      ? '{"allow":true}'
      : JSON.stringify({ received: true, type: event.type, ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}) });
  const sendArgs = (origin: string, provider: Provider, type: string) => ['send', '--provider', provider, '--event', type, '--url', `${origin}/webhooks/${provider}`, '--secret', secret];
  afterEach(() => void vi.useRealTimers());

  it('without --keep-ids the receiver handles both: two events, two idempotency keys, no replay', async () => {
    // A clock that does not move: every send is in the same second, as Axitech's created_at sees it.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 2, 3, 4, 5) });
    const receiver = await startReceiver();
    try {
      for (const [provider, type] of events) {
        const before = receiver.seen.length;
        const first = await cli(sendArgs(receiver.origin, provider, type));
        const second = await cli([...sendArgs(receiver.origin, provider, type), '--json']);
        const handled = receiver.seen.slice(before);
        expect(handled.map((event) => `${event.provider} ${event.type}`)).toEqual([`${provider} ${type}`, `${provider} ${type}`]);
        expect(defaultIdempotencyKey(handled[1]!)).not.toBe(defaultIdempotencyKey(handled[0]!));
        expect(first).toEqual({ code: 0, out: `HTTP 200 OK\n${answerTo(handled[0]!)}\n`, err: '' });
        expect(second.code).toBe(0);
        const answer = JSON.parse(second.out) as { headers: Record<string, string> };
        expect(answer).toMatchObject({ status: 200, ok: true, replay: false, body: answerTo(handled[1]!) });
        expect(answer.headers['x-idempotent-replay']).toBeUndefined();
      }
      expect(receiver.seen.length).toBe(2 * events.length);
    } finally {
      await receiver.close();
    }
  });

  it('with --keep-ids the second send is the same delivery: handled once, then reported as a replay', async () => {
    const receiver = await startReceiver();
    try {
      for (const [provider, type] of events) {
        const args = [...sendArgs(receiver.origin, provider, type), '--keep-ids'];
        const before = receiver.seen.length;
        const first = await cli(args);
        const second = await cli(args);
        const third = await cli([...args, '--json']);
        const handled = receiver.seen.slice(before);
        expect(handled.map((event) => `${event.provider} ${event.type}`)).toEqual([`${provider} ${type}`]);
        expect(handled[0]!.payload).toEqual((examples[provider] as Record<string, unknown>)[type]);
        const body = answerTo(handled[0]!);
        expect(first).toEqual({ code: 0, out: `HTTP 200 OK\n${body}\n`, err: '' });
        expect(second).toEqual({ code: 0, out: `HTTP 200 OK (replay of an earlier delivery: not handled again)\n${body}\n`, err: '' });
        const answer = JSON.parse(third.out) as { headers: Record<string, string> };
        expect(answer).toMatchObject({ status: 200, ok: true, replay: true, body });
        expect(answer.headers['x-idempotent-replay']).toBe('true');
      }
      expect(receiver.seen.length).toBe(events.length); // pinned deliveries of different events are not duplicates
    } finally {
      await receiver.close();
    }
  });
});

describe('listen (in-process)', () => {
  it('prints the bound port, then one line per delivery: verified, refused with the paths, duplicate', async () => {
    const stop = new AbortController();
    const io = memoryIo({ signal: stop.signal });
    const running = runCli(['listen', '--provider', 'kasko', '--secret', secret, '--port', '0'], io);
    await expect.poll(() => io.out(), { timeout: 5000 }).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+ /);
    const origin = io.out().match(/http:\/\/127\.0\.0\.1:\d+/)![0];
    const post = async (d: Awaited<ReturnType<typeof createDelivery>>) => (await fetch(new URL(d.url, origin), d)).status;

    const good = await createDelivery('kasko', 'policy.created', { secret, deliveryId: 'f'.repeat(32) });
    expect(await post(good)).toBe(200);
    expect(await post(good)).toBe(200); // the provider's retry
    expect(await post(await createDelivery('kasko', 'policy.created', { secret, overrides: { livemode: 'no' as never } }))).toBe(500);
    expect(await post(await createDelivery('kasko', 'policy.created', { secret: 'wrong' }))).toBe(401);
    const body = '{}';
    expect((await fetch(`${origin}/hooks`, { method: 'POST', body, headers: await sign('kasko', { type: 'policy.deleted', body }, secret) })).status).toBe(202);
    expect((await fetch(`${origin}/`)).status).toBe(405);
    await expect.poll(() => io.out().split('\n').length, { timeout: 5000 }).toBe(8);
    const lines = io.out().trim().split('\n').slice(1);
    expect(lines[0]).toBe(`200 kasko policy.created delivery=${'f'.repeat(32)}`);
    expect(lines[1]).toBe('200 kasko duplicate delivery: answered as the first time, not handled again');
    expect(lines[2]).toBe('500 kasko refused payload_invalid: /livemode: must be boolean');
    expect(lines[3]).toMatch(/^401 kasko refused signature_invalid: /);
    expect(lines[4]).toBe('202 kasko unknown event "policy.deleted": acknowledged, not handled');
    expect(lines[5]).toBe('405 kasko GET / method not allowed (webhooks are POSTed)');

    stop.abort();
    expect(await running).toBe(0);
    await expect(fetch(origin)).rejects.toThrow(); // the server is closed
  });

  it('--json prints one object per line, and a port in use exits 1', async () => {
    const stop = new AbortController();
    const io = memoryIo({ signal: stop.signal });
    const running = runCli(['listen', '--provider', 'coverkit', '--secret', secret, '--port', '0', '--json'], io);
    await expect.poll(() => io.out(), { timeout: 5000 }).toContain('"listening"');
    const { listening, port } = JSON.parse(io.out().split('\n')[0]!) as { listening: string; port: number };
    const d = await createDelivery('coverkit', 'claim.paid', { secret });
    expect((await fetch(new URL(d.url, listening), d)).status).toBe(200);
    await expect.poll(() => io.out().split('\n').length, { timeout: 5000 }).toBe(3);
    const payload = JSON.parse(d.body) as { id: string };
    expect(payload.id).toMatch(COVERKIT_EVENT_ID);
    expect(JSON.parse(io.out().split('\n')[1]!)).toEqual({
      status: 200,
      provider: 'coverkit',
      method: 'POST',
      url: '/webhooks/coverkit',
      type: 'claim.paid',
      deliveryId: payload.id,
      payload,
    });

    const busy = await cli(['listen', '--provider', 'coverkit', '--secret', secret, '--port', String(port)]);
    expect(busy.code).toBe(1);
    expect(busy.err).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    stop.abort();
    expect(await running).toBe(0);
    expect((await cli(['listen', '--provider', 'kasko', '--secret', 's', '--port', 'http'])).err).toContain('--port must be a number from 0 to 65535');
  });
});

describe('drift', () => {
  const fakeDrift = (clean: boolean, calls: unknown[]) => async () => ({
    runDrift: async (options?: { docsDir?: string }) => {
      calls.push(options);
      return { clean, changes: clean ? 0 : 2 };
    },
    formatDriftReport: (report: { clean: boolean }) => (report.clean ? 'drift: none' : 'drift: 2 changes'),
  });

  it('delegates to runDrift with --docs and --schemas (absolute), prints the formatted report, exits 1 when not clean', async () => {
    const calls: unknown[] = [];
    const dirty = await cli(['drift', '--docs', 'captured', '--schemas', 'edited'], { loadDrift: fakeDrift(false, calls), cwd: work });
    expect(dirty).toEqual({ code: 1, out: 'drift: 2 changes\n', err: '' });
    expect(calls).toEqual([{ docsDir: join(work, 'captured'), schemasDir: join(work, 'edited') }]);
    const clean = await cli(['drift', '--json'], { loadDrift: fakeDrift(true, calls) });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out)).toEqual({ clean: true, changes: 0 });
    expect(calls.at(-1)).toEqual({});
  });

  it('says clearly when the drift pipeline cannot be loaded or fails', async () => {
    const missing = Object.assign(new Error("Cannot find module '/x/src/drift/index.js'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const notThere = await cli(['drift'], { loadDrift: () => Promise.reject(missing) });
    expect(notThere.code).toBe(2);
    expect(notThere.err).toContain('drift: the drift pipeline could not be loaded: Cannot find module');
    const wrongShape = await cli(['drift'], { loadDrift: async () => ({}) });
    expect(wrongShape).toMatchObject({ code: 2, err: 'drift: the drift module does not export runDrift() and formatDriftReport()\n' });
    const failing = await cli(['drift'], { loadDrift: async () => ({ runDrift: () => Promise.reject(new Error('docs dir unreadable')), formatDriftReport: String }) });
    expect(failing).toMatchObject({ code: 2, err: 'drift: docs dir unreadable\n' });
  });

  it('runs the real pipeline: the exit code agrees with the report', async () => {
    const { code, out, err } = await cli(['drift', '--json']);
    expect(err).toBe('');
    const report = JSON.parse(out) as { clean: boolean };
    expect(typeof report.clean).toBe('boolean');
    expect(code).toBe(report.clean ? 0 : 1);
  });
});

describe('as a subprocess (node --import tsx src/cli/index.ts)', () => {
  it('--help and events', async () => {
    const help = await subprocess(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: insurance-webhooks <command> [options]');
    const events = await subprocess(['events', '--provider', 'insurup']);
    expect(events.code).toBe(0);
    expect(events.out).toMatch(/^insurup +proposal_premium\.purchasing +documented +sync$/m);
  });

  it('validate: exit codes 0, 1 and 2, standard input', async () => {
    const args = ['--provider', 'insurup', '--event', 'proposal_premium.purchased'];
    expect((await subprocess(['validate', '-', ...args], { input: JSON.stringify(examples.insurup['proposal_premium.purchased']) })).code).toBe(0);
    const invalid = await subprocess(['validate', '-', ...args, '--strict'], { input: JSON.stringify({ ...examples.insurup['proposal_premium.purchased'], policyEndDate: '20/11/2025', fee: 1 }) });
    expect(invalid.code).toBe(1);
    expect(invalid.out).toContain('/fee: is not described by the schema (strict mode)');
    expect(invalid.out).toContain('/policyEndDate: must match pattern');
    const usage = await subprocess(['validate', join(work, 'nothing.json'), ...args]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('no such file');
  });

  it('sign: the headers verify the printed body', async () => {
    const { code, out } = await subprocess(['sign', '--provider', 'coverkit', '--event', 'quote.created', '--url', '/hooks'], { env: { INSURANCE_WEBHOOKS_SECRET: secret } });
    expect(code).toBe(0);
    const { headers, body } = signedOutput(out);
    const event = await receive('coverkit', { body, headers }, { secret });
    expect(event.payload).toEqual(freshExample('coverkit', 'quote.created'));
    expect(event.deliveryId).toBe((event.payload as { id: string }).id);
  });

  it('send: delivers to a server started by the test', async () => {
    const receiver = await startReceiver();
    try {
      const ok = await subprocess(['send', '--provider', 'insurup', '--event', 'proposal_premium.purchasing', '--url', `${receiver.origin}/webhooks/insurup`, '--secret', secret]);
      expect(ok).toMatchObject({ code: 0, out: 'HTTP 200 OK\n{"allow":true}\n' });
      expect(receiver.seen.at(-1)?.type).toBe('proposal_premium.purchasing');
      const refused = await subprocess(['send', '--provider', 'insurup', '--event', 'proposal_premium.purchasing', '--url', `${receiver.origin}/webhooks/insurup`, '--secret', 'wrong']);
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/^HTTP 401 Unauthorized\n/);
    } finally {
      await receiver.close();
    }
  });

  it('listen: prints the port, logs a delivery, stops on SIGTERM', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'listen', '--provider', 'axitech', '--secret', secret, '--port', '0'], { cwd: repo });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      const port = Number(out.match(/127\.0\.0\.1:(\d+)/)![1]);
      expect(port).toBeGreaterThan(0);
      const d = await createDelivery('axitech', 'session.submitted', { secret, url: '/anything?x=1' });
      expect((await fetch(`http://127.0.0.1:${port}${d.url}`, d)).status).toBe(200);
      await expect.poll(() => out, { timeout: 5000 }).toContain('200 axitech session.submitted\n');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('the bin in a built package layout (dist/src/cli/index.js next to schemas/ and package.json)', () => {
  let root = '';
  beforeAll(async () => {
    root = await buildPackageLayout('iw-cli-dist-');
  }, 20_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('starts with a shebang and runs --version, events and validate', () => {
    const { bin, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
    const entry = join(root, bin['insurance-webhooks']!);
    expect(readFileSync(entry, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const run = (...args: string[]) => execFileSync(process.execPath, [entry, ...args], { cwd: root, encoding: 'utf8', input: JSON.stringify(examples.kasko['offer.created']) });
    expect(run('--version')).toBe(`${version}\n`);
    expect(run('events', '--provider', 'axitech')).toMatch(/^axitech +session\.submitted +documented +async$/m);
    expect(run('validate', '-', '--provider', 'kasko', '--event', 'offer.created', '--strict')).toBe('stdin: valid kasko offer.created (strict)\n');
  });
});
