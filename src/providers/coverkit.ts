/**
 * CoverKit webhooks: payload types, event catalog, examples, validation and receipt.
 *
 * @example
 * import { receive } from 'insurance-webhooks/coverkit';
 * const event = await receive({ body: rawBody, headers: req.headers }, { secret: process.env.COVERKIT_WEBHOOK_SECRET! });
 * if (event.type === 'policy.created') console.log(event.payload.data.premium);
 */
import { coverkit as catalog } from '../../generated/coverkit/index.js';
import { bindProvider } from '../core/bind.js';
import type { WebhookEvent } from '../core/event.js';
import { defineProvider, randomHex } from '../core/provider.js';
import { bodyHmac, timestampedHmac } from '../core/signature.js';

export type * from '../../generated/coverkit/types.js';
export { coverkitExamples as examples } from '../../generated/coverkit/examples.js';
export * from '../core/public.js';

/**
 * coverkit-webhooks.txt names the `coverkit-signature` header and an SDK call
 * `coverkit.webhooks.verify(payload, signature, secret)`, but not the algorithm. Decision (README,
 * "CoverKit signature scheme"): hex HMAC-SHA256 of the raw body — the docs show no timestamp header
 * and a single signature value, and this is the common form of such a header. `sha256=` before the
 * hex is tolerated. If CoverKit turns out to sign differently, pass `signature:` to receive() and
 * sign(), e.g. `coverkitTimestampedScheme` for a Stripe-style `t=…,v1=…` header.
 */
export const definition = defineProvider(
  catalog,
  bodyHmac({ name: 'coverkit-hmac-sha256', algorithm: 'SHA-256', encodings: ['hex'], label: 'sha256=', labelOptional: true }),
  () => `evt_${randomHex(12)}`,
);

/** The alternative reading of CoverKit's SDK (Stripe's shape): `coverkit-signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const coverkitTimestampedScheme = timestampedHmac('coverkit-t-v1');

/** A verified CoverKit delivery, discriminated on `type`. */
export type CoverkitEvent = WebhookEvent<'coverkit'>;
/** The CoverKit catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'coverkit'>(definition);
