// The receive pipeline: size → signature (on the raw bytes, before any parsing) → timestamp window
// → event type → JSON → schema. Every refusal is a WebhookError; programming mistakes are TypeErrors.
import { constantTimeEqual, type CryptoBackend } from './crypto.js';
import { WebhookError } from './errors.js';
import type { WebhookEvent } from './event.js';
import { bodyText, exceedsLimit, readHeader, type IncomingWebhook } from './incoming.js';
import { parseJson } from './json.js';
import type { ProviderDefinition } from './provider.js';
import { parseTimestamp, type SignatureScheme, type SignedRequest } from './signature.js';
import type { EventCatalogEntry } from './types.js';
import { issuesOf } from './validation.js';

export interface ReceiveOptions {
  /** The webhook secret; several during a rotation (any one may match). Empty values are refused. */
  secret?: string | readonly string[];
  /** Replay window in seconds where the provider signs a timestamp (Axitech), in both directions. Default 300. */
  toleranceSeconds?: number;
  /** Clock override, for tests. */
  now?: Date | number;
  /** Report properties the schema does not describe as `payload_invalid`. Default false (forward compatible). */
  strict?: boolean;
  /** Largest body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * InsurUp only: accept deliveries without `x-webhook-signature` (InsurUp sends it only when the
   * webhook has a secret). Off by default: with a secret configured, a missing signature is refused.
   */
  allowUnsigned?: boolean;
  /** Replace the provider's signature scheme (e.g. if CoverKit's turns out to differ from our reading). */
  signature?: SignatureScheme;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Wrong use of the API by the programmer (not bad input): thrown at once, never a WebhookError. */
export class UsageError extends TypeError {
  override readonly name = 'UsageError';
}

function usage(message: string): never {
  throw new UsageError(`insurance-webhooks: ${message}`);
}

function secretsOf(definition: ProviderDefinition, options: ReceiveOptions): readonly string[] {
  const { secret } = options;
  if (secret === undefined) {
    if (options.allowUnsigned) return [];
    usage(`receive('${definition.name}') needs options.secret`);
  }
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(secrets) || secrets.length === 0) usage('options.secret must be a non-empty string or a non-empty array of them');
  for (const value of secrets) if (typeof value !== 'string' || value === '') usage('options.secret must not contain an empty or non-string secret');
  return secrets;
}

/**
 * Numeric options that would silently switch a protection off (NaN or Infinity as a window or a
 * limit, an invalid Date as the clock) are wrong use, refused like an empty secret.
 */
export function checkLimits(options: ReceiveOptions): void {
  const { toleranceSeconds, maxBodyBytes, now } = options;
  if (toleranceSeconds !== undefined && !(Number.isFinite(toleranceSeconds) && toleranceSeconds >= 0)) {
    usage(`options.toleranceSeconds must be a finite number of seconds >= 0 (got ${String(toleranceSeconds)})`);
  }
  if (maxBodyBytes !== undefined && !(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes >= 0)) {
    usage(`options.maxBodyBytes must be a whole number of bytes >= 0 (got ${String(maxBodyBytes)})`);
  }
  if (now !== undefined && !Number.isFinite(typeof now === 'number' ? now : now instanceof Date ? now.getTime() : NaN)) {
    usage('options.now must be a valid Date or a finite number of epoch milliseconds');
  }
}

/**
 * Wrong options are refused before any delivery is looked at: by `receive()` on each call, and by
 * `createWebhooks()` once at start-up, so a misconfigured endpoint fails to start instead of
 * answering every delivery with an error. Returns the secrets to try.
 */
export function checkReceiveOptions(definition: ProviderDefinition, options: ReceiveOptions): readonly string[] {
  if (options === null || typeof options !== 'object') usage(`receive('${definition.name}') needs options with a secret`);
  if (options.allowUnsigned && !definition.catalog.transport.signature.optional) {
    usage(`${definition.catalog.displayName} always signs its deliveries; allowUnsigned is for InsurUp`);
  }
  const secrets = secretsOf(definition, options);
  checkLimits(options);
  return secrets;
}

/** Wrong use is refused before the delivery is looked at. Returns the secrets to try. */
function checkCall(definition: ProviderDefinition, incoming: IncomingWebhook, options: ReceiveOptions, scheme: SignatureScheme): readonly string[] {
  if (incoming === null || typeof incoming !== 'object') usage('receive() needs { body, headers }');
  const { body, headers } = incoming;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) usage('incoming.body must be the raw body: a string or a Uint8Array/Buffer');
  if (headers === null || typeof headers !== 'object') usage('incoming.headers must be a Headers object or a plain object');
  if (scheme.signsRequestLine && typeof incoming.url !== 'string') {
    usage(`receive('${definition.name}') needs incoming.url: the path and query as the server saw it`);
  }
  return checkReceiveOptions(definition, options);
}

/** The signed timestamp in ms, refused when missing, unparseable or outside the window. */
function signedTime(definition: ProviderDefinition, scheme: SignatureScheme, headers: IncomingWebhook['headers'], fromSignature: string | undefined): { raw: string; ms: number } {
  const { transport } = definition.catalog;
  const header = transport.timestamp?.in === 'header' ? transport.timestamp.header : 'timestamp';
  const raw = scheme.timestamp === 'header' ? (transport.timestamp ? readHeader(headers, header) : undefined) : fromSignature;
  if (raw === undefined) throw new WebhookError('timestamp_invalid', `the ${header} header is missing`);
  const ms = parseTimestamp(raw);
  if (ms === undefined) throw new WebhookError('timestamp_invalid', `the signed timestamp "${raw.slice(0, 40)}" is not Unix seconds, milliseconds or ISO-8601`);
  return { raw, ms };
}

function checkWindow(timestampMs: number, options: ReceiveOptions): void {
  const { now, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS } = options;
  const nowMs = now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
  const skew = (nowMs - timestampMs) / 1000;
  if (Math.abs(skew) > toleranceSeconds) {
    throw new WebhookError(
      'timestamp_invalid',
      `the signed timestamp is ${Math.round(Math.abs(skew))}s ${skew > 0 ? 'old' : 'in the future'}; the window is ${toleranceSeconds}s`,
    );
  }
}

function decodeEvent(definition: ProviderDefinition, incoming: IncomingWebhook, strict: boolean | undefined): WebhookEvent {
  const { transport, events } = definition.catalog;
  const { headers } = incoming;
  const headerType = transport.eventType.in === 'header' ? readHeader(headers, transport.eventType.header) : undefined;
  if (transport.eventType.in === 'header' && headerType === undefined) {
    throw new WebhookError('header_missing', `the ${transport.eventType.header} header is missing`);
  }
  const text = bodyText(incoming.body);
  if (text === undefined) throw new WebhookError('payload_malformed', 'body is not valid UTF-8', { type: headerType });
  const parsed = parseJson(text);
  const headerDeliveryId = transport.deliveryId?.in === 'header' ? readHeader(headers, transport.deliveryId.header) : undefined;
  if (!parsed.ok) {
    if (parsed.reason === 'malformed') throw new WebhookError('payload_malformed', parsed.message, { type: headerType, deliveryId: headerDeliveryId });
    throw new WebhookError('payload_invalid', `body ${parsed.path} ${parsed.message}`, {
      type: headerType,
      deliveryId: headerDeliveryId,
      errors: [{ path: parsed.path!, message: parsed.message }],
    });
  }
  const payload = parsed.value;
  const type = headerType ?? definition.read(transport.eventType, headers, payload);
  const deliveryId = headerDeliveryId ?? definition.read(transport.deliveryId, headers, payload);
  if (type === undefined) {
    const pointer = transport.eventType.in === 'body' ? transport.eventType.pointer : '';
    throw new WebhookError('payload_invalid', `the body has no event type at ${pointer}`, {
      deliveryId,
      payload,
      errors: [{ path: pointer, message: 'is required (a string naming the event)' }],
    });
  }
  const entry: EventCatalogEntry | undefined = Object.hasOwn(events, type) ? (events as Record<string, EventCatalogEntry>)[type] : undefined;
  if (!entry) throw new WebhookError('event_unknown', `"${type.slice(0, 100)}" is not a ${definition.catalog.displayName} event this package knows`, { type, deliveryId, payload });
  const validator = strict ? entry.validateStrict : entry.validate;
  if (!validator(payload)) {
    const errors = issuesOf(validator);
    throw new WebhookError('payload_invalid', `the ${type} payload does not match its schema: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`, {
      type,
      deliveryId,
      payload,
      errors,
    });
  }
  const webhookId = transport.webhookId ? definition.read(transport.webhookId, headers, payload) : undefined;
  return { provider: definition.name, type, deliveryId, webhookId, payload } as WebhookEvent;
}

/** Whether any computed MAC equals any claimed one; every pair is compared (no early exit). */
function anyMatch(computed: readonly Uint8Array[], claimed: readonly Uint8Array[]): boolean {
  let found = false;
  for (let i = 0; i < computed.length; i++) {
    for (let j = 0; j < claimed.length; j++) found = constantTimeEqual(computed[i]!, claimed[j]!) || found;
  }
  return found;
}

/** Past the MAC: compare, check the window, decode. */
function accept(
  definition: ProviderDefinition,
  incoming: IncomingWebhook,
  options: ReceiveOptions,
  computed: readonly Uint8Array[],
  claimed: readonly Uint8Array[],
  timestampMs: number | undefined,
): WebhookEvent {
  if (!anyMatch(computed, claimed)) {
    const header = definition.catalog.transport.signature.header;
    throw new WebhookError('signature_invalid', `the ${header} header does not match the body signed with ${computed.length > 1 ? 'any of the secrets' : 'the secret'}`);
  }
  if (timestampMs !== undefined) checkWindow(timestampMs, options);
  return decodeEvent(definition, incoming, options.strict);
}

function run(backend: CryptoBackend, definition: ProviderDefinition, incoming: IncomingWebhook, options: ReceiveOptions): WebhookEvent | Promise<WebhookEvent> {
  const scheme = (options !== null && typeof options === 'object' && options.signature) || definition.signature;
  const secrets = checkCall(definition, incoming, options, scheme);
  const { body, headers } = incoming;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (exceedsLimit(body, limit)) throw new WebhookError('body_too_large', `body is larger than ${limit} bytes`);

  const { signature } = definition.catalog.transport;
  const signatureHeader = readHeader(headers, signature.header);
  if (signatureHeader === undefined) {
    if (options.allowUnsigned) return decodeEvent(definition, incoming, options.strict);
    throw new WebhookError('signature_missing', `the ${signature.header} header is missing`);
  }
  if (secrets.length === 0) usage(`a signed ${definition.catalog.displayName} delivery arrived and options.secret is not set`);
  const parsed = scheme.parse(signatureHeader);
  if (!parsed) throw new WebhookError('signature_invalid', `the ${signature.header} header is not a ${scheme.name} signature`);

  let timestampMs: number | undefined;
  let timestamp: string | undefined;
  if (scheme.timestamp) {
    const signed = signedTime(definition, scheme, headers, parsed.timestamp);
    timestamp = signed.raw;
    timestampMs = signed.ms;
  }
  const request: SignedRequest = { method: incoming.method === undefined ? 'POST' : incoming.method.toUpperCase(), url: incoming.url ?? '', timestamp };
  const prefix = scheme.prefix(request);
  const computed: Uint8Array[] = [];
  let pending: Promise<Uint8Array>[] | undefined;
  for (const secret of secrets) {
    const mac = backend.hmac(scheme.algorithm, secret, prefix, body);
    if (mac instanceof Uint8Array) computed.push(mac);
    else (pending ??= []).push(mac);
  }
  if (!pending) return accept(definition, incoming, options, computed, parsed.macs, timestampMs);
  return Promise.all(pending).then((macs) => accept(definition, incoming, options, computed.concat(macs), parsed.macs, timestampMs));
}

/** Anything unexpected past the argument checks (a RangeError from a pathological body, say) becomes payload_malformed. */
function asWebhookError(error: unknown): WebhookError {
  if (error instanceof WebhookError) return error;
  return new WebhookError('payload_malformed', `body could not be processed: ${(error as Error)?.message ?? String(error)}`);
}

/**
 * The pipeline on a given crypto backend. Wrong use throws a UsageError at once; every refusal of
 * the delivery rejects with a WebhookError.
 */
export function receiveWith(backend: CryptoBackend, definition: ProviderDefinition, incoming: IncomingWebhook, options: ReceiveOptions): Promise<WebhookEvent> {
  let result: WebhookEvent | Promise<WebhookEvent>;
  try {
    result = run(backend, definition, incoming, options);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return Promise.reject(asWebhookError(error));
  }
  if (!(result instanceof Promise)) return Promise.resolve(result);
  return result.catch((error: unknown) => {
    throw asWebhookError(error);
  });
}

/** The same, synchronously: only on a synchronous (Node) backend. */
export function receiveSyncWith(backend: CryptoBackend, definition: ProviderDefinition, incoming: IncomingWebhook, options: ReceiveOptions): WebhookEvent {
  if (backend.name !== 'node') usage("receiveSync needs Node's crypto; use receive()");
  try {
    return run(backend, definition, incoming, options) as WebhookEvent;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw asWebhookError(error);
  }
}
