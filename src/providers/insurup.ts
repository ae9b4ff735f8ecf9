// InsurUp: everything this package knows about the provider that is not in schemas/insurup/: its
// signature scheme and what makes a delivery new (delivery ids, test-delivery identity). The default
// export is its definition, which the generated registry (src/providers/index.ts) and entry point
// (src/entries/insurup.ts) bind; its named exports are public through that entry point.
import { insurup as catalog } from '../../generated/insurup/index.js';
import { defineProvider, randomAlphanumeric, stableHex } from '../core/provider.js';
import { bodyHmac } from '../core/signature.js';

/**
 * The pinned delivery id of an event: a UUID derived from its name, version 8 ("custom", RFC 9562)
 * since it is deterministic, not random.
 */
const pinnedUuid = (type: string) => {
  const hex = stableHex(`insurup ${type}`, 16);
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
};

/**
 * insurup-webhooks.md, "Signature Validasyonu": HMAC-SHA256 of the payload with the secret. The
 * Python, JavaScript, PHP and C# samples compare lower-case hex (C# lower-cases the received
 * value); the Java sample produces Base64 (`Base64.getEncoder()`: padded). Decision: accept hex in
 * any case (the C# sample does) and Base64 exactly as Java writes it, padding included (no other
 * spelling of the MAC); `sign()` sends lower-case hex like four of the five samples. The header is sent
 * only when the webhook has a secret: see `allowUnsigned`. Delivery and webhook ids (`x-webhook-id`):
 * UUIDs (format undocumented: a decision).
 *
 * Identity of test deliveries: `x-webhook-delivery` is not signed, so receivers deduplicate async
 * events on the event type and the signed body (README, "Threat model"): a new delivery needs a new
 * body. Fresh: a new `proposalId` (24 lower-case letters and digits, like the docs'
 * `673afd15f11de64fe1f2bjdb`) and a new header id. The docs show no delivery id value; pinned to
 * the example, the body is unchanged and the header a fixed UUID per event (`pinnedUuid`).
 */
export default defineProvider(
  catalog,
  bodyHmac({ name: 'insurup-hmac-sha256', algorithm: 'SHA-256', encodings: ['hex', 'base64'], hexCase: 'any' }),
  {
    newDeliveryId: () => globalThis.crypto.randomUUID(),
    newWebhookId: () => globalThis.crypto.randomUUID(),
    exampleDeliveryId: pinnedUuid,
    freshIdentity: (payload) => ({ ...payload, proposalId: randomAlphanumeric(24).toLowerCase() }),
  },
);
