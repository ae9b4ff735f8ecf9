import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lintSchemaTree, loadSchemaTree, pascalCase } from '../scripts/lib/schema-files.js';
import { closeObjects, createAjv, rewriteRequires } from '../scripts/lib/validators.js';

const standaloneCode = createRequire(import.meta.url)('ajv/dist/standalone').default;
// Inside the repo so that the generated module resolves `ajv` from node_modules, as a consumer's would.
const cacheDir = new URL('../node_modules/.cache', import.meta.url).pathname;
mkdirSync(cacheDir, { recursive: true });
const scratch = mkdtempSync(join(cacheDir, 'gen-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('ajv standalone output', () => {
  it('loads as ESM even when ajv emits require() for runtime helpers', async () => {
    const ajv = createAjv();
    ajv.addSchema({ $id: 'https://example.test/s.json', type: 'object', properties: { name: { type: 'string', minLength: 2 }, tags: { type: 'array', uniqueItems: true } } });
    const raw: string = standaloneCode(ajv, { check: 'https://example.test/s.json' });
    expect(raw).toMatch(/require\("ajv\/dist\/runtime\//);
    const { code, imports } = rewriteRequires(raw);
    expect(code).not.toMatch(/require\(/);
    const file = join(scratch, 'validators.mjs');
    writeFileSync(file, [...imports, code].join('\n'));
    const { check } = await import(pathToFileURL(file).href);
    expect(check({ name: 'ok', tags: [1, 2] })).toBe(true);
    expect(check({ name: '😀' })).toBe(false); // ucs2length counts the emoji as one character
    expect(check({ tags: [1, 1] })).toBe(false);
  });
});

describe('closeObjects (strict variant)', () => {
  it('closes described objects, keeps declared-open ones open, leaves values alone', () => {
    const schema = {
      $id: 'https://insurance-webhooks.dev/schemas/x/y.schema.json',
      type: 'object',
      properties: { a: { type: 'object', properties: {} }, meta: { type: 'object', additionalProperties: true } },
      const: { properties: {} },
    };
    expect(closeObjects(schema)).toEqual({
      $id: 'https://insurance-webhooks.dev/schemas/strict/x/y.schema.json',
      type: 'object',
      properties: { a: { type: 'object', properties: {}, additionalProperties: false }, meta: { type: 'object', additionalProperties: true } },
      const: { properties: {} },
      additionalProperties: false,
    });
  });
});

describe('schema conventions', () => {
  const tree = loadSchemaTree(new URL('../schemas', import.meta.url).pathname);

  it('hold for the committed schemas', () => {
    expect(lintSchemaTree(tree)).toEqual([]);
  });

  it('catch a schema whose title, event name or provenance drifted', () => {
    const broken = structuredClone(tree);
    const event = broken.providers.find((p) => p.name === 'kasko')!.events[0]!;
    event.schema.title = 'KaskoWrong';
    delete event.schema['x-source'];
    const problems = lintSchemaTree(broken);
    expect(problems.slice(0, 2).join('\n')).toMatch(/title must be KaskoOfferCreated[\s\S]*x-source \{ doc, section \} is required/);
    // Without its source, the event's own constraints are unmarked too (test/schema-policy.test.ts).
    expect(problems.slice(2).every((p) => / has neither x-source \(documented\) nor x-inferred/.test(p))).toBe(true);
  });

  it('names types in PascalCase', () => {
    expect(pascalCase('insurup') + pascalCase('proposal_premium.purchase_failed')).toBe('InsurupProposalPremiumPurchaseFailed');
  });
});
