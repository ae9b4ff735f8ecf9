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

export type ProviderName = 'kasko' | 'insurup' | 'axitech' | 'coverkit';
export const PROVIDERS: readonly ProviderName[] = ['kasko', 'insurup', 'axitech', 'coverkit'];

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

/** The event each provider is benchmarked on: its largest documented example (the docs' own payload). */
export const HOT_EVENTS: Readonly<Record<ProviderName, string>> = {
  kasko: 'policy.created', // 706 B; policy.updated/cancelled are the same size
  insurup: 'proposal_premium.received',
  axitech: 'session.submitted',
  coverkit: 'policy.created',
};

export function documentedExample(lib: Lib, provider: ProviderName): { type: string; payload: unknown } {
  const type = HOT_EVENTS[provider];
  const entry = (lib.providers[provider].events as Record<string, { example: string }>)[type];
  if (entry?.example !== 'documented') throw new Error(`${provider} ${type}: not a documented example`);
  return { type, payload: (lib.examples[provider] as Record<string, unknown>)[type] };
}

/** The largest documented example of any provider (by UTF-8 bytes). */
export function largestDocumented(lib: Lib): { provider: ProviderName; type: string; text: string; size: number } {
  let best: { provider: ProviderName; type: string; text: string; size: number } | undefined;
  for (const provider of PROVIDERS) {
    const events = lib.providers[provider].events as Record<string, { example: string }>;
    for (const [type, entry] of Object.entries(events)) {
      if (entry.example !== 'documented') continue;
      const text = JSON.stringify((lib.examples[provider] as Record<string, unknown>)[type]);
      const size = Buffer.byteLength(text);
      if (!best || size > best.size) best = { provider, type, text, size };
    }
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

export async function makeDelivery(
  lib: Lib,
  provider: ProviderName,
  type: string,
  payload: unknown,
  maxBodyBytes?: number,
  text = JSON.stringify(payload),
): Promise<Delivery> {
  const body = Buffer.from(text);
  const method = 'POST';
  const url = `/webhooks/${provider}?tenant=42`;
  const signed = await lib.sign(provider, { type, body, method, url } as never, SECRET);
  const headers = { ...SERVER_HEADERS, 'content-length': String(body.length), ...signed };
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

/** The floor's signature check (HMAC with a prepared key, timingSafeEqual), then `read` on the body. */
function verifiedThen(lib: Lib, delivery: Delivery, read: (body: Buffer) => unknown): () => unknown {
  const transport = lib.providers[delivery.provider].transport;
  const algorithm = definitions[delivery.provider].signature.algorithm === 'SHA-1' ? 'sha1' : 'sha256';
  const { body, headers } = delivery;
  const key = createSecretKey(Buffer.from(delivery.secret, 'utf8'));
  const signatureHeader = transport.signature.header;
  const timestampHeader = transport.timestamp?.in === 'header' ? transport.timestamp.header : undefined;
  const label = /^sha(1|256)=/;
  return () => {
    const claimed = Buffer.from(headers[signatureHeader]!.replace(label, ''), 'hex');
    const hmac = createHmac(algorithm, key);
    if (timestampHeader !== undefined) hmac.update(`${delivery.method}${delivery.url}${headers[timestampHeader]}`);
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
