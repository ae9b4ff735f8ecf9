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
import { definition } from '../providers/insurup.js';

export type * from '../../generated/insurup/types.js';
export { insurupExamples as examples } from '../../generated/insurup/examples.js';
export * from '../core/public.js';

/** A verified InsurUp delivery, discriminated on `type`. */
export type InsurupEvent = WebhookEvent<'insurup'>;
/** The InsurUp catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'insurup'>(definition);
