// Type-level tests: checked by `npm run typecheck` (tsc), which fails on an unused @ts-expect-error.
import { describe, expectTypeOf, it } from 'vitest';
import {
  validate,
  type EventType,
  type KaskoPolicyCreated,
  type InsurupProposalPremiumPurchasing,
  type CoverkitClaimPaid,
  type WebhookEvent,
} from '../src/index.js';
import { validate as validateKasko, type KaskoEvent, type KaskoEventMap } from '../src/entries/kasko.js';

declare const kaskoEvent: WebhookEvent<'kasko'>;
declare const anyEvent: WebhookEvent;

describe('types', () => {
  it('narrow the payload by event type', () => {
    if (kaskoEvent.type === 'policy.created') {
      expectTypeOf(kaskoEvent.payload).toEqualTypeOf<KaskoPolicyCreated>();
      expectTypeOf(kaskoEvent.payload.gross_premium).toEqualTypeOf<number>();
      // @ts-expect-error a typo in a field name does not compile
      kaskoEvent.payload.gross_premum;
      // @ts-expect-error offer-only fields are not on policy events
      kaskoEvent.payload.payment_token;
    }
    if (kaskoEvent.type === 'offer.created') expectTypeOf(kaskoEvent.payload.payment_token).toEqualTypeOf<string>();
    if (anyEvent.provider === 'insurup' && anyEvent.type === 'proposal_premium.purchasing') {
      expectTypeOf(anyEvent.payload).toEqualTypeOf<InsurupProposalPremiumPurchasing>();
    }
    if (anyEvent.provider === 'coverkit' && anyEvent.type === 'claim.paid') {
      expectTypeOf(anyEvent.payload.data.id).toEqualTypeOf<string | undefined>();
      expectTypeOf(anyEvent.payload.type).toEqualTypeOf<'claim.paid'>();
    }
    expectTypeOf<KaskoEvent>().toEqualTypeOf<WebhookEvent<'kasko'>>();
  });

  it('type validate() results by provider and event', () => {
    const result = validate('kasko', 'policy.created', {});
    if (result.ok) {
      expectTypeOf(result.value).toEqualTypeOf<KaskoPolicyCreated>();
      // @ts-expect-error closed type
      result.value.not_a_field;
    }
    const bound = validateKasko('policy.created', {});
    if (bound.ok) expectTypeOf(bound.value).toEqualTypeOf<KaskoEventMap['policy.created']>();
    const claim = validate('coverkit', 'claim.paid', {});
    if (claim.ok) expectTypeOf(claim.value).toEqualTypeOf<CoverkitClaimPaid>();
    // @ts-expect-error not a KASKO event
    validate('kasko', 'proposal_premium.purchasing', {});
    // @ts-expect-error not a provider
    validate('allianz', 'policy.created', {});
    expectTypeOf<EventType<'axitech'>>().toEqualTypeOf<'session.submitted' | 'submission.created'>();
  });

  it('keep documented-open objects open, and say what else is accepted', () => {
    if (kaskoEvent.type === 'policy.created') {
      const { metadata } = kaskoEvent.payload;
      // An empty map from a PHP sender arrives as [] and is accepted, so the type says so.
      expectTypeOf(metadata).toEqualTypeOf<{ [k: string]: unknown } | []>();
      if (!Array.isArray(metadata)) expectTypeOf(metadata['any-key']).toEqualTypeOf<unknown>();
    }
  });
});
