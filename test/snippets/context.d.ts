// What the documentation's fragments take from the reader's own code, declared once so that each
// snippet in the README and docs/ type-checks as written (test/docs-snippets.test.ts). Everything
// else a snippet uses it must import, as a reader would.
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import type { KaskoPolicyCreated } from 'insurance-webhooks';

declare global {
  /** The webhook secret the reader's endpoint is configured with. */
  const secret: string;
  /** The exact bytes a server read from the request. */
  const rawBody: Buffer;
  /** A structured logger (pino's shape). */
  const log: { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
  /** The reader's app under test: Express where a snippet uses supertest, Fastify where it calls inject(). */
  const app: Express & Pick<FastifyInstance, 'inject'>;
  /** The reader's own business code. */
  function savePolicy(policy: KaskoPolicyCreated): Promise<void>;
  function fraudCheck(proposalId: string): Promise<boolean>;
  function toLedgerEntry(policy: KaskoPolicyCreated): { amount: number };
  /** Payloads the reader has at hand: a stored fixture, a received body, a queued job. */
  const fixture: unknown;
  const payload: unknown;
  const job: unknown;
  /** What the reader's handler stored. */
  const savedPayload: unknown;
  /** The reader's router (createWebhooks). */
  const webhooks: import('insurance-webhooks').Webhooks;
  const body: string;
}
