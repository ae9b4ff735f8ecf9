// KASKO: everything this package knows about the provider that is not in schemas/kasko/: its
// signature scheme and what makes a delivery new (delivery ids, test-delivery identity). Internal:
// the public entry point is src/entries/kasko.ts; the registry is src/providers/index.ts.
import { kasko as catalog } from '../../generated/kasko/index.js';
import { defineProvider, headerIdentity, randomHex, stableHex } from '../core/provider.js';
import { bodyHmac } from '../core/signature.js';

/**
 * kasko-webhooks.md, "Checking signatures": `'sha1=' . hash_hmac('sha1', $payload, $endpoint_secret)`,
 * compared with `!==`. Decision: the hex is compared as bytes, so upper-case hex also verifies (it
 * is the same MAC); the `sha1=` label is required as written. Delivery ids are a GUID without dashes.
 *
 * Identity of test deliveries: receivers deduplicate on `X-KASKO-Delivery` alone, and the body has
 * no delivery id, so a fresh header (what `sign()` sends by default) makes a new delivery. Pinned to
 * the example: the docs' own value for `policy.created` (their "Headers" table pairs the two), a
 * fixed id derived from the name for the other events, so that two events never share an id.
 */
export const definition = defineProvider(
  catalog,
  bodyHmac({ name: 'kasko-hmac-sha1', algorithm: 'SHA-1', encodings: ['hex'], label: 'sha1=' }),
  {
    newDeliveryId: () => randomHex(16),
    exampleDeliveryId: (type) => (type === 'policy.created' ? 'baf59150f9a60c1c0e6a700e6f531676' : stableHex(`kasko ${type}`, 16)),
    freshIdentity: headerIdentity,
  },
);
