// What a generated test delivery looks like with fresh identity (the default of createDelivery and
// of the CLI's sign/send): the documented example, exact, except for the fields the receiver's
// default idempotency key reads, which are new on every call and are checked by their shape.
import { expect } from 'vitest';
import { examples, type Provider } from '../../src/index.js';

/** `YYYY-MM-DDTHH:mm:ssZ`, whole seconds: CoverKit's `createdAt`, Axitech's documented `created_at`. */
export const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** CoverKit envelope ids as the package makes them: `evt_` + 24 hex digits. */
export const COVERKIT_EVENT_ID = /^evt_[0-9a-f]{24}$/;
/** Axitech sessionIds shaped like the docs' `52nmBydtBQpGYjXGWXu3`. */
export const AXITECH_SESSION_ID = /^[A-Za-z0-9]{20}$/;
/** KASKO object ids: `lpol_` + 28 letters and digits (33 characters, as the docs describe them). */
export const KASKO_OBJECT_ID = /^lpol_[A-Za-z0-9]{28}$/;
/** InsurUp proposal ids shaped like the docs' `673afd15f11de64fe1f2bjdb`. */
export const INSURUP_PROPOSAL_ID = /^[a-z0-9]{24}$/;

/**
 * The documented example of an event as a fresh delivery carries it: for `toEqual`. `createdAt`,
 * when given, is the exact creation time expected (e.g. under a frozen clock).
 *
 * @example
 * expect(JSON.parse(d.body)).toEqual(freshExample('coverkit', 'claim.paid', '2026-01-02T03:04:05Z'));
 */
export function freshExample(provider: Provider, type: string, createdAt?: string): unknown {
  const example = (examples[provider] as unknown as Record<string, Record<string, unknown>>)[type]!;
  const created = createdAt ?? expect.stringMatching(UTC_SECONDS);
  if (provider === 'coverkit') return { ...example, id: expect.stringMatching(COVERKIT_EVENT_ID), createdAt: created };
  if (provider === 'axitech') {
    return { ...example, created_at: created, data: { ...(example.data as object), sessionId: expect.stringMatching(AXITECH_SESSION_ID) } };
  }
  // KASKO, InsurUp: the delivery header is not signed, so the key is the body's digest: a new object id.
  if (provider === 'kasko') return { ...example, id: expect.stringMatching(KASKO_OBJECT_ID) };
  return { ...example, proposalId: expect.stringMatching(INSURUP_PROPOSAL_ID) };
}

