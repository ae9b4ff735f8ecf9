/**
 * InsurUp webhooks: payload types, event catalog, examples, validation and receipt.
 *
 * @example
 * import { receive } from 'insurance-webhooks/insurup';
 * const event = await receive({ body: rawBody, headers: req.headers }, { secret: process.env.INSURUP_WEBHOOK_SECRET! });
 * if (event.type === 'proposal_premium.purchasing') console.log(event.payload.paymentType);
 */
import { insurup as catalog } from '../../generated/insurup/index.js';
import { bindProvider } from '../core/bind.js';
import type { WebhookEvent } from '../core/event.js';
import { defineProvider } from '../core/provider.js';
import { bodyHmac } from '../core/signature.js';

export type * from '../../generated/insurup/types.js';
export { insurupExamples as examples } from '../../generated/insurup/examples.js';
export * from '../core/public.js';

/**
 * insurup-webhooks.md, "Signature Validasyonu": HMAC-SHA256 of the payload with the secret. The
 * Python, JavaScript, PHP and C# samples compare lower-case hex (C# lower-cases the received
 * value); the Java sample produces Base64. Decision: accept hex in any case and Base64 (with or
 * without padding); `sign()` sends lower-case hex like four of the five samples. The header is sent
 * only when the webhook has a secret: see `allowUnsigned`. Delivery ids: UUIDs (format undocumented).
 */
export const definition = defineProvider(
  catalog,
  bodyHmac({ name: 'insurup-hmac-sha256', algorithm: 'SHA-256', encodings: ['hex', 'base64'] }),
  () => globalThis.crypto.randomUUID(),
);

/** A verified InsurUp delivery, discriminated on `type`. */
export type InsurupEvent = WebhookEvent<'insurup'>;
/** The InsurUp catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'insurup'>(definition);
