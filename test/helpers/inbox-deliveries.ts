// Seeds an inbox store with genuine signed deliveries (createDelivery), captured as the router
// captures them (body and headers as received, re-validated with this build's schemas), and moves
// them to the states a test needs as a worker would (claim, complete or fail).
import { providers } from '../../src/index.js';
import { createDelivery } from '../../src/testing/index.js';
import { revalidate } from '../../src/inbox/replay.js';
import type { InboxStore } from '../../src/inbox/types.js';
import type { Provider } from '../../src/core/event.js';

export const INBOX_SECRET = 'whsec_inbox_viewer_tests';
export const PROVIDER_NAMES = Object.keys(providers).sort() as Provider[];

/** The signature header of `provider`, from the registry. */
export const signatureHeader = (provider: Provider) => providers[provider].transport.signature.header.toLowerCase();

export interface Seeded {
  id: string;
  /** The signature value it was sent with, to prove no viewer shows it. */
  signature: string;
}

/** Captures one signed delivery of `provider`/`type`, `overrides` deep-merged into the example. */
export async function captureSigned(store: InboxStore, provider: Provider, type: string, overrides?: unknown): Promise<Seeded> {
  const delivery = await createDelivery(provider, type as never, { secret: INBOX_SECRET, ...(overrides !== undefined && { overrides: overrides as never }) });
  const record = { provider, headers: delivery.headers, body: new TextEncoder().encode(delivery.body), method: delivery.method, url: delivery.url };
  const { revalidation } = revalidate(record);
  const { id } = await store.capture({
    ...record,
    ...(revalidation.eventType !== null && { eventType: revalidation.eventType }),
    ...(revalidation.deliveryId !== null && { deliveryId: revalidation.deliveryId }),
    validation: revalidation.validation,
    state: revalidation.state,
  });
  return { id, signature: delivery.headers[signatureHeader(provider)]! };
}

/**
 * Claims the one due delivery (it must be `id`) and ends it as a worker would: `handled`, `dead`
 * with `error`, or left `processing` (a claim held for `leaseMs`).
 */
export async function settle(store: InboxStore, id: string, outcome: 'handled' | 'dead' | 'processing', error = 'ECONNREFUSED 10.0.0.7:5432 (policy admin system down)') {
  const [claimed] = await store.claim('test-worker', 1, 10 * 60_000);
  if (claimed?.id !== id) throw new Error(`claimed ${claimed?.id}, expected ${id}`);
  if (outcome === 'handled') await store.complete(claimed.id, claimed.claimToken);
  else if (outcome === 'dead') await store.fail(claimed.id, claimed.claimToken, error, 'dead');
}

/** The first event type of each provider (sorted), one per provider. */
export const firstType = (provider: Provider) => Object.keys(providers[provider].events).sort()[0]!;
