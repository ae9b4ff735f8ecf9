// Where the package's own provider docs and schemas are, found from this module's location so it
// works from src/drift (tsx, tests) and from dist/src/drift (built, or installed in node_modules).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'insurance-webhooks';

/**
 * The package root: the nearest directory above `from` whose package.json is this package's
 * (src/drift → ../../, dist/src/drift → ../../../).
 *
 * @example
 * packageRoot(); // '/work/main' in the repo, '…/node_modules/insurance-webhooks' when installed
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`insurance-webhooks/drift: cannot find the ${PACKAGE_NAME} package root above ${fileURLToPath(from)}`);
    dir = parent;
  }
}

/** The package's snapshot of the providers' docs: `docs/providers/`. */
export const defaultDocsDir = (): string => join(packageRoot(), 'docs', 'providers');

/** The package's schemas: `schemas/`. */
export const defaultSchemasDir = (): string => join(packageRoot(), 'schemas');
