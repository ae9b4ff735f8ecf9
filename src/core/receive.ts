// The receive pipeline: size → signature (on the raw bytes, before any parsing) → timestamp window
// → event type → JSON → schema. Every refusal is a WebhookError; programming mistakes are TypeErrors.
import { constantTimeEqual, type CryptoBackend } from './crypto.js';
import { UsageError, WebhookError } from './errors.js';
import type { WebhookEvent } from './event.js';
import { bodyText, exceedsLimit, readHeader, type IncomingWebhook } from './incoming.js';
import { parseJson } from './json.js';
import { verifiedEvent } from './signed.js';
import { readLocation, type ProviderDefinition } from './provider.js';
import { parseTimestamp, type SignatureScheme, type SignedRequest } from './signature.js';
import type { EventCatalogEntry } from './types.js';
import { boundedIssue, issuesOf, printable } from './validation.js';

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

// Re-exported: the errors live together in errors.ts.
export { UsageError };

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
    usage(`${definition.catalog.displayName} always signs its deliveries; allowUnsigned is for a provider that sends no signature when no secret is set (provider.json signature.optional)`);
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
  if (incoming.method !== undefined && typeof incoming.method !== 'string') usage('incoming.method must be a string (the request method)');
  if (incoming.url !== undefined && typeof incoming.url !== 'string') usage('incoming.url must be a string (the path and query)');
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
  if (ms === undefined) throw new WebhookError('timestamp_invalid', `the signed timestamp "${printable(raw, 40)}" is not canonical Unix seconds, milliseconds or ISO-8601`);
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

/**
 * What usually makes a genuine delivery fail to verify, said without anything derived from the
 * secret or the MAC (README, "Signatures per provider").
 */
const MISMATCH_CAUSES =
  'Check: the raw bytes were passed, not re-serialised JSON (a body parser ran first); the body is not still base64-encoded (AWS API Gateway/Lambda: isBase64Encoded); the secret has no surrounding whitespace and is the one for this endpoint and mode (test or live).';

/** `value` of header `name`, refused as header_invalid past `max` characters. */
function boundedHeader(name: string, value: string | undefined, max: number, type?: string): string | undefined {
  if (value !== undefined && value.length > max) throw new WebhookError('header_invalid', `the ${name} header is longer than ${max} characters`, type === undefined ? {} : { type });
  return value;
}

/** Longest event type: the catalog's are under 40 characters; a longer one is refused before it is echoed anywhere. */
const MAX_EVENT_TYPE = 200;

/** Longest delivery id taken from a header: KASKO's are 32 characters, InsurUp's UUIDs 36. */
const MAX_DELIVERY_ID = 200;

/**
 * Past the signature: the event type, JSON and schema. `signed`: the body the signature covered
 * (kept in the event for the idempotency key), undefined when none was checked. Exported for the
 * inbox, which re-validates a body verified at capture.
 */
export function decodeEvent(definition: ProviderDefinition, incoming: IncomingWebhook, strict: boolean | undefined, signed?: string | Uint8Array): WebhookEvent {
  const { transport, events } = definition.catalog;
  const { headers } = incoming;
  // The headers first: they are not signed, they are echoed (answers, logs, idempotency records),
  // so each is bounded before anything is done with it.
  const headerType = transport.eventType.in === 'header' ? boundedHeader(transport.eventType.header, readHeader(headers, transport.eventType.header), MAX_EVENT_TYPE) : undefined;
  if (transport.eventType.in === 'header' && headerType === undefined) {
    throw new WebhookError('header_missing', `the ${transport.eventType.header} header is missing`);
  }
  const headerDeliveryId = transport.deliveryId?.in === 'header' ? boundedHeader(transport.deliveryId.header, readHeader(headers, transport.deliveryId.header), MAX_DELIVERY_ID, headerType) : undefined;
  const text = bodyText(incoming.body);
  if (text === undefined) throw new WebhookError('payload_malformed', 'body is not valid UTF-8', { type: headerType, deliveryId: headerDeliveryId });
  const parsed = parseJson(text);
  if (!parsed.ok) {
    if (parsed.reason === 'malformed') throw new WebhookError('payload_malformed', printable(parsed.message), { type: headerType, deliveryId: headerDeliveryId });
    const issue = boundedIssue(parsed.path ?? '', parsed.message);
    throw new WebhookError('payload_invalid', `body ${printable(issue.path)} ${printable(issue.message)}`, {
      type: headerType,
      deliveryId: headerDeliveryId,
      errors: [issue],
    });
  }
  const payload = parsed.value;
  const type = headerType ?? readLocation(transport.eventType, headers, payload);
  const deliveryId = headerDeliveryId ?? readLocation(transport.deliveryId, headers, payload);
  if (type !== undefined && type.length > MAX_EVENT_TYPE) {
    const where = transport.eventType.in === 'header' ? `the ${transport.eventType.header} header` : `the event type at ${transport.eventType.pointer}`;
    throw new WebhookError(transport.eventType.in === 'header' ? 'header_invalid' : 'payload_invalid', `${where} is longer than ${MAX_EVENT_TYPE} characters`, {
      deliveryId,
      ...(transport.eventType.in === 'body' ? { payload, errors: [{ path: transport.eventType.pointer, message: `is longer than ${MAX_EVENT_TYPE} characters` }] } : {}),
    });
  }
  if (type === undefined) {
    const pointer = transport.eventType.in === 'body' ? transport.eventType.pointer : '';
    throw new WebhookError('payload_invalid', `the body has no event type at ${pointer}`, {
      deliveryId,
      payload,
      errors: [{ path: pointer, message: 'is required (a string naming the event)' }],
    });
  }
  const entry: EventCatalogEntry | undefined = Object.hasOwn(events, type) ? (events as Record<string, EventCatalogEntry>)[type] : undefined;
  if (!entry) throw new WebhookError('event_unknown', `"${printable(type, 100)}" is not a ${definition.catalog.displayName} event this package knows`, { type, deliveryId, payload });
  const validator = strict ? entry.validateStrict : entry.validate;
  if (!validator(payload)) {
    const errors = issuesOf(validator);
    // The message names the first few; `errors` lists up to MAX_LISTED_ISSUES and counts the rest.
    const named = errors.slice(0, 5).map((e) => `${printable(e.path || '/', 80)} ${e.message}`);
    const rest = errors.length > 5 ? `; and ${errors.length - 5} more listed in errors` : '';
    throw new WebhookError('payload_invalid', `the ${type} payload does not match its schema: ${named.join('; ')}${rest}`, {
      type,
      deliveryId,
      payload,
      errors,
    });
  }
  const webhookId = transport.webhookId?.in === 'header' ? boundedHeader(transport.webhookId.header, readHeader(headers, transport.webhookId.header), MAX_DELIVERY_ID, type) : readLocation(transport.webhookId, headers, payload);
  return verifiedEvent(definition.name, type, deliveryId, webhookId, payload, signed);
}

/** The computed MAC that equals a claimed one, if any; every pair is compared (no early exit). */
function matching(computed: readonly Uint8Array[], claimed: readonly Uint8Array[]): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  for (let i = 0; i < computed.length; i++) {
    for (let j = 0; j < claimed.length; j++) {
      const equal = constantTimeEqual(computed[i]!, claimed[j]!);
      found = equal && !found ? computed[i] : found;
    }
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
  const mac = matching(computed, claimed);
  if (!mac) {
    const header = definition.catalog.transport.signature.header;
    throw new WebhookError('signature_invalid', `the ${header} header does not match the body signed with ${computed.length > 1 ? 'any of the secrets' : 'the secret'}. ${MISMATCH_CAUSES}`);
  }
  if (timestampMs !== undefined) checkWindow(timestampMs, options);
  return decodeEvent(definition, incoming, options.strict, incoming.body);
}

function run(backend: CryptoBackend, definition: ProviderDefinition, incoming: IncomingWebhook, options: ReceiveOptions): WebhookEvent | Promise<WebhookEvent> {
  const scheme = (options !== null && typeof options === 'object' && options.signature) || definition.signature;
  const secrets = checkCall(definition, incoming, options, scheme);
  const { body, headers } = incoming;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (exceedsLimit(body, limit)) throw new WebhookError('body_too_large', `body is larger than ${limit} bytes`);

  const { signature } = definition.catalog.transport;
  // Several different signatures in one header are a signature that does not verify (401).
  const signatureHeader = readHeader(headers, signature.header, scheme.listValued, 'signature_invalid');
  if (signatureHeader === undefined) {
    if (options.allowUnsigned) return decodeEvent(definition, incoming, options.strict);
    throw new WebhookError('signature_missing', `the ${signature.header} header is missing`);
  }
  // allowUnsigned without a secret: a signature cannot be checked, and one that is present must
  // verify. The sender's request, not our configuration, so a 401 (any client can send one).
  if (secrets.length === 0) throw new WebhookError('signature_invalid', `the ${signature.header} header is present, but no secret is configured to check it (options.secret)`);
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
    // A refusal (WebhookError), or a bug of ours passed on as it is: reporting a bug as the
    // sender's fault (a 4xx) would make the provider give up on a genuine delivery.
    return Promise.reject(error);
  }
  return result instanceof Promise ? result : Promise.resolve(result);
}

/**
 * `receiveWith` without the Promise where the work was synchronous (Node's
 * crypto): the event, or a Promise of it (Web Crypto, an async signature scheme). Throws what
 * `receiveWith` rejects with. For the router, which awaits only when it must (bench/, part 7).
 */
export function receiveEither(backend: CryptoBackend, definition: ProviderDefinition, incoming: IncomingWebhook, options: ReceiveOptions): WebhookEvent | Promise<WebhookEvent> {
  return run(backend, definition, incoming, options);
}

/** The same, synchronously: only on a synchronous (Node) backend. */
export function receiveSyncWith(backend: CryptoBackend, definition: ProviderDefinition, incoming: IncomingWebhook, options: ReceiveOptions): WebhookEvent {
  if (backend.name !== 'node') usage("receiveSync needs Node's crypto; use receive()");
  return run(backend, definition, incoming, options) as WebhookEvent;
}
