// Genuine signed deliveries for tests, built with sign() (whose output test/known-answer.test.ts
// checks against the providers' own sample code).
import { examples, sign, type Provider } from '../../src/index.js';

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

export async function delivery(provider: Provider, type: string, payload: unknown = (examples[provider] as Record<string, unknown>)[type], secret = SECRET): Promise<Delivery> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = await sign(provider, { type, body, url: URL_PATH, timestamp: NOW }, secret);
  return { provider, type, body, headers, method: 'POST', url: URL_PATH };
}

/** Options that match `delivery()`: same secret, clock at the signing time. */
export const options = { secret: SECRET, now: NOW };

/** The signature header name of each provider. */
export const SIGNATURE_HEADER: Record<Provider, string> = {
  kasko: 'x-kasko-signature',
  insurup: 'x-webhook-signature',
  axitech: 'x-aw-signature',
  coverkit: 'coverkit-signature',
};
