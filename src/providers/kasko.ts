// KASKO: everything this package knows about the provider that is not in schemas/kasko/: its
// signature scheme and what makes a delivery new (delivery ids, test-delivery identity). The default
// export is its definition, which the generated registry (src/providers/index.ts) and entry point
// (src/entries/kasko.ts) bind; its named exports are public through that entry point.
import { kasko as catalog } from '../../generated/kasko/index.js';
import { defineProvider, randomAlphanumeric, randomHex, stableHex } from '../core/provider.js';
import { bodyHmac } from '../core/signature.js';

/**
 * kasko-webhooks.md, "Checking signatures": `'sha1=' . hash_hmac('sha1', $payload, $endpoint_secret)`,
 * compared with `!==`: lower-case hex (what `hash_hmac` writes) and the `sha1=` label, exactly as
 * written; another spelling of the MAC (upper-case hex) does not verify. Delivery ids are a GUID without dashes.
 *
 * Identity of test deliveries: `X-KASKO-Delivery` is not signed, so receivers deduplicate on the
 * event type and the signed body (README, "Threat model"): a new delivery needs a new body. Fresh:
 * a new object `id` (`lpol_` + 28 letters and digits, the 33 characters the docs describe) and a new
 * header id; the rest as documented. Pinned to the example: the body unchanged and the docs' own
 * header value for `policy.created` (their "Headers" table pairs the two), a fixed id derived from
 * the name for the other events.
 */
export default defineProvider(
  catalog,
  bodyHmac({ name: 'kasko-hmac-sha1', algorithm: 'SHA-1', encodings: ['hex'], label: 'sha1=' }),
  {
    newDeliveryId: () => randomHex(16),
    exampleDeliveryId: (type) => (type === 'policy.created' ? 'baf59150f9a60c1c0e6a700e6f531676' : stableHex(`kasko ${type}`, 16)),
    freshIdentity: (payload) => ({ ...payload, id: `lpol_${randomAlphanumeric(28)}` }),
  },
);
