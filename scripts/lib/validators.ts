// Ajv standalone validators: compiled at build time, so nothing compiles a schema at run time.
// Each event gets two validators: the production one (open objects, forward compatible) and a
// strict one (every object the docs describe is closed, so unknown properties are reported).
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { MAX_SCHEMA_ERRORS } from '../../src/core/validation.js';
import { ANNOTATION_KEYWORDS, SCHEMA_BASE, STRICT_BASE, type JsonSchema, type ProviderFolder } from './schema-files.js';
import { DROP, transformSchema, WALK } from './schema-walk.js';

// ajv's standalone entry is CommonJS with a default export; createRequire sidesteps the interop shape.
const standaloneCode: (ajv: Ajv, refsOrFunc: Record<string, string>) => string = createRequire(import.meta.url)(
  'ajv/dist/standalone',
).default;

export const STRICT_SUFFIX = 'Strict';

/** Options shared by the build-time compiler and the run-time ajv used for comparison in tests and benchmarks. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, code: { source: true, esm: true, optimize: true } });
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'object', 'boolean'] });
  return ajv;
}

const ANNOTATIONS = new Set<string>(['title', 'description', 'examples', '$comment', ...ANNOTATION_KEYWORDS]);

/**
 * The schema without annotations (descriptions, examples, provenance). Validation does not read
 * them, and ajv standalone would otherwise embed them, examples included, in the shipped code.
 */
export function stripAnnotations(node: unknown): unknown {
  return transformSchema(node, { key: (key) => (ANNOTATIONS.has(key) ? DROP : WALK) });
}

/**
 * The strict variant of a schema: every object schema that describes properties and does not say
 * otherwise gets `additionalProperties: false`. Objects the docs declare open
 * (`additionalProperties: true`, e.g. KASKO metadata, Axitech meta) stay open.
 */
export function closeObjects(node: unknown): unknown {
  return transformSchema(node, {
    key: (key, value) => (key === '$id' && typeof value === 'string' ? value.replace(SCHEMA_BASE, STRICT_BASE) : WALK),
    leave: (out) => {
      if (out.properties && typeof out.properties === 'object' && !('additionalProperties' in out)) out.additionalProperties = false;
    },
  });
}

/**
 * Standalone code in ESM mode still emits `require("ajv/dist/runtime/…")` for some keywords
 * (minLength, uniqueItems, formats). Rewrite each into an ESM default import so the module
 * loads under Node and bundlers; the caller must then ship ajv as a dependency.
 */
export function rewriteRequires(code: string): { code: string; imports: string[] } {
  const modules = new Map<string, string>();
  const body = code.replace(/require\(("[^"]+")\)/g, (_match, literal: string) => {
    const specifier = JSON.parse(literal) as string;
    let local = modules.get(specifier);
    if (!local) modules.set(specifier, (local = `__runtime${modules.size}`));
    return local;
  });
  const imports = [...modules].map(([specifier, local]) => {
    const file = specifier.endsWith('.js') ? specifier : `${specifier}.js`;
    return `import ${local} from ${JSON.stringify(file)};`;
  });
  return { code: body, imports };
}

/**
 * Refusing a body must cost time linear in its size and give an answer of bounded size. ajv's
 * standalone code (with allErrors) gathers a sub-schema's errors with `vErrors.concat(child.errors)`,
 * which copies everything gathered so far each time: an array of n bad items cost O(n²) (a 47 KiB
 * body took seconds, 1 MiB did not finish), and every error allocated an object (2.4 million of
 * them for 1 MiB). So: errors are appended in place, and each validator records at most
 * `MAX_SCHEMA_ERRORS`; past that it only goes on deciding valid or not (the traversal is linear and
 * allocates nothing). `errors` stays equal to `vErrors.length`, so ajv's anyOf/oneOf bookkeeping
 * (which truncates `vErrors` to a saved count) is unchanged.
 */
export function boundedErrors(code: string): string {
  const sites = code.split('errors++;').length - 1;
  const push = /const (err\d+) = (.*?);if\(vErrors === null\)\{vErrors = \[\1\];\}else \{vErrors\.push\(\1\);\}errors\+\+;/g;
  let rewritten = 0;
  let out = code.replace(push, (match) => {
    rewritten++;
    return `if(errors < ${MAX_SCHEMA_ERRORS}){${match}}`;
  });
  const concat = /vErrors = vErrors === null \? (\w+)\.errors : vErrors\.concat\(\1\.errors\);/g;
  out = out.replace(concat, (_match, child: string) => `if(vErrors === null){vErrors = ${child}.errors;}else {for(const e of ${child}.errors){if(vErrors.length >= ${MAX_SCHEMA_ERRORS})break;vErrors.push(e);}}`);
  if (rewritten !== sites || out.includes('.concat(')) {
    throw new Error(`ajv standalone code has ${sites} error sites, ${rewritten} rewritten, or a concat left: check boundedErrors()`);
  }
  return stopFullLoops(out);
}

/**
 * A loop over an array's items or an object's keys stops as soon as the validator holds
 * `MAX_SCHEMA_ERRORS` errors. From there on nothing changes: no error is recorded (the cap), and
 * `errors` cannot move in the loop (it only grows, capped, or is reset to the count at the start of
 * an anyOf/oneOf/not/if inside an item, which is the cap again), so every judgement ajv (allErrors)
 * makes from "errors did not grow" comes out the same whether the rest of the items are visited or
 * not, and the result is invalid. Without it, refusing an array of 500 000 bad items still called
 * the item's validator 500 000 times, each building a context, a path and its own errors only to
 * drop them: about 4× JSON.parse of the same bytes (bench/: part 3). `contains` counts the items
 * that pass, so a schema using it must not get here; `uniqueItems` loops have another form and
 * fail the count below.
 */
export function stopFullLoops(code: string): string {
  if (code.includes('must contain at')) throw new Error('a schema uses contains: stopFullLoops() would be unsound; check boundedErrors()');
  const loops = /for\((let (i\d+)=0; \2<len\d+; \2\+\+|const key\d+ in \w+)\)\{/g;
  const found = code.match(/for\(/g)?.length ?? 0;
  let rewritten = 0;
  const out = code.replace(loops, (loop) => {
    rewritten++;
    return `${loop}if(errors >= ${MAX_SCHEMA_ERRORS}){break;}`;
  });
  const merges = code.match(/for\(const e of \w+\.errors\)/g)?.length ?? 0;
  if (rewritten + merges !== found) throw new Error(`ajv standalone code has ${found} loops, ${rewritten} + ${merges} recognised: check stopFullLoops()`);
  return out;
}

/** The validators module of one provider: `export const <Title>` and `<Title>Strict` per event. */
export function providerValidatorsModule(provider: ProviderFolder): { source: string; runtimeImports: string[] } {
  const ajv = createAjv();
  const exportsMap: Record<string, string> = {};
  const shared = provider.defs ? [provider.defs] : [];
  for (const annotated of shared) {
    const schema = stripAnnotations(annotated) as JsonSchema;
    ajv.addSchema(schema);
    ajv.addSchema(closeObjects(schema) as JsonSchema);
  }
  for (const { schema: annotated } of provider.events) {
    const schema = stripAnnotations(annotated) as JsonSchema;
    const strict = closeObjects(schema) as JsonSchema;
    ajv.addSchema(schema);
    ajv.addSchema(strict);
    exportsMap[annotated.title] = schema.$id;
    exportsMap[annotated.title + STRICT_SUFFIX] = strict.$id;
  }
  const raw = standaloneCode(ajv, exportsMap).replace(/^"use strict";/, '');
  const { code, imports } = rewriteRequires(boundedErrors(raw));
  // Give every export the library's validator type; the ajv body itself is left unchecked.
  const typed = code.replace(/export const (\w+) = (\w+);/g, 'export const $1: SchemaValidator = $2;');
  const source = [
    '// @ts-nocheck -- ajv standalone output; the exports below carry the types.',
    `// Generated by scripts/generate.ts from schemas/${provider.name}/. Do not edit.`,
    "import type { SchemaValidator } from '../../src/core/types.js';",
    ...imports,
    typed,
  ].join('\n');
  return { source, runtimeImports: imports };
}
