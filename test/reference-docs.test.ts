import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { SYNC_REPLY } from '../scripts/lib/asyncapi.js';
import { allow, block, createWebhooks, examples, providers, sign } from '../src/index.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const parsed = new Parser().parse(read('docs/asyncapi.yaml'));
const eventNames = Object.values(providers).flatMap((p) => Object.keys(p.events)).sort();

describe('docs/asyncapi.yaml', () => {
  it('is a valid AsyncAPI 3.0 document for the official parser, with every event as a message', async () => {
    const { document, diagnostics } = await parsed;
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const deliveries = document!.channels().all().filter((c) => c.address() !== null);
    expect(deliveries.flatMap((c) => c.messages().all().map((m) => m.name())).sort()).toEqual(eventNames);
    expect(deliveries.map((c) => c.address()).sort()).toEqual(Object.keys(providers).map((provider) => `/webhooks/${provider}`).sort());
    // Every event is received by exactly one operation.
    const received = document!.operations().all().flatMap((o) => o.messages().all().map((m) => m.name()));
    expect(received.sort()).toEqual(eventNames);
  }, 30_000);

  it('keeps every provenance marker in the payloads: documented (x-source) vs decided (x-inferred + $comment)', async () => {
    const { document } = await parsed;
    const payload = document!.messages().all().find((m) => m.id() === 'KaskoPolicyCreated')!.payload()!.json() as any;
    expect(payload['x-required']).toMatch(/example shows/);
    expect(payload.properties.gross_premium).toMatchObject({ type: 'number', 'x-source': { doc: 'kasko-webhooks.md' }, 'x-inferred': expect.stringMatching(/fractions/) });
    expect(payload.properties.gross_premium.$comment).toMatch(/never say amounts are whole/);
    expect(payload.properties.id).not.toHaveProperty('x-inferred'); // documented by the example it is part of
    expect(read('docs/asyncapi.yaml')).not.toMatch(/minor units \(1999 = 19\.99\)/);
  }, 30_000);

  it('models the sync event\'s answer as the operation\'s reply, marked as this package\'s decision, as the endpoint sends it', async () => {
    const { document } = await parsed;
    const sync = document!.operations().all().filter((o) => o.reply() !== undefined);
    expect(sync.map((o) => o.messages().all().map((m) => m.name()))).toEqual([['proposal_premium.purchasing']]);
    const replies = sync[0]!.reply()!.messages().all();
    const answers = Object.fromEntries(replies.map((m) => [m.name(), { status: m.bindings().get('http')!.value().statusCode, payload: m.payload()!.json() as any, example: m.examples().all()[0]!.payload() }]));
    expect(answers.allow).toMatchObject({ status: 200, payload: { required: ['allow'], properties: { allow: { const: true } }, 'x-inferred': expect.any(String) } });
    expect(answers.block).toMatchObject({ status: 422, payload: { required: ['allow', 'reason'], properties: { allow: { const: false }, reason: { type: 'string' } }, 'x-inferred': expect.any(String) } });

    // The document says what a real endpoint answers, and the other way round.
    const secret = 'whsec_reply';
    const body = JSON.stringify(examples.insurup['proposal_premium.purchasing']);
    for (const [name, decision] of [['allow', allow()], ['block', block(SYNC_REPLY.block.body.reason)]] as const) {
      const webhooks = createWebhooks({ providers: { insurup: { secret } } }).on('insurup', 'proposal_premium.purchasing', () => decision);
      const headers = await sign('insurup', { type: 'proposal_premium.purchasing', body }, secret);
      const response = await webhooks.handle('insurup', { body, headers });
      expect({ status: response.status, body: JSON.parse(response.body) }, name).toEqual({ status: answers[name].status, body: answers[name].example });
    }
  }, 30_000);

  it('carries each documented example unchanged', async () => {
    const { document } = await parsed;
    const message = document!.messages().all().find((m) => m.id() === 'InsurupProposalPremiumReceived')!;
    expect(message.examples().all()[0]!.payload()).toEqual(examples.insurup['proposal_premium.received']);
  }, 30_000);
});

describe('docs/events.md', () => {
  const markdown = read('docs/events.md');
  it('has a section, a field table and the example for every event', () => {
    for (const provider of Object.values(providers)) {
      for (const entry of Object.values(provider.events)) {
        const section = markdown.split(`### ${provider.displayName} \`${entry.type}\``)[1]?.split('\n### ')[0];
        expect(section, `${provider.name} ${entry.type}`).toBeDefined();
        expect(section).toContain('| field | type | required |');
        expect(section).toContain(JSON.stringify((examples as Record<string, Record<string, unknown>>)[provider.name]![entry.type], null, 2));
      }
    }
  });
  it('shows each field as documented (with its source) or decided (what, and why)', () => {
    expect(markdown).toMatch(/\| `data\.key` \| string \| no \| .* \| decided \| The property list names a data-level 'key: string'.* Why: /);
    expect(markdown).toMatch(/\| `gross_premium` \| number \| yes \| .* \| decided \| Any number, fractions included .* Why: The docs show whole numbers/);
    expect(markdown).toMatch(/\| `policy_id` \| string \| yes \| .* \| documented \| kasko-webhooks\.md › Events › Policy created/);
    expect(markdown).toContain('- required fields (decided here): Every field the docs\' example shows.');
    expect(markdown).not.toMatch(/integer minor units/);
  });
});

describe('generated TypeScript doc comments', () => {
  const types = (provider: string) => read(`generated/${provider}/types.ts`);
  const commentOf = (source: string, declaration: string) => source.split(declaration)[0]!.split('/**').at(-1)!;
  it('state a decision as a decision, never as a fact', () => {
    expect(commentOf(types('kasko'), 'export type KaskoMoney')).toMatch(/Documented: kasko-webhooks\.md[\s\S]*Decided here, not in the docs[\s\S]*Why: /);
    expect(types('kasko')).not.toMatch(/integer minor units/);
    const eventId = commentOf(types('coverkit'), 'export type CoverkitEventId');
    expect(eventId).toContain('Documented: coverkit-webhooks.txt › Webhook Payload ("id": "evt_abc123")');
    expect(eventId).not.toMatch(/[Rr]etries/); // a decision about deduplication, recorded in provider.json
    expect(commentOf(types('axitech'), 'export interface AxitechSubmissionCreated')).toMatch(/Decided here, not in the docs[\s\S]*example value of event_type/);
  });
});
