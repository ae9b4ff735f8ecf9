/**
 * Axitech (Widget Webhook Service) webhooks: payload types, event catalog, examples, validation and receipt.
 *
 * @example
 * import { receive } from 'insurance-webhooks/axitech';
 * const event = await receive(
 *   { body: req.rawBody, headers: req.headers, method: req.method, url: req.originalUrl },
 *   { secret: process.env.AXITECH_WEBHOOK_SECRET! },
 * );
 */
import { axitech as catalog } from '../../generated/axitech/index.js';
import { bindProvider } from '../core/bind.js';
import { encodeHex, decodeHex } from '../core/crypto.js';
import type { WebhookEvent } from '../core/event.js';
import { defineProvider } from '../core/provider.js';
import type { SignatureScheme } from '../core/signature.js';

export type * from '../../generated/axitech/types.js';
export { axitechExamples as examples } from '../../generated/axitech/examples.js';
export * from '../core/public.js';

/**
 * axitech-webhooks.txt, "Implementation Example": `createHmac('SHA256', secret)`, updated with
 * `${method.toUpperCase()}${url}${timestamp}` and then the raw body, `digest('hex')`. The sample
 * compares with `!==`; decision: hex is compared as bytes, so its case does not matter. The docs
 * never show an `x-aw-timestamp` value: Unix seconds, milliseconds and ISO-8601 are accepted, and
 * the replay window applies in both directions (`toleranceSeconds`).
 */
const scheme: SignatureScheme = {
  name: 'axitech-hmac-sha256',
  algorithm: 'SHA-256',
  signsRequestLine: true,
  timestamp: 'header',
  parse: (value) => {
    const mac = decodeHex(value, 32);
    return mac && { macs: [mac] };
  },
  prefix: ({ method, url, timestamp }) => `${method}${url}${timestamp}`,
  format: (mac) => encodeHex(mac),
};

/**
 * Axitech sends no delivery id. Decision: `deliveryId` is undefined; deduplicate on the payload
 * (see README, "Idempotency"). `newDeliveryId` is unused by `sign()` (no header to fill).
 */
export const definition = defineProvider(catalog, scheme, () => '');

/** A verified Axitech delivery, discriminated on `type`. */
export type AxitechEvent = WebhookEvent<'axitech'>;
/** The Axitech catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'axitech'>(definition);
