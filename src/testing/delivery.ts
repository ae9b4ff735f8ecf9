// Genuine signed deliveries for contract tests: the documented example (or a given payload),
// optionally patched, signed exactly as the provider signs it, ready for any HTTP test client.
import type { EventPayload, EventType, Provider } from '../core/event.js';
import { catalogEntry } from '../core/provider-api.js';
import type { SignatureScheme } from '../core/signature.js';
import { examples, providerCatalog, sign } from '../index.js';

/**
 * A patch for a payload: every property optional, objects patched recursively, arrays replaced
 * whole. A property set to `undefined` is removed from the payload.
 */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

export interface DeliveryOptions<Payload = unknown> {
  /** The webhook secret the receiver under test is configured with (the first one signs, if several). */
  secret: string | readonly string[];
  /**
   * What to send instead of the documented example. An object is sent as `JSON.stringify(payload)`;
   * a string is sent verbatim (e.g. malformed JSON, to test the 400). Not validated: an invalid
   * payload is how a test checks that the receiver refuses it.
   */
  payload?: unknown;
  /** A deep-merge patch applied to the example (or `payload`) before signing, to change a field or two. */
  overrides?: DeepPartial<Payload>;
  /** Path and query the request goes to (Axitech signs it). Default `/webhooks/<provider>`. */
  url?: string;
  /** Default `POST` (Axitech signs it). */
  method?: string;
  /** The signed timestamp where the provider signs one (Axitech): a Date, epoch ms or the literal header value. Default now. */
  timestamp?: Date | number | string;
  /** The delivery id header where the provider sends one (KASKO, InsurUp). Default a fresh id. */
  deliveryId?: string;
  /** InsurUp `x-webhook-id`. Default a UUID. */
  webhookId?: string;
  /** Sign with another scheme than the provider's (e.g. `coverkitTimestampedScheme`), matching the receiver. */
  signature?: SignatureScheme;
}

/**
 * A signed HTTP request. Its shape fits `fetch(new URL(d.url, origin), d)`, `app.inject(d)` (Fastify,
 * light-my-request) and `request(app).post(d.url).set(d.headers).send(d.body)` (supertest).
 */
export interface Delivery {
  method: string;
  /** Path and query, relative to the server under test. */
  url: string;
  /** Lower-case header names: content-type, the event and delivery headers, the signature. */
  headers: Record<string, string>;
  /** The exact body that was signed. Send it unchanged: any re-serialisation breaks the signature. */
  body: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Sets a property without going through `__proto__`'s setter, so a patch cannot change a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * `base` with `patch` merged in: objects recursively, anything else (arrays included) replaced,
 * `undefined` removes the property. Neither argument is modified.
 *
 * @example
 * deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } }); // { a: { b: 1, c: 3 } }
 */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch);
  const merged = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete merged[key];
    else setOwn(merged, key, Object.hasOwn(merged, key) ? deepMerge(merged[key], value) : structuredClone(value));
  }
  return merged;
}

function bodyOf(provider: Provider, type: string, options: DeliveryOptions): string {
  const { payload, overrides } = options;
  if (typeof payload === 'string') {
    if (overrides !== undefined) throw new TypeError('insurance-webhooks: createDelivery() cannot apply overrides to a string payload');
    return payload;
  }
  const base = payload !== undefined ? payload : (examples[provider] as Record<string, unknown>)[type];
  return JSON.stringify(overrides === undefined ? base : deepMerge(base, overrides));
}

/**
 * A genuine delivery of one event, signed with `secret` as the provider signs it: by default the
 * documented example, POSTed to `/webhooks/<provider>`.
 *
 * @example
 * const d = await createDelivery('kasko', 'policy.created', { secret, overrides: { gross_premium: 2500 } });
 * const res = await request(app).post(d.url).set(d.headers).send(d.body); // supertest
 * expect(res.status).toBe(200);
 */
export async function createDelivery<P extends Provider, T extends EventType<P>>(
  provider: P,
  type: T,
  options: DeliveryOptions<EventPayload<P, T>>,
): Promise<Delivery> {
  catalogEntry(providerCatalog(provider), type); // a clear TypeError naming the known events
  if (!options || typeof options !== 'object') throw new TypeError('insurance-webhooks: createDelivery() needs options with a secret');
  const method = (options.method ?? 'POST').toUpperCase();
  const url = options.url ?? `/webhooks/${provider}`;
  const body = bodyOf(provider, type, options as DeliveryOptions);
  const input = { type, body, method, url, timestamp: options.timestamp, deliveryId: options.deliveryId, webhookId: options.webhookId };
  const headers = await sign(provider, input, options.secret, options.signature ? { signature: options.signature } : undefined);
  return { method, url, headers, body };
}
