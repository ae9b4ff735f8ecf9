// Schema inference from a doc example with quicktype-core, an OPTIONAL peer dependency: it is
// imported here, on first use, so the rest of the package never loads it.
import { schemaShape } from './schema-shape.js';
import type { Shape } from './shape.js';

type Quicktype = typeof import('quicktype-core');

const MISSING = 'insurance-webhooks/drift needs the optional peer dependency "quicktype-core" to infer schemas from doc examples: npm install --save-dev quicktype-core';

let loaded: Promise<Quicktype> | undefined;

/**
 * Imports quicktype-core once. A missing package becomes an error that names it and the fix;
 * any other failure is passed on as it is.
 *
 * @example
 * const { quicktype } = await importQuicktype();
 */
export function importQuicktype(load: () => Promise<Quicktype> = () => import('quicktype-core')): Promise<Quicktype> {
  return load().catch((error: unknown) => {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    if (notFound && String(message).includes('quicktype-core')) throw new Error(MISSING, { cause: error });
    throw error;
  });
}

const quicktypeOnce = (): Promise<Quicktype> => {
  loaded ??= importQuicktype().catch((error: unknown) => {
    loaded = undefined; // let a later call retry, e.g. after the package is installed
    throw error;
  });
  return loaded;
};

/**
 * The JSON Schema quicktype infers from one example (quicktype `lang: 'schema'`). Maps, enums
 * and class merging are switched off: the report is about the fields the example shows, and
 * those heuristics would reshape them.
 *
 * @example
 * const schema = await inferSchema({ premium: 1999 });
 * // { $ref: '#/definitions/Example', definitions: { Example: { properties: { premium: { type: 'integer' } }, … } } }
 */
export async function inferSchema(example: unknown): Promise<unknown> {
  const { InputData, jsonInputForTargetLanguage, quicktype } = await quicktypeOnce();
  const input = jsonInputForTargetLanguage('schema');
  await input.addSource({ name: 'Example', samples: [JSON.stringify(example)] });
  const inputData = new InputData();
  inputData.addInput(input);
  const { lines } = await quicktype({
    inputData,
    lang: 'schema',
    inferMaps: false,
    inferEnums: false,
    combineClasses: false,
    ignoreJsonRefs: true,
  });
  return JSON.parse(lines.join('\n'));
}

/**
 * The shape of one doc example, as quicktype infers it.
 *
 * @example
 * await inferShape({ productId: '40235' }); // object with productId: string (quicktype's `format: integer` is ignored)
 */
export async function inferShape(example: unknown): Promise<Shape> {
  const schema = await inferSchema(example);
  return schemaShape(schema, 'inferred', new Map([['inferred', schema]]));
}
