import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { examples, providers } from '../src/index.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('docs/asyncapi.yaml', () => {
  it('is a valid AsyncAPI 3.0 document for the official parser, with every event as a message', async () => {
    const { document, diagnostics } = await new Parser().parse(read('docs/asyncapi.yaml'));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const names = document!.messages().all().map((m) => m.name()).sort();
    const expected = Object.values(providers).flatMap((p) => Object.keys(p.events)).sort();
    expect(names).toEqual(expected);
    expect(document!.channels().all().map((c) => c.address()).sort()).toEqual(['/webhooks/axitech', '/webhooks/coverkit', '/webhooks/insurup', '/webhooks/kasko']);
  }, 30_000);

  it('carries each documented example unchanged', async () => {
    const { document } = await new Parser().parse(read('docs/asyncapi.yaml'));
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
  it('marks inferred fields with the reason', () => {
    expect(markdown).toMatch(/\| `data\.key` \| string \| no \| .* \| inferred: The property list names a data-level 'key: string'/);
    expect(markdown).toMatch(/\| `gross_premium` \| integer \| yes \|/);
  });
});
