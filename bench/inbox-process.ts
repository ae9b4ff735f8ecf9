// One process of the inbox robustness runs (bench/inbox-robustness.ts), forked by it: a receiver
// (the Node adapter on a loopback port, `inbox.worker: false`), a worker (`webhooks.work()`), or
// both. The handler writes the run's start and end to the run's own ledger in PostgreSQL (so the
// driver can count runs, overlaps and effects), sleeps HANDLER_MS, and records its effect keyed by
// the idempotency key it is given (ON CONFLICT DO NOTHING: the idempotent handler docs/inbox.md
// describes). Configuration: INBOX_PROCESS (JSON, `ProcessConfig`). Tells the parent
// `{ ready: true, port? }` over IPC; SIGTERM stops the worker gracefully.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createWebhooks } from '../src/index.js';
import { nodeHandler } from '../src/adapters/node.js';
import { postgresInbox } from '../src/inbox/postgres.js';

export interface ProcessConfig {
  role: 'receiver' | 'worker';
  url: string;
  table: string;
  secret: string;
  workerId: string;
  handlerMs: number;
  leaseMs: number;
  concurrency: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.INBOX_PROCESS!) as ProcessConfig;
  const ledger = new pg.Pool({ connectionString: config.url, max: config.concurrency + 1 });
  const store = postgresInbox({ connectionString: config.url, table: config.table, max: config.concurrency + 2 });
  const webhooks = createWebhooks({
    providers: { kasko: { secret: config.secret } },
    logger: false,
    inbox: { store, worker: false, retry: { baseMs: 100, maxMs: 1000, maxAttempts: 20 } },
  }).on('kasko', 'policy.created', async (_event, delivery) => {
    const started = await ledger.query<{ id: number }>(`INSERT INTO ${config.table}_runs (key, worker, attempt) VALUES ($1, $2, $3) RETURNING id`, [delivery!.idempotencyKey, config.workerId, delivery!.attempt]);
    await new Promise((resolve) => setTimeout(resolve, config.handlerMs));
    await ledger.query(`INSERT INTO ${config.table}_effects (key) VALUES ($1) ON CONFLICT DO NOTHING`, [delivery!.idempotencyKey]);
    await ledger.query(`UPDATE ${config.table}_runs SET finished_at = clock_timestamp() WHERE id = $1`, [started.rows[0]!.id]);
  });
  if (config.role === 'worker') {
    const worker = webhooks.work({ concurrency: config.concurrency, leaseMs: config.leaseMs, pollMs: 50, workerId: config.workerId });
    process.on('SIGTERM', () => void worker.stop().then(() => webhooks.close()).then(() => ledger.end()).then(() => process.exit(0)));
    process.send!({ ready: true });
    return;
  }
  const server = http.createServer(nodeHandler(webhooks, 'kasko'));
  server.listen(0, '127.0.0.1', () => process.send!({ ready: true, port: (server.address() as AddressInfo).port }));
  process.on('SIGTERM', () => server.close(() => void webhooks.close().then(() => ledger.end()).then(() => process.exit(0))));
}

if (process.env.INBOX_PROCESS) await main();
