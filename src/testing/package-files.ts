// Files the package ships next to its code (schemas/, package.json). The compiled module sits at
// src/testing/ in the repository and at dist/src/testing/ in an installed package, so the root is
// found by walking up to our own package.json rather than by a fixed number of `../`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'insurance-webhooks';
let cachedRoot: string | undefined;

function isOurPackage(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/**
 * The directory holding the package's own package.json (the repository, or
 * `node_modules/insurance-webhooks`). Throws when the code was moved away from it, e.g. bundled.
 *
 * @example
 * const schemas = join(packageRoot(), 'schemas');
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isOurPackage(dir)) return (cachedRoot = dir);
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `insurance-webhooks: cannot find the package's own files (package.json, schemas/) above ${start}. ` +
      'Was the module bundled or copied out of the package? Import it from node_modules instead.',
  );
}

/**
 * A JSON file of the package, parsed; `path` is relative to the package root.
 *
 * @example
 * const defs = readPackageJson('schemas/kasko/_defs.schema.json');
 */
export function readPackageJson(path: string): unknown {
  const file = join(packageRoot(), path);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`insurance-webhooks: cannot read ${file}: ${(error as Error).message}`);
  }
}
