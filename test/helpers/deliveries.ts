// Genuine signed deliveries for tests, built by the package's one builder (src/testing/delivery.ts)
// over sign(), whose output test/known-answer.test.ts checks against the providers' own sample code.
import { examples, providers as catalogs, type Provider } from '../../src/index.js';
import { buildDelivery } from '../../src/testing/delivery.js';

export const SECRET = 'whsec_behaviour_tests';
export const URL_PATH = '/webhooks/in?tenant=7';
export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

export const providers = Object.keys(examples) as Provider[];
export const allExamples = providers.flatMap((provider) =>
  Object.entries(examples[provider] as Record<string, unknown>).map(([type, payload]) => ({ provider, type, payload })),
);

export interface Delivery {
  provider: Provider;
  type: string;
  body: string;
  headers: Record<string, string>;
  method: string;
  url: string;
}

/** `payload` (default: the documented example, as documented) signed for URL_PATH at NOW; `type` may be unknown. */
export async function delivery(provider: Provider, type: string, payload: unknown = (examples[provider] as Record<string, unknown>)[type], secret = SECRET): Promise<Delivery> {
  const built = await buildDelivery(provider, type, { secret, payload, url: URL_PATH, timestamp: NOW });
  return { provider, type, ...built };
}

/** Options that match `delivery()`: same secret, clock at the signing time. */
export const options = { secret: SECRET, now: NOW };

/** The signature header name of each provider (its provider.json). */
export const SIGNATURE_HEADER = Object.fromEntries(providers.map((provider) => [provider, catalogs[provider].transport.signature.header])) as Record<Provider, string>;

/** The same receive() options for every provider, as createWebhooks takes them. */
export const everyProvider = <O>(options: O) => Object.fromEntries(providers.map((provider) => [provider, options])) as Record<Provider, O>;
