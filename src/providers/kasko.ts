/**
 * KASKO webhooks: payload types, event catalog, examples, validation and receipt.
 *
 * @example
 * import { receive } from 'insurance-webhooks/kasko';
 * const event = await receive({ body: rawBody, headers: req.headers }, { secret: process.env.KASKO_WEBHOOK_SECRET! });
 * if (event.type === 'policy.created') console.log(event.payload.policy_id);
 */
import { kasko as catalog } from '../../generated/kasko/index.js';
import { bindProvider } from '../core/bind.js';
import { defineProvider, randomHex } from '../core/provider.js';
import { bodyHmac } from '../core/signature.js';
import type { WebhookEvent } from '../core/event.js';

export type * from '../../generated/kasko/types.js';
export { kaskoExamples as examples } from '../../generated/kasko/examples.js';
export * from '../core/public.js';

/**
 * kasko-webhooks.md, "Checking signatures": `'sha1=' . hash_hmac('sha1', $payload, $endpoint_secret)`,
 * compared with `!==`. Decision: the hex is compared as bytes, so upper-case hex also verifies (it
 * is the same MAC); the `sha1=` label is required as written. Delivery ids are a GUID without dashes.
 */
export const definition = defineProvider(
  catalog,
  bodyHmac({ name: 'kasko-hmac-sha1', algorithm: 'SHA-1', encodings: ['hex'], label: 'sha1=' }),
  () => randomHex(16),
);

/** A verified KASKO delivery, discriminated on `type`. */
export type KaskoEvent = WebhookEvent<'kasko'>;
/** The KASKO catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'kasko'>(definition);
