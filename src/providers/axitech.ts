// Axitech: everything this package knows about the provider that is not in schemas/axitech/: its
// signature scheme and what makes a delivery new (delivery ids, test-delivery identity). The default
// export is its definition, which the generated registry (src/providers/index.ts) and entry point
// (src/entries/axitech.ts) bind; its named exports are public through that entry point.
import { axitech as catalog } from '../../generated/axitech/index.js';
import { encodeHex, decodeHex } from '../core/crypto.js';
import { defineProvider, randomAlphanumeric, utcSeconds } from '../core/provider.js';
import type { SignatureScheme } from '../core/signature.js';

/**
 * axitech-webhooks.txt, "Implementation Example": `createHmac('SHA256', secret)`, updated with
 * `${method.toUpperCase()}${url}${timestamp}` and then the raw body, `digest('hex')`. The sample
 * compares with `!==`, so only lower-case hex (what `digest('hex')` writes) verifies. The docs
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

/** A field of a parsed body that may not match the schema (an invalid delivery has a key too). */
const field = (object: unknown, key: string): unknown => (object !== null && typeof object === 'object' ? (object as Record<string, unknown>)[key] : undefined);

/**
 * Axitech sends no delivery id. Decision: `deliveryId` is undefined; deduplicate on the payload
 * (see README, "Idempotency"): `event_type` + `data.sessionId` + `created_at`, which the docs'
 * "receivers must be idempotent: retries and duplicate deliveries happen" implies a retry repeats,
 * and which a new event (another session, or the same session later) does not.
 * `newDeliveryId` is unused by `sign()` (no header to fill).
 *
 * Identity of test deliveries: receivers key on `event_type` + `data.sessionId` + `created_at`
 * (`defaultIdempotencyKey`). A fresh `created_at` (now, `YYYY-MM-DDTHH:mm:ssZ` like the example)
 * alone is not enough: it has one-second resolution, so two test sends within a second would still
 * be one event. Decision: also a fresh `data.sessionId`, 20 random letters and digits like the
 * example's `52nmBydtBQpGYjXGWXu3` (62^20 values: no collision in practice). That is also what a
 * new event really is: another submitted session. `data.date` (the claim date) stays as documented.
 */
export default defineProvider(catalog, scheme, {
  newDeliveryId: () => '',
  freshIdentity: (payload, now) => ({ ...payload, created_at: utcSeconds(now), data: { ...payload.data, sessionId: randomAlphanumeric(20) } }),
  bodyIdempotencyKey: (payload) => {
    const parts = [field(payload, 'event_type'), field(field(payload, 'data'), 'sessionId'), field(payload, 'created_at')];
    return parts.every((part) => typeof part === 'string' && part !== '') ? parts.join(':') : undefined;
  },
});
