// Every mutated module loads, and what it builds at load time is right. The imports are inside the
// tests on purpose: a module that throws while loading (a provider whose scheme name no longer
// matches its provider.json, a TextDecoder with a bad label) then fails these tests instead of
// failing every file that imports it before any test runs, which a test runner may not count
// as a failed test at all (docs/testing-strength.md).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every module of the mutated folders (read from disk, so a new or renamed module is covered too).
const SRC = join(import.meta.dirname, '../src');
const MUTATED = [
  ...['core', 'providers', 'idempotency'].flatMap((dir) => readdirSync(join(SRC, dir)).filter((file) => file.endsWith('.ts')).map((file) => `${dir}/${file.slice(0, -3)}`)),
  'router/idempotency',
  'router/sync',
  'index',
];
const MODULES: Record<string, () => Promise<unknown>> = Object.fromEntries(
  MUTATED.map((name) => [name, () => import(pathToFileURL(join(SRC, `${name}.ts`)).href)]),
);

describe('the mutated modules load', () => {
  it.each(Object.keys(MODULES))('src/%s.ts', async (name) => {
    await expect(MODULES[name]!()).resolves.toBeDefined();
  });
});

describe('what the provider modules declare at load time', () => {
  it('four providers, each with the signature scheme its provider.json names', async () => {
    const { definitions } = await import('../src/providers/index.js');
    expect(Object.keys(definitions).sort()).toEqual(['axitech', 'coverkit', 'insurup', 'kasko']);
    const schemes = Object.fromEntries(Object.entries(definitions).map(([name, definition]) => [name, [definition.signature.name, definition.catalog.transport.signature.scheme, definition.signature.algorithm]]));
    expect(schemes).toEqual({
      axitech: ['axitech-hmac-sha256', 'axitech-hmac-sha256', 'SHA-256'],
      coverkit: ['coverkit-hmac-sha256', 'coverkit-hmac-sha256', 'SHA-256'],
      insurup: ['insurup-hmac-sha256', 'insurup-hmac-sha256', 'SHA-256'],
      kasko: ['kasko-hmac-sha1', 'kasko-hmac-sha1', 'SHA-1'],
    });
    const { coverkitTimestampedScheme } = await import('../src/providers/coverkit.js');
    expect([coverkitTimestampedScheme.name, coverkitTimestampedScheme.algorithm, coverkitTimestampedScheme.timestamp]).toEqual(['coverkit-t-v1', 'SHA-256', 'signature']);
  });

  it('defineProvider refuses a module whose scheme is not the one provider.json names, or a header delivery id without an example id, or a header webhook id without newWebhookId', async () => {
    const { defineProvider } = await import('../src/core/provider.js');
    const { bodyHmac } = await import('../src/core/signature.js');
    const { kasko } = await import('../generated/kasko/index.js');
    const { coverkit } = await import('../generated/coverkit/index.js');
    const identity = { newDeliveryId: () => 'id', freshIdentity: <T>(payload: T) => payload };
    const scheme = (name: string) => bodyHmac({ name, algorithm: 'SHA-1', encodings: ['hex'] });
    expect(() => defineProvider(kasko, scheme('other'), { ...identity, exampleDeliveryId: () => 'x' })).toThrow(new Error('kasko: provider.json names scheme "kasko-hmac-sha1", the module implements "other"'));
    expect(() => defineProvider(kasko, scheme('kasko-hmac-sha1'), identity)).toThrow(new Error('kasko: the delivery id is a header, so the module must give an exampleDeliveryId'));
    const withExample = defineProvider(kasko, scheme('kasko-hmac-sha1'), { ...identity, exampleDeliveryId: (type) => `example ${type}` });
    expect(withExample.exampleDeliveryId('policy.created')).toBe('example policy.created');
    // CoverKit's delivery id is in the body: no example id needed, and none given back.
    const bodyId = defineProvider(coverkit, scheme('coverkit-hmac-sha256'), identity);
    expect(bodyId.exampleDeliveryId('policy.created')).toBeUndefined();
    expect(bodyId.bodyIdempotencyKey({ id: 'x' })).toBeUndefined();
    // InsurUp sends a webhook id header: sign() must be able to make one.
    const { insurup } = await import('../generated/insurup/index.js');
    const insurupScheme = bodyHmac({ name: 'insurup-hmac-sha256', algorithm: 'SHA-256', encodings: ['hex'] });
    const insurupIdentity = { ...identity, exampleDeliveryId: (type: string) => `example ${type}` };
    expect(() => defineProvider(insurup, insurupScheme, insurupIdentity)).toThrow(new Error('insurup: the webhook id is a header, so the module must give a newWebhookId'));
    expect(defineProvider(insurup, insurupScheme, { ...insurupIdentity, newWebhookId: () => 'w-1' }).newWebhookId()).toBe('w-1');
    expect(withExample.newWebhookId()).toBeUndefined(); // KASKO sends none
  });
});
