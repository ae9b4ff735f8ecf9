// JSON Pointers (RFC 6901), the one implementation: escaping a key into a pointer, splitting a
// pointer (or a `$ref` fragment, RFC 3986 percent-encoded) back into keys, and following one through
// a document by own properties only (a pointer from a schema or a request never reaches a prototype).

/** One key as a pointer segment: `~` → `~0`, `/` → `~1`. */
export const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** One pointer segment back into its key: `~1` → `/`, `~0` → `~` (in that order, as RFC 6901 says). */
export const unescapePointer = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** The pointer of a list of keys: `['data', 'order/id']` → `/data/order~1id`. */
export const pointerOf = (keys: readonly (string | number)[]): string => keys.map((key) => `/${escapePointer(String(key))}`).join('');

const split = new Map<string, readonly string[]>();
/**
 * The keys of a pointer (`''` is the whole document). With `fragment`, each segment is
 * percent-decoded first, as in a `$ref`'s `#/definitions/a%20b`. Split once per pointer: the hot
 * path reads the same few pointers on every delivery.
 *
 * @example
 * pointerKeys('/data/order~1id'); // ['data', 'order/id']
 */
export function pointerKeys(pointer: string, options: { fragment?: boolean } = {}): readonly string[] {
  const id = options.fragment ? `#${pointer}` : pointer;
  let keys = split.get(id);
  if (keys === undefined) {
    const segments = pointer === '' ? [] : pointer.replace(/^\//, '').split('/');
    keys = segments.map((segment) => unescapePointer(options.fragment ? decodeURIComponent(segment) : segment));
    if (split.size < 1024) split.set(id, keys); // pointers come from schemas and code, but bound it anyway
  }
  return keys;
}

/**
 * The value at `pointer` in `document`, following own properties only; undefined when the path does
 * not exist.
 *
 * @example
 * valueAt({ data: { id: 'x' } }, '/data/id'); // 'x'
 * valueAt({}, '/constructor');               // undefined, not Object
 */
export function valueAt(document: unknown, pointer: string, options: { fragment?: boolean } = {}): unknown {
  let node = document;
  for (const key of pointerKeys(pointer, options)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
