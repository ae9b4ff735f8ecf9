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
import type { WebhookEvent } from '../core/event.js';
import { definition } from '../providers/axitech.js';

export type * from '../../generated/axitech/types.js';
export { axitechExamples as examples } from '../../generated/axitech/examples.js';
export * from '../core/public.js';

/** A verified Axitech delivery, discriminated on `type`. */
export type AxitechEvent = WebhookEvent<'axitech'>;
/** The Axitech catalog: transport (headers) and every event with its provenance. */
export { catalog };
export const { validate, receive, receiveSync, sign } = bindProvider<'axitech'>(definition);
