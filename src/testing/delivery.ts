// Genuine signed deliveries for contract tests: the documented example (or a given payload),
// optionally patched, signed exactly as the provider signs it, ready for any HTTP test client.
// The package's one builder of test deliveries: the CLI (sign, send), the demo and its own tests
// use it too (buildDelivery), so a provider module's identity rules apply everywhere alike.
import type { EventPayload, EventType, Provider } from '../core/event.js';
import { UsageError } from '../core/errors.js';
import { catalogEntry } from '../core/provider-api.js';
import type { SignatureScheme } from '../core/signature.js';
import { examples, providerCatalog, sign } from '../index.js';
import { providerDefinition } from '../root-api.js';

/**
 * Whose identity a generated test delivery carries: what the receiver's default idempotency key is
 * built from (README, "Idempotency").
 * - `'fresh'`: new on every call, so each delivery is a new event that the receiver handles.
 * - `'example'`: the documented example's, the same on every call, so the second delivery is a
 *   duplicate that the receiver answers without handling it again.
 */
export type DeliveryIdentityMode = 'fresh' | 'example';

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
   * What to send instead of the documented example. An object is sent as `JSON.stringify(payload)`
   * (its ids as given: `identity` refreshes only the example); a string is sent verbatim (e.g.
   * malformed JSON, to test the 400). Not validated: an invalid payload is how a test checks that
   * the receiver refuses it.
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
  /**
   * Whose ids the delivery carries. Default `'fresh'`: every call is a new event, never a duplicate
   * of an earlier test delivery:
   * - KASKO, InsurUp: a new delivery id header (`X-KASKO-Delivery`, `x-webhook-delivery`);
   * - CoverKit: a new envelope `id` (`evt_` + 24 hex digits) and `createdAt` = now;
   * - Axitech (no delivery id; the key is `event_type` + `data.sessionId` + `created_at`): `created_at`
   *   = now (`YYYY-MM-DDTHH:mm:ssZ`, whole seconds) and a new `data.sessionId` (20 letters and digits),
   *   so two calls within the same second still differ.
   *
   * `'example'` pins them to the documented example — the body's ids and dates as documented, and
   * a fixed delivery id header per event (KASKO `policy.created`: the docs' own
   * `baf59150f9a60c1c0e6a700e6f531676`; other events, and InsurUp, which documents none: an id
   * derived from the event name) — to test deduplication: a second such delivery is answered with
   * the first answer and not handled again. Two different events never share an id.
   *
   * Only the documented example is refreshed: a `payload` you pass is sent as given. What you set
   * explicitly — `deliveryId`, `overrides`, `payload` — always wins over both.
   *
   * @example
   * const first = await createDelivery('coverkit', 'policy.created', { secret, identity: 'example' });
   * const again = await createDelivery('coverkit', 'policy.created', { secret, identity: 'example' });
   * // POST both: the handler runs once; the second answer carries `x-idempotent-replay: true`.
   */
  identity?: DeliveryIdentityMode;
  /**
   * The delivery id header where the provider sends one (KASKO, InsurUp), e.g. `'a'.repeat(32)`.
   * Default a fresh id (`identity: 'example'`: the event's fixed one). CoverKit's id is the body's `id`:
   * set it with `overrides: { id }`.
   */
  deliveryId?: string;
  /** The webhook id header where the provider sends one (InsurUp `x-webhook-id`). Default: a fresh one from the provider module (`newWebhookId`). */
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

/** The documented example, with fresh identity unless pinned; `now` for its creation time. */
function exampleOf(provider: Provider, type: string, identity: DeliveryIdentityMode, now: Date): unknown {
  const example = (examples[provider] as Record<string, unknown>)[type];
  if (example === undefined) throw new UsageError(`insurance-webhooks: "${type}" has no example to send: pass a payload`);
  return identity === 'example' ? example : providerDefinition(provider).freshIdentity(example as never, now);
}

function bodyOf(provider: Provider, type: string, options: DeliveryOptions, identity: DeliveryIdentityMode): string {
  const { payload, overrides } = options;
  if (typeof payload === 'string') {
    if (overrides !== undefined) throw new UsageError('insurance-webhooks: createDelivery() cannot apply overrides to a string payload');
    return payload;
  }
  // Overrides are merged last, so a field the test sets wins over a fresh value.
  const base = payload !== undefined ? payload : exampleOf(provider, type, identity, new Date());
  return JSON.stringify(overrides === undefined ? base : deepMerge(base, overrides));
}

/**
 * The one builder of signed test deliveries: `createDelivery()`, the CLI's `sign` and `send`, the
 * demo and the package's own tests call it. Unlike `createDelivery()`, `type` may be any string
 * (with a `payload`): a delivery of an event the catalog does not know is a test case too.
 *
 * @example
 * const d = await buildDelivery('kasko', 'policy.renamed', { secret, payload: { id: 'lpol_1' } }); // answered 202, event_unknown
 */
export async function buildDelivery(provider: Provider, type: string, options: DeliveryOptions): Promise<Delivery> {
  if (!options || typeof options !== 'object') throw new UsageError('insurance-webhooks: createDelivery() needs options with a secret');
  const identity = options.identity ?? 'fresh';
  if (identity !== 'fresh' && identity !== 'example') {
    throw new UsageError(`insurance-webhooks: createDelivery() identity must be 'fresh' or 'example' (got ${JSON.stringify(identity)})`);
  }
  const method = (options.method ?? 'POST').toUpperCase();
  const url = options.url ?? `/webhooks/${provider}`;
  const body = bodyOf(provider, type, options, identity);
  // Fresh: sign() draws a new delivery id header. Pinned: the event's fixed one (the provider module's).
  const deliveryId = options.deliveryId ?? (identity === 'example' ? providerDefinition(provider).exampleDeliveryId(type) : undefined);
  const input = { type, body, method, url, timestamp: options.timestamp, deliveryId, webhookId: options.webhookId };
  const headers = await sign(provider, input, options.secret, options.signature ? { signature: options.signature } : undefined);
  return { method, url, headers, body };
}

/**
 * A genuine delivery of one event, signed with `secret` as the provider signs it: by default the
 * documented example with fresh ids (see `identity`), POSTed to `/webhooks/<provider>`. An unknown
 * provider or event type throws a UsageError (a TypeError) listing the known names.
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
  catalogEntry(providerCatalog(provider), type);
  return buildDelivery(provider, type, options as DeliveryOptions);
}
