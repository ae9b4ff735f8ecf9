// npm run demo — the whole chain on one machine: a real receiver (Node adapter) on a loopback
// port, every example of every provider signed as the provider signs it and sent over HTTP, plus
// the deliveries a receiver must refuse. Prints a table; exits 0 only if every outcome is expected.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { block, createWebhooks, examples, providers, type Provider } from '../src/index.js';
import { buildDelivery } from '../src/testing/delivery.js';
import { nodeHandler } from '../src/adapters/node.js';

const secret = `whsec_demo_${Math.random().toString(36).slice(2)}`;
const handled: string[] = [];
/** Authentic deliveries whose payload failed its schema: kept, as a dead-letter table would. */
const kept: string[] = [];

const webhooks = createWebhooks({
  providers: Object.fromEntries(Object.keys(providers).map((provider) => [provider, { secret }])),
  logger: false, // the table below shows every outcome
}).onInvalid((delivery) => void kept.push(`${delivery.provider} ${delivery.type}`));
for (const provider of Object.keys(providers) as Provider[]) webhooks.onAny(provider, (event) => void handled.push(`${provider} ${event.type}`));
webhooks.on('insurup', 'proposal_premium.purchasing', (event) => {
  handled.push(`insurup ${event.type}`);
  return event.payload.installmentNumber > 6 ? block('at most 6 instalments') : undefined;
});

const server = http.createServer(nodeHandler(webhooks, (req) => req.url?.match(/^\/webhooks\/(\w+)/)?.[1] as Provider | undefined));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

interface Row {
  provider: string;
  event: string;
  case: string;
  status: number;
  outcome: string;
  ok: boolean;
}
const rows: Row[] = [];

interface Case {
  provider: Provider;
  type: string;
  label: string;
  payload?: unknown;
  expect: number;
  /** Change the delivery after signing (tampering), or sign it differently. */
  tamper?: (body: string) => string;
  timestamp?: number;
  repeat?: boolean;
  expectHandled?: boolean;
}

async function send(c: Case, body: string, headers: Record<string, string>, path: string) {
  const response = await fetch(origin + path, { method: 'POST', headers, body: c.tamper ? c.tamper(body) : body });
  const answer = (await response.json()) as Record<string, unknown>;
  return { status: response.status, answer, replay: response.headers.get('x-idempotent-replay') === 'true' };
}

async function run(c: Case): Promise<void> {
  // The documented example with fresh ids (a new event each time), or the case's own payload as given.
  const { url: path, body, headers } = await buildDelivery(c.provider, c.type, { secret, payload: c.payload, timestamp: c.timestamp });
  const before = handled.length;
  let result = await send(c, body, headers, path);
  if (c.repeat) result = await send(c, body, headers, path);
  const ran = handled.length - before;
  const outcome =
    result.replay ? `duplicate acknowledged, handler ran ${ran}×` :
    result.status === 200 && 'allow' in result.answer ? 'allowed' :
    result.status < 300 && result.answer.valid === false ? 'kept by onInvalid (not handled)' :
    result.status < 300 ? (ran ? 'handled' : `acknowledged (${String(result.answer.handled === false ? 'unknown event' : 'no handler')})`) :
    String(result.answer.reason ?? result.answer.error);
  const ok = result.status === c.expect && (c.expectHandled === undefined || (ran > 0) === c.expectHandled) && (!c.repeat || ran === 1);
  rows.push({ provider: c.provider, event: c.type, case: c.label, status: result.status, outcome, ok });
}

const cases: Case[] = [];
for (const [provider, events] of Object.entries(examples) as [Provider, Record<string, unknown>][]) {
  for (const type of Object.keys(events)) {
    const origin = (providers[provider].events as Record<string, { example: string }>)[type]!.example;
    cases.push({ provider, type, label: `${origin} example`, expect: 200, expectHandled: true });
  }
}
const purchasing = examples.insurup['proposal_premium.purchasing'];
cases.push(
  { provider: 'insurup', type: 'proposal_premium.purchasing', label: 'sync: blocked', payload: { ...purchasing, installmentNumber: 9 }, expect: 422 },
  { provider: 'kasko', type: 'policy.created', label: 'tampered body', tamper: (b) => b.replace('1999', '1'), expect: 401, expectHandled: false },
  // A body of its own: the documented one was delivered above, and the signed body is the key.
  { provider: 'kasko', type: 'policy.updated', label: 'replayed (sent twice)', payload: { ...examples.kasko['policy.updated'], policy_id: 'DEMO-REPLAY-1' }, repeat: true, expect: 200 },
  { provider: 'axitech', type: 'session.submitted', label: 'replayed 10 min later', timestamp: Date.now() - 600_000, expect: 401, expectHandled: false },
  { provider: 'coverkit', type: 'policy.reinstated', label: 'unknown event', payload: { id: 'evt_demo_unknown', type: 'policy.reinstated', createdAt: '2024-12-20T12:00:00Z', data: {} }, expect: 202, expectHandled: false },
  { provider: 'insurup', type: 'proposal_premium.purchased', label: 'invalid payload', payload: { proposalId: 42 }, expect: 202, expectHandled: false },
);
for (const c of cases) await run(c);
server.close();

const columns: (keyof Row)[] = ['provider', 'event', 'case', 'status', 'outcome'];
const width = (key: keyof Row) => Math.max(key.length, ...rows.map((row) => String(row[key]).length));
const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padEnd(width(columns[i]!))).join('  ')}`;
console.log(`\ninsurance-webhooks demo — receiver at ${origin} (Node adapter)\n`);
console.log(`${line(columns.map(String))}  result`);
for (const row of rows) console.log(`${line(columns.map((key) => String(row[key])))}  ${row.ok ? 'ok' : 'UNEXPECTED'}`);
const failed = rows.filter((row) => !row.ok).length;
console.log(`\n${rows.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
