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
import type { WebhookEvent } from '../core/event.js';
import { definition } from '../providers/kasko.js';

export type * from '../../generated/kasko/types.js';
export { kaskoExamples as examples } from '../../generated/kasko/examples.js';
export * from '../core/public.js';

/** A verified KASKO delivery, discriminated on `type`. */
export type KaskoEvent = WebhookEvent<'kasko'>;
/** The KASKO catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'kasko'>(definition);
