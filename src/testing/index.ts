/**
 * `insurance-webhooks/testing`: helpers for contract tests of your webhook endpoint. Runner-agnostic
 * (no vitest, jest or fast-check import); property-test arbitraries live in
 * `insurance-webhooks/testing/fast-check`.
 *
 * @example
 * import { createDelivery } from 'insurance-webhooks/testing';
 * const d = await createDelivery('kasko', 'policy.created', { secret });
 * const res = await request(app).post(d.url).set(d.headers).send(d.body);
 * expect(res.status).toBe(200);
 */
export { createDelivery, type Delivery, type DeliveryIdentityMode, type DeliveryOptions, type DeepPartial } from './delivery.js';
export {
  assertConforms,
  conformanceErrors,
  ConformanceError,
  webhookMatchers,
  type MatcherResult,
  type WebhookMatchers,
} from './assertions.js';
