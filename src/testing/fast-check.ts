/**
 * `insurance-webhooks/testing/fast-check`: fast-check arbitraries of schema-valid payloads, for
 * property tests that go beyond the one documented example (every optional field present or not,
 * any string a pattern allows, Unicode, large safe integers, open objects with arbitrary keys).
 *
 * Built from the package's own JSON Schemas (`schemas/<provider>/`), read when first used, so they
 * generate exactly what the validators accept. Needs the optional peer dependency `fast-check`.
 *
 * @example
 * import fc from 'fast-check';
 * import { payloadArbitrary } from 'insurance-webhooks/testing/fast-check';
 * fc.assert(fc.property(payloadArbitrary('kasko', 'policy.created'), (payload) => {
 *   expect(toInvoice(payload).total).toBe(payload.gross_premium);
 * }));
 */
import fc, { type Arbitrary } from 'fast-check';
import type { EventPayload, EventType, Provider, WebhookEvent } from '../core/event.js';
import { catalogEntry } from '../core/provider-api.js';
import { escapePointer } from '../core/pointer.js';
import { providerCatalog } from '../index.js';
import { resolveRef } from '../schema-tree.js';
import { readPackageJson } from './package-files.js';

export interface PayloadArbitraryOptions {
  /**
   * Add at least one property the schema does not describe to every object strict mode closes:
   * payloads a provider may send once it adds a field. They pass `validate()` and fail
   * `validate(…, { strict: true })`, so a receiver can be shown to tolerate them. Default false.
   */
  unknownProperties?: boolean;
  /** Longest generated array (where the schema sets no `maxItems`). Default 3. */
  maxArrayLength?: number;
  /** Longest generated string without a `pattern`, in graphemes. Default 24. */
  maxStringLength?: number;
}

type Schema = { readonly [keyword: string]: unknown };

/** Where the generator is in the schemas, for `$ref`s relative to the current file and for error messages. */
interface Position {
  provider: string;
  file: string;
  pointer: string;
}

interface Settings {
  unknownProperties: boolean;
  maxArrayLength: number;
  maxStringLength: number;
}

// Keywords that change what is valid, and that this generator honours. Any other such keyword makes
// it throw rather than silently generate values the validators would refuse.
const CONSTRAINTS = new Set(['$ref', 'allOf', 'anyOf', 'const', 'enum', 'type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'pattern', 'minimum', 'maximum']);
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', 'definitions', 'readOnly', 'writeOnly']);

const where = (at: Position) => `schemas/${at.provider}/${at.file}#${at.pointer}`;
const unsupported = (at: Position, what: string) =>
  new Error(`insurance-webhooks/testing/fast-check: cannot generate values for ${what} at ${where(at)}`);
const child = (at: Position, ...segments: (string | number)[]): Position => ({
  ...at,
  pointer: `${at.pointer}/${segments.map((s) => escapePointer(String(s))).join('/')}`,
});

const documents = new Map<string, Schema>();
function schemaFile(provider: string, file: string): Schema {
  const key = `${provider}/${file}`;
  let document = documents.get(key);
  if (!document) documents.set(key, (document = readPackageJson(`schemas/${key}`) as Schema));
  return document;
}

/** Follows a `$ref` by the schema tree's rules (src/schema-tree.ts): the same file, or a file next to it. */
function followRef(ref: string, at: Position): { schema: Schema; at: Position } {
  try {
    const { node, file, key } = resolveRef(ref, at.file, (name) => schemaFile(at.provider, name));
    return { schema: node as Schema, at: { provider: at.provider, file, pointer: key.slice(file.length + 1) } };
  } catch (error) {
    throw new Error(`insurance-webhooks/testing/fast-check: ${where(at)}: ${(error as Error).message}`, { cause: error });
  }
}

const isReserved = (key: string) => key === 'constructor' || key === 'prototype';
/** Property names that cannot collide with the schema's own or touch a prototype (receive() refuses `__proto__`). */
const freeKey = (taken: ReadonlySet<string>) =>
  fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/).filter((key) => !taken.has(key) && !isReserved(key));

/**
 * Numbers within ±(2^53 − 1) unless the schema narrows them: beyond, a whole double is written as
 * plain digits (`12345678901234567000`) that receive() refuses as an integer it cannot hold exactly.
 */
const finiteNumber = (min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: Math.max(min, -Number.MAX_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) })
    .map((n) => (Object.is(n, -0) ? 0 : n)); // -0 does not survive JSON, and toEqual tells it from 0

/** Any JSON value, bounded in depth, with safe keys: what an open object or untyped field may hold. */
function jsonValue(settings: Settings): Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.maxSafeInteger(),
      finiteNumber(),
      fc.string({ unit: 'grapheme', maxLength: settings.maxStringLength }),
      fc.array(tie('value'), { maxLength: settings.maxArrayLength }),
      fc.dictionary(freeKey(new Set()), tie('value'), { maxKeys: settings.maxArrayLength, noNullPrototype: true }),
    ),
  }));
  return value;
}

function checkKeywords(schema: Schema, at: Position): void {
  for (const keyword of Object.keys(schema)) {
    if (!CONSTRAINTS.has(keyword) && !ANNOTATIONS.has(keyword) && !keyword.startsWith('x-')) throw unsupported(at, `the keyword "${keyword}"`);
  }
}

function build(schema: unknown, at: Position, settings: Settings, depth = 0): Arbitrary<unknown> {
  if (depth > 64) throw unsupported(at, 'a recursive schema');
  if (schema === true || (schema !== null && typeof schema === 'object' && Object.keys(schema).every((k) => !CONSTRAINTS.has(k)))) {
    if (schema !== true) checkKeywords(schema as Schema, at);
    return jsonValue(settings);
  }
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw unsupported(at, 'a schema that is not an object');
  const s = schema as Schema;
  checkKeywords(s, at);
  // draft-07: keywords next to $ref are ignored (ours are annotations).
  if (typeof s.$ref === 'string') {
    const target = followRef(s.$ref, at);
    return build(target.schema, target.at, settings, depth + 1);
  }
  if (s.allOf !== undefined) {
    const others = Object.keys(s).filter((k) => k !== 'allOf' && CONSTRAINTS.has(k));
    if (!Array.isArray(s.allOf) || s.allOf.length !== 1 || others.length > 0) throw unsupported(at, 'allOf other than a single schema on its own');
    return build(s.allOf[0], child(at, 'allOf', 0), settings, depth + 1);
  }
  if (s.anyOf !== undefined) {
    // Alternatives on their own (KASKO metadata: an object, or [] for an empty one): any of them.
    const others = Object.keys(s).filter((k) => k !== 'anyOf' && CONSTRAINTS.has(k));
    if (!Array.isArray(s.anyOf) || s.anyOf.length === 0 || others.length > 0) throw unsupported(at, 'anyOf next to other constraints');
    return fc.oneof(...s.anyOf.map((member, index) => build(member, child(at, 'anyOf', index), settings, depth + 1)));
  }
  if ('const' in s) return fc.constant(s.const).map((value) => structuredClone(value));
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum).map((value) => structuredClone(value));
  const types = s.type === undefined ? (s.properties !== undefined ? ['object'] : []) : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length === 0) throw unsupported(at, 'constraints without a type');
  const arbitraries = types.map((type) => buildTyped(String(type), s, at, settings, depth));
  return arbitraries.length === 1 ? arbitraries[0]! : fc.oneof(...arbitraries);
}

const optionalNumber = (value: unknown) => (typeof value === 'number' ? value : undefined);

function buildTyped(type: string, s: Schema, at: Position, settings: Settings, depth: number): Arbitrary<unknown> {
  switch (type) {
    case 'object':
      return buildObject(s, at, settings, depth);
    case 'array': {
      if (Array.isArray(s.items)) throw unsupported(at, 'tuple items');
      const items = s.items === undefined ? jsonValue(settings) : build(s.items, child(at, 'items'), settings, depth + 1);
      const minLength = optionalNumber(s.minItems) ?? 0;
      const maxLength = optionalNumber(s.maxItems) ?? Math.max(minLength, settings.maxArrayLength);
      return fc.array(items, { minLength, maxLength });
    }
    case 'string':
      // ajv compiles patterns with the u flag; so does this.
      return typeof s.pattern === 'string'
        ? fc.stringMatching(new RegExp(s.pattern, 'u'))
        : fc.string({ unit: 'grapheme', maxLength: settings.maxStringLength });
    case 'integer': {
      const min = optionalNumber(s.minimum);
      const max = optionalNumber(s.maximum);
      return min === undefined && max === undefined
        ? fc.maxSafeInteger()
        : fc.integer({ min: Math.ceil(min ?? Number.MIN_SAFE_INTEGER), max: Math.floor(max ?? Number.MAX_SAFE_INTEGER) });
    }
    case 'number':
      return finiteNumber(optionalNumber(s.minimum), optionalNumber(s.maximum));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      throw unsupported(at, `the type "${type}"`);
  }
}

function buildObject(s: Schema, at: Position, settings: Settings, depth: number): Arbitrary<unknown> {
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
  const model: Record<string, Arbitrary<unknown>> = {};
  for (const [key, schema] of Object.entries(properties)) model[key] = build(schema, child(at, 'properties', key), settings, depth + 1);
  for (const key of required) model[key] ??= jsonValue(settings); // required but not described
  const declared = fc.record(model, { requiredKeys: [...required], noNullPrototype: true });

  // Which other keys may appear. Strict mode closes objects that describe properties and do not say
  // otherwise (additionalProperties unset); open ones (true, or no properties at all) stay open.
  const taken = new Set(Object.keys(model));
  const additional = s.additionalProperties;
  const open = additional === true || (additional === undefined && s.properties === undefined);
  const closedInStrict = additional === undefined && s.properties !== undefined;
  let extra: Arbitrary<Record<string, unknown>> | undefined;
  if (open) extra = fc.dictionary(freeKey(taken), jsonValue(settings), { maxKeys: settings.maxArrayLength, noNullPrototype: true });
  else if (additional !== false && additional !== undefined) {
    const values = build(additional, child(at, 'additionalProperties'), settings, depth + 1);
    extra = fc.dictionary(freeKey(taken), values, { maxKeys: settings.maxArrayLength, noNullPrototype: true });
  } else if (closedInStrict && settings.unknownProperties) {
    extra = fc.dictionary(freeKey(taken), jsonValue(settings), { minKeys: 1, maxKeys: settings.maxArrayLength, noNullPrototype: true });
  }
  return extra ? fc.tuple(declared, extra).map(([own, more]) => ({ ...more, ...own })) : declared;
}

const cache = new Map<string, Arbitrary<unknown>>();

/**
 * Payloads of one event that the validators accept (also in strict mode, unless
 * `unknownProperties` is on): required fields always, optional ones sometimes, strings matching the
 * schema's patterns, open objects with arbitrary keys. Typed as the event's payload.
 *
 * @example
 * fc.assert(fc.property(payloadArbitrary('insurup', 'proposal_premium.received'), (payload) => {
 *   expect(validate('insurup', 'proposal_premium.received', payload, { strict: true }).ok).toBe(true);
 * }), { seed: 42, numRuns: 200 });
 */
export function payloadArbitrary<P extends Provider, T extends EventType<P>>(
  provider: P,
  type: T,
  options: PayloadArbitraryOptions = {},
): Arbitrary<EventPayload<P, T>> {
  catalogEntry(providerCatalog(provider), type); // a clear TypeError naming the known providers and events
  const settings: Settings = {
    unknownProperties: options.unknownProperties === true,
    maxArrayLength: options.maxArrayLength ?? 3,
    maxStringLength: options.maxStringLength ?? 24,
  };
  const key = JSON.stringify([provider, type, settings]);
  let arbitrary = cache.get(key);
  if (!arbitrary) {
    const at: Position = { provider, file: `${type}.schema.json`, pointer: '' };
    cache.set(key, (arbitrary = build(schemaFile(provider, at.file), at, settings)));
  }
  return arbitrary as Arbitrary<EventPayload<P, T>>;
}

/**
 * Events of any type of one provider, `{ provider, type, payload }`, each payload schema-valid.
 * Pair it with `createDelivery` to send them through your endpoint.
 *
 * @example
 * await fc.assert(fc.asyncProperty(eventArbitrary('coverkit'), async ({ type, payload }) => {
 *   const d = await createDelivery('coverkit', type, { secret, payload });
 *   expect((await app.inject(d)).statusCode).toBe(200);
 * }), { numRuns: 50 });
 */
export function eventArbitrary<P extends Provider>(provider: P, options: PayloadArbitraryOptions = {}): Arbitrary<WebhookEvent<P>> {
  const types = Object.keys(providerCatalog(provider).events) as EventType<P>[];
  return fc.oneof(
    ...types.map((type) => payloadArbitrary(provider, type, options).map((payload) => ({ provider, type, payload }) as WebhookEvent<P>)),
  );
}
