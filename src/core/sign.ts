// sign(): the headers a provider would send with a body, for test deliveries, demos and the CLI.
import type { CryptoBackend } from './crypto.js';
import type { ProviderDefinition } from './provider.js';
import type { SignatureScheme, SignedRequest } from './signature.js';
import { UsageError } from './errors.js';

export interface SignInput {
  /** The event type. Sent in the event header where the provider uses one (KASKO, InsurUp); CoverKit and Axitech carry it in the body. */
  type: string;
  /** The exact body you will send. An object is serialised with JSON.stringify — send that same string. */
  body: string | Uint8Array | object;
  /** Default POST. Signed by Axitech. */
  method?: string;
  /** Path and query the receiver will see. Signed by Axitech. Default `/`. */
  url?: string;
  /** Signed timestamp (Axitech, `t=` schemes): a Date, epoch milliseconds, or the literal header value. Default now, as Unix seconds. */
  timestamp?: Date | number | string;
  /** Default: a fresh id in the provider's format (KASKO 32 hex characters; InsurUp a UUID). */
  deliveryId?: string;
  /** InsurUp `x-webhook-id` (the webhook configured in the agency panel). Default: a fresh one from the provider module (InsurUp: a UUID). */
  webhookId?: string;
}

export interface SignOptions {
  /** Sign with another scheme than the provider's (must match what the receiver expects). */
  signature?: SignatureScheme;
}

/** The body as the bytes or string that will be sent. */
export function serializeBody(body: SignInput['body']): string | Uint8Array {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body === null || typeof body !== 'object') throw new UsageError('insurance-webhooks: sign() body must be a string, bytes or an object');
  return JSON.stringify(body);
}

function timestampValue(timestamp: SignInput['timestamp']): string {
  if (typeof timestamp === 'string') return timestamp;
  const ms = timestamp === undefined ? Date.now() : typeof timestamp === 'number' ? timestamp : timestamp.getTime();
  return String(Math.floor(ms / 1000));
}

/** Wrong use throws at once (like receive()); the signing itself is asynchronous (Web Crypto). */
export function signWith(
  backend: CryptoBackend,
  definition: ProviderDefinition,
  input: SignInput,
  secret: string | readonly string[],
  options: SignOptions = {},
): Promise<Record<string, string>> {
  const key = typeof secret === 'string' ? secret : secret?.[0];
  if (typeof key !== 'string' || key === '') throw new UsageError('insurance-webhooks: sign() needs a non-empty secret');
  if (!input || typeof input.type !== 'string' || input.type === '') throw new UsageError('insurance-webhooks: sign() needs { type, body }');
  return signChecked(backend, definition, input, key, options);
}

async function signChecked(
  backend: CryptoBackend,
  definition: ProviderDefinition,
  input: SignInput,
  key: string,
  options: SignOptions,
): Promise<Record<string, string>> {
  const scheme = options.signature ?? definition.signature;
  const { transport } = definition.catalog;
  const body = serializeBody(input.body);
  const request: SignedRequest = {
    method: (input.method ?? 'POST').toUpperCase(),
    url: input.url ?? '/',
    timestamp: scheme.timestamp ? timestampValue(input.timestamp) : undefined,
  };
  const mac = await backend.hmac(scheme.algorithm, key, scheme.prefix(request), body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (transport.eventType.in === 'header') headers[transport.eventType.header] = input.type;
  if (transport.deliveryId?.in === 'header') headers[transport.deliveryId.header] = input.deliveryId ?? definition.newDeliveryId();
  const webhookId = input.webhookId ?? definition.newWebhookId();
  if (transport.webhookId?.in === 'header' && webhookId !== undefined) headers[transport.webhookId.header] = webhookId;
  if (scheme.timestamp === 'header' && transport.timestamp?.in === 'header') headers[transport.timestamp.header] = request.timestamp!;
  headers[transport.signature.header] = scheme.format(mac, request);
  return headers;
}
