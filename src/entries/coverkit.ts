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
import { definition } from '../providers/coverkit.js';

export type * from '../../generated/coverkit/types.js';
export { coverkitExamples as examples } from '../../generated/coverkit/examples.js';
export * from '../core/public.js';
export { coverkitTimestampedScheme } from '../providers/coverkit.js';

/** A verified CoverKit delivery, discriminated on `type`. */
export type CoverkitEvent = WebhookEvent<'coverkit'>;
/** The CoverKit catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'coverkit'>(definition);
