// Seeds an inbox with genuine deliveries: signed by createDelivery as each provider signs, received
// by createWebhooks({ inbox }) (the router verifies, validates and captures before its 202), then
// moved to the states a test needs as a worker would (claim, then complete or fail).
import { createWebhooks, providers, type Webhooks } from '../../src/index.js';
import { createDelivery, type Delivery } from '../../src/testing/index.js';
import type { InboxStore } from '../../src/inbox/types.js';
import type { Provider } from '../../src/core/event.js';

export const INBOX_SECRET = 'whsec_inbox_viewer_tests';
export const PROVIDER_NAMES = Object.keys(providers).sort() as Provider[];

/** The signature header of `provider`, from the registry. */
export const signatureHeader = (provider: Provider) => providers[provider].transport.signature.header.toLowerCase();

/**
 * A receiver capturing into `store` for every provider, with no worker of its own (the tests settle
 * deliveries themselves, so states are predictable).
 */
export const inboxReceiver = (store: InboxStore): Webhooks =>
  createWebhooks({ providers: Object.fromEntries(PROVIDER_NAMES.map((p) => [p, { secret: INBOX_SECRET }])), logger: false, inbox: { store, worker: false } }) as Webhooks;

export interface Seeded {
  id: string;
  /** The signature value it was sent with, to prove no viewer shows it. */
  signature: string;
}

/** How a signed delivery reaches the receiver: `webhooks.handle()` by default, or real HTTP. */
export type Send = (provider: Provider, delivery: Delivery) => Promise<{ status: number; body: string }>;

/**
 * Signs one delivery of `provider`/`type` (`overrides` deep-merged into the example), sends it to
 * the receiver, and returns its inbox id from the 202.
 */
export async function captureSigned(webhooks: Webhooks, provider: Provider, type: string, overrides?: unknown, send?: Send): Promise<Seeded> {
  const delivery = await createDelivery(provider, type as never, { secret: INBOX_SECRET, ...(overrides !== undefined && { overrides: overrides as never }) });
  const response = send ? await send(provider, delivery) : await webhooks.handle(provider, delivery);
  if (response.status !== 202) throw new Error(`${provider} ${type}: answered ${response.status} ${response.body}`);
  return { id: (JSON.parse(response.body) as { inboxId: string }).inboxId, signature: delivery.headers[signatureHeader(provider)]! };
}

/**
 * Claims the one due delivery (it must be `id`) and ends it as a worker would: `handled`, `dead`
 * with `error`, or left `processing` (a claim held for 10 minutes).
 */
export async function settle(store: InboxStore, id: string, outcome: 'handled' | 'dead' | 'processing', error = 'ECONNREFUSED 10.0.0.7:5432 (policy admin system down)') {
  const [claimed] = await store.claim('test-worker', 1, 10 * 60_000);
  if (claimed?.id !== id) throw new Error(`claimed ${claimed?.id}, expected ${id}`);
  if (outcome === 'handled') await store.complete(claimed.id, claimed.claimToken);
  else if (outcome === 'dead') await store.fail(claimed.id, claimed.claimToken, error, 'dead');
}

/** The first event type of each provider (sorted), one per provider. */
export const firstType = (provider: Provider) => Object.keys(providers[provider].events).sort()[0]!;
