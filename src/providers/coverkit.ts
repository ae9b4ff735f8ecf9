// CoverKit: everything this package knows about the provider that is not in schemas/coverkit/: its
// signature scheme and what makes a delivery new (delivery ids, test-delivery identity). The default
// export is its definition, which the generated registry (src/providers/index.ts) and entry point
// (src/entries/coverkit.ts) bind; its named exports are public through that entry point.
import { coverkit as catalog } from '../../generated/coverkit/index.js';
import { defineProvider, randomHex, utcSeconds } from '../core/provider.js';
import { bodyHmac, timestampedHmac } from '../core/signature.js';

/** CoverKit event ids look like the docs' `evt_abc123`: `evt_` + 24 random hex digits. */
const newEventId = () => `evt_${randomHex(12)}`;

/**
 * coverkit-webhooks.txt names the `coverkit-signature` header and an SDK call
 * `coverkit.webhooks.verify(payload, signature, secret)`, but not the algorithm. Decision (README,
 * "CoverKit signature scheme"): hex HMAC-SHA256 of the raw body — the docs show no timestamp header
 * and a single signature value, and this is the common form of such a header. `sha256=` before the
 * hex is tolerated; the hex is lower case, as HMAC libraries write it. If CoverKit turns out to sign differently, pass `signature:` to receive() and
 * sign(), e.g. `coverkitTimestampedScheme` for a Stripe-style `t=…,v1=…` header.
 *
 * Identity of test deliveries: receivers deduplicate on the envelope `id` (a decision: the docs
 * show the id but do not say that a retry repeats it; it is the only id they show, and it is
 * signed), so a new event gets a new `evt_…` id, with `createdAt` = now (whole seconds and `Z`) to
 * go with it. `data` stays as documented: nothing is keyed on it. Pinned to
 * the example, the example's own `id` is the key; there is no delivery id header.
 */
export default defineProvider(
  catalog,
  bodyHmac({ name: 'coverkit-hmac-sha256', algorithm: 'SHA-256', encodings: ['hex'], label: 'sha256=', labelOptional: true }),
  { newDeliveryId: newEventId, freshIdentity: (payload, now) => ({ ...payload, id: newEventId(), createdAt: utcSeconds(now) }) },
);

/** The alternative reading of CoverKit's SDK (Stripe's shape): `coverkit-signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const coverkitTimestampedScheme = timestampedHmac('coverkit-t-v1');
