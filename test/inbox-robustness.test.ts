// The inbox's robustness runs (bench/inbox-robustness.ts, docs/robustness.md "The inbox") with
// small numbers: a worker process SIGKILLed mid-handler on a real PostgreSQL, and a downstream
// outage on the embedded store. Each counts by its own ledger, not by the inbox's states alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashTest, embeddedKill, outageTest } from '../bench/inbox-robustness.js';
import { pgliteInbox } from '../src/inbox/pglite.js';
import { startPostgres, type PostgresServer } from './helpers/postgres.js';
import { available, skipFor, SYSTEM_PROGRAMS } from './helpers/system.js';

let server: PostgresServer | undefined;
beforeAll(async () => {
  if (available(SYSTEM_PROGRAMS.postgresql)) server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop());

describe('a worker killed mid-handler (PostgreSQL, separate worker processes)', () => {
  it('every captured delivery is handled, none lost, never by two workers at once', async (context) => {
    if (!server) skipFor(context, SYSTEM_PROGRAMS.postgresql);
    const result = await crashTest({ url: server!.url, deliveries: 30, handlerMs: 150, leaseMs: 1200 });
    // The kill happened while handlers ran: the interesting case, not a kill between deliveries.
    expect(result.killedInFlight).toBeGreaterThan(0);
    expect(result).toMatchObject({ deliveries: 30, handled: 30, lost: 0, overlaps: 0, effects: 30 });
    // Each run the killed worker left unfinished was run again: at least one run more than deliveries.
    expect(result.runs).toBeGreaterThanOrEqual(30 + result.killedInFlight);
  }, 180_000);
});

describe('the embedded store across a crash', () => {
  it('a receiver process SIGKILLed after its 2xx: every acknowledged delivery is in the data directory', async () => {
    const result = await embeddedKill({ deliveries: 15 });
    expect(result).toEqual({ acknowledged: 15, foundAfterKill: 15, lost: 0 });
  }, 180_000);
});

describe('a downstream outage (embedded store, over HTTP)', () => {
  it('the provider sees only 2xx; every delivery ends handled once the downstream is back', async () => {
    const result = await outageTest({ store: pgliteInbox(), name: 'embedded', deliveries: 20, outageMs: 800 });
    expect(result.statuses).toEqual({ 202: 20 });
    expect(result.failedRuns).toBeGreaterThan(0);
    expect(result.maxAttempt).toBeGreaterThan(1);
    expect(result).toMatchObject({ handled: 20, dead: 0, lost: 0 });
  }, 180_000);

  it('with too few attempts for the outage, deliveries end dead, never lost', async () => {
    const result = await outageTest({ store: pgliteInbox(), name: 'embedded, 2 attempts', deliveries: 10, outageMs: 5000, maxAttempts: 2 });
    expect(result.statuses).toEqual({ 202: 10 });
    expect(result).toMatchObject({ handled: 0, dead: 10, lost: 0, maxAttempt: 2 });
  }, 180_000);
});
