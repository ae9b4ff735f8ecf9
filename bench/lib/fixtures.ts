// Deliveries signed as each provider signs them, the floor (the unavoidable work on the same bytes)
// and the peer pipelines that do the same job with other libraries.
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import type { ValidateFunction } from 'ajv';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { loadSchemaTree, type SchemaTree } from '../../scripts/lib/schema-files.js';
import { createAjv } from '../../scripts/lib/validators.js';
import { ROOT, type Lib } from './env.js';
import { definitions } from '../../src/providers/index.js';
import { buildDelivery } from '../../src/testing/delivery.js';

export type ProviderName = keyof typeof definitions;
/** Every provider of the registry (src/providers/index.ts, generated): a new provider is benchmarked without a change here. */
export const PROVIDERS = Object.keys(definitions) as ProviderName[];

const SECRET = 'bench_secret_0123456789abcdef';
/** Headers a real Node server also hands over (Node lower-cases names). */
const SERVER_HEADERS = {
  host: 'hooks.example.com',
  'user-agent': 'provider-webhooks/1.0',
  accept: '*/*',
  connection: 'keep-alive',
};

export interface Delivery {
  provider: ProviderName;
  type: string;
  /** The raw body as a Node server reads it. */
  body: Buffer;
  headers: Record<string, string>;
  method: string;
  url: string;
  secret: string;
  /** Everything receive() needs. */
  incoming: { body: Buffer; headers: Record<string, string>; method: string; url: string };
  options: { secret: string; maxBodyBytes?: number };
}

/** A provider's events with a `documented` example (the docs' own payload), each as JSON text and its UTF-8 size, in catalog order. */
function documentedEvents(lib: Lib, provider: ProviderName): { type: string; payload: unknown; text: string; size: number }[] {
  const events = lib.providers[provider].events as Record<string, { example: string }>;
  return Object.entries(events)
    .filter(([, entry]) => entry.example === 'documented')
    .map(([type]) => {
      const payload = (lib.examples[provider] as Record<string, unknown>)[type];
      const text = JSON.stringify(payload);
      return { type, payload, text, size: Buffer.byteLength(text) };
    });
}

/**
 * The event each provider is benchmarked on. Decision: its largest documented example by UTF-8
 * bytes, the first in catalog order on a tie (KASKO's policy.created/updated/cancelled are one
 * size), read from the catalog so that a new provider is benchmarked without a hand-written entry.
 */
export function documentedExample(lib: Lib, provider: ProviderName): { type: string; payload: unknown } {
  let best: ReturnType<typeof documentedEvents>[number] | undefined;
  for (const event of documentedEvents(lib, provider)) if (!best || event.size > best.size) best = event;
  if (!best) throw new Error(`${provider}: no documented example to benchmark`);
  return { type: best.type, payload: best.payload };
}

/** The largest documented example of any provider (by UTF-8 bytes). */
export function largestDocumented(lib: Lib): { provider: ProviderName; type: string; text: string; size: number } {
  let best: { provider: ProviderName; type: string; text: string; size: number } | undefined;
  for (const provider of PROVIDERS) {
    for (const { type, text, size } of documentedEvents(lib, provider)) if (!best || size > best.size) best = { provider, type, text, size };
  }
  return best!;
}

/**
 * JSON as other serializers write it: PHP's json_encode escapes every `/` (`https:\/\/…`), .NET's
 * System.Text.Json escapes every non-ASCII character (`\u00FC`). Same values, other bytes.
 */
export function escapedJson(payload: unknown, style: 'php' | 'dotnet'): string {
  const text = JSON.stringify(payload);
  return style === 'php'
    ? text.replace(/\//g, '\\/')
    : text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** A delivery of `text` (default `JSON.stringify(payload)`) signed as `provider` signs it, with a Node server's headers. */
export async function makeDelivery(
  lib: Lib,
  provider: ProviderName,
  type: string,
  payload: unknown,
  maxBodyBytes?: number,
  text = JSON.stringify(payload),
): Promise<Delivery> {
  // The package's one builder of test deliveries (src/testing/delivery.ts): the text is sent as given.
  const built = await buildDelivery(provider, type, { secret: SECRET, payload: text, url: `/webhooks/${provider}?tenant=42` });
  const { method, url } = built;
  const body = Buffer.from(built.body);
  const headers = { ...SERVER_HEADERS, 'content-length': String(body.length), ...built.headers };
  const options = maxBodyBytes === undefined ? { secret: SECRET } : { secret: SECRET, maxBodyBytes };
  return { provider, type, body, headers, method, url, secret: SECRET, incoming: { body, headers, method, url }, options };
}

/**
 * The floor: HMAC of the signed bytes (Axitech: method + url + timestamp, then the body) with a
 * key prepared once (a KeyObject: deriving it from the string on every call is avoidable work),
 * the claimed MAC decoded from its header and compared with crypto.timingSafeEqual, the body
 * decoded and JSON.parse'd. No header shapes checked, no UTF-8 validation, no schema: nothing
 * less can verify and read a delivery.
 */
export function floorOf(lib: Lib, delivery: Delivery): () => unknown {
  return verifiedThen(lib, delivery, (body) => JSON.parse(body.toString('utf8')));
}

/**
 * The floor plus the three checks `receive()` adds that are features rather than framework: the
 * body decoded as UTF-8 with invalid bytes refused (TextDecoder fatal, as `bodyText` does), the
 * prototype-key pre-check on the text (as `parseJson` does; the documented examples never need the
 * walk behind it), and the package's standalone validator. What `receive()` costs beyond this is
 * its own glue: header reading, argument checks, dispatch, the event object.
 */
export function floorChecksOf(lib: Lib, delivery: Delivery): () => unknown {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const validate = (lib.providers[delivery.provider].events as Record<string, { validate: (data: unknown) => boolean }>)[delivery.type]!.validate;
  return verifiedThen(lib, delivery, (body) => {
    const text = decoder.decode(body);
    const payload: unknown = JSON.parse(text);
    if (text.includes('proto') || text.includes('\\u')) throw new Error('floor+checks: this body would need the prototype-key walk');
    if (!validate(payload)) throw new Error('floor+checks: invalid');
    return payload;
  });
}

/** node:crypto's name for a scheme's HMAC algorithm (`SHA-256` → `sha256`). */
const nodeAlgorithm = (algorithm: string): string => algorithm.replace('-', '').toLowerCase();
const ENCODINGS = ['hex', 'base64'] as const;

/** What the floor needs to check a delivery's signature, all of it read from the provider's definition. */
export interface FloorSignature {
  /** node:crypto's name for the scheme's HMAC algorithm (`SHA-256` → `sha256`). */
  algorithm: string;
  signatureHeader: string;
  /** What is signed before the body (Axitech: method + url + timestamp; empty for body-only schemes). */
  prefix: () => string;
  /** How the MAC is encoded at the end of the header value, and how many characters it takes there. */
  encoding: 'hex' | 'base64';
  encodedLength: number;
}

/**
 * The floor's view of a provider's scheme (definition.signature), never of its name: the
 * algorithm, what is signed before the body (`prefix`), and where the MAC sits in the header and
 * how it is encoded, learnt once from the scheme's own `format()` (the encoded MAC ends the value,
 * after a fixed label such as `sha1=`). A timestamp inside the signature header (`t=…,v1=…` schemes;
 * no benchmarked provider today) is read once here by the scheme's parser, so the floor does less
 * per call, never more.
 */
export function floorSignature(lib: Lib, delivery: Delivery): FloorSignature {
  const transport = lib.providers[delivery.provider].transport;
  const scheme = definitions[delivery.provider].signature;
  const algorithm = scheme.algorithm.replace('-', '').toLowerCase();
  const { body, headers, method, url } = delivery;
  const signatureHeader = transport.signature.header;
  const timestampHeader = transport.timestamp?.in === 'header' ? transport.timestamp.header : undefined;
  const value = headers[signatureHeader]!;
  const inner = scheme.timestamp === 'signature' ? scheme.parse(value)?.timestamp : undefined;
  const prefix = () => scheme.prefix({ method, url, timestamp: timestampHeader !== undefined ? headers[timestampHeader] : inner });
  const expected = createHmac(algorithm, delivery.secret).update(prefix()).update(body).digest();
  const formatted = scheme.format(expected, { method, url, timestamp: timestampHeader !== undefined ? headers[timestampHeader] : inner });
  if (formatted !== value) throw new Error(`floor: ${delivery.provider}'s signature header is not what its scheme writes`);
  const encoding = (['hex', 'base64'] as const).find((e) => formatted.endsWith(expected.toString(e)));
  if (encoding === undefined) throw new Error(`floor: ${scheme.name} ends its header with neither a hex nor a base64 MAC`);
  return { algorithm, signatureHeader, prefix, encoding, encodedLength: expected.toString(encoding).length };
}

/**
 * The floor's signature check, parameterised by `floorSignature`: node:crypto's HMAC with a
 * prepared key, the claimed MAC decoded by Buffer and compared with timingSafeEqual, then `read`
 * on the body. Independent of the package's own verification code.
 */
function verifiedThen(lib: Lib, delivery: Delivery, read: (body: Buffer) => unknown): () => unknown {
  const { algorithm, signatureHeader, prefix, encoding, encodedLength } = floorSignature(lib, delivery);
  const { body, headers } = delivery;
  const key = createSecretKey(Buffer.from(delivery.secret, 'utf8'));
  return () => {
    const header = headers[signatureHeader]!;
    const claimed = Buffer.from(header.slice(header.length - encodedLength), encoding);
    const hmac = createHmac(algorithm, key);
    const signed = prefix();
    if (signed) hmac.update(signed);
    const mac = hmac.update(body).digest();
    if (mac.length !== claimed.length || !timingSafeEqual(mac, claimed)) throw new Error('floor: signature mismatch');
    return read(body);
  };
}

let tree: SchemaTree | undefined;

/** ajv compiling the schemas at run time (same options as the generator), as an app without the standalone validators would. */
export function runtimeValidator(provider: string, type: string): ValidateFunction {
  tree ??= loadSchemaTree(join(ROOT, 'schemas'));
  const folder = tree.providers.find((p) => p.name === provider)!;
  const ajv = createAjv();
  if (folder.defs) ajv.addSchema(folder.defs);
  for (const event of folder.events) ajv.addSchema(event.schema);
  const event = folder.events.find((e) => e.event === type)!;
  return ajv.getSchema(event.schema.$id as string) as ValidateFunction;
}

export interface Peers {
  /** Standard Webhooks `Webhook#verify` (it JSON.parses itself) + run-time ajv. */
  standard: () => unknown;
  /** `@octokit/webhooks-methods` `verify` + JSON.parse + run-time ajv. */
  octokit: () => Promise<unknown>;
}

/** The same body, signed the way each peer library expects, verified, parsed and validated. */
export async function peersOf(delivery: Delivery): Promise<Peers> {
  const validate = runtimeValidator(delivery.provider, delivery.type);
  const text = delivery.body.toString('utf8');

  const webhook = new Webhook(`whsec_${Buffer.from(delivery.secret).toString('base64')}`);
  const msgId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const timestamp = new Date(Math.floor(Date.now() / 1000) * 1000);
  const standardHeaders = {
    ...SERVER_HEADERS,
    'content-length': String(delivery.body.length),
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': webhook.sign(msgId, timestamp, text),
  };
  const { body, secret } = delivery;
  const standard = () => {
    const payload = webhook.verify(body, standardHeaders);
    if (!validate(payload)) throw new Error('standardwebhooks: invalid');
    return payload;
  };

  const signature = await octokitSign(secret, text);
  const octokit = async () => {
    const raw = body.toString('utf8'); // octokit verifies strings only
    if (!(await octokitVerify(secret, raw, signature))) throw new Error('octokit: signature mismatch');
    const payload: unknown = JSON.parse(raw);
    if (!validate(payload)) throw new Error('octokit: invalid');
    return payload;
  };
  return { standard, octokit };
}

/**
 * A valid KASKO policy.created body of exactly `bytes` bytes: the documented example with a long
 * string in `metadata` (an open object whose keys belong to the merchant). Few keys, many bytes.
 */
export function paddedKasko(lib: Lib, bytes: number): { type: string; payload: unknown } {
  const example = lib.examples.kasko['policy.created'];
  const base = { ...example, metadata: { ...example.metadata, note: '' } };
  const size = Buffer.byteLength(JSON.stringify(base));
  if (size > bytes) throw new Error(`padded body: ${bytes} B is smaller than the example (${size} B)`);
  const payload = { ...example, metadata: { ...example.metadata, note: 'x'.repeat(bytes - size) } };
  return { type: 'policy.created', payload };
}

/**
 * The same size reached with structure instead: the documented asset repeated (~170 B and five
 * keys each), the last few bytes in `metadata`. Many keys per byte, as a policy with many
 * documents would be.
 */
export function structuredKasko(lib: Lib, bytes: number): { type: string; payload: unknown } {
  const example = lib.examples.kasko['policy.created'];
  const asset = example.assets[0]!;
  const build = (count: number, note: string) => ({
    ...example,
    assets: Array.from({ length: count }, (_, i) => ({ ...asset, name: `${asset.name} ${i}` })),
    metadata: { ...example.metadata, note },
  });
  let count = 1;
  while (Buffer.byteLength(JSON.stringify(build(count * 2, ''))) <= bytes) count *= 2;
  for (let step = count >> 1; step >= 1; step >>= 1) {
    if (Buffer.byteLength(JSON.stringify(build(count + step, ''))) <= bytes) count += step;
  }
  const size = Buffer.byteLength(JSON.stringify(build(count, '')));
  return { type: 'policy.created', payload: build(count, 'x'.repeat(bytes - size)) };
}
