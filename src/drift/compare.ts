// The structural comparison: the shape inferred from a doc example against our schema's shape.
import { membersOf, typeLabel, type ObjectShape, type Shape } from './shape.js';
import type { AddedField, RemovedField, RetypedField } from './types.js';

/** What the doc example has that our schema does not describe, lacks that it requires, or types differently. */
export interface ShapeDiff {
  added: AddedField[];
  removed: RemovedField[];
  retyped: RetypedField[];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A readable field path: dotted keys, `[]` for "every item of the array", `["odd key"]` for keys
 * that are not identifiers; '' is the payload itself.
 *
 * @example
 * fieldPath(['premiums', '[]', 'grossPremium']); // 'premiums[].grossPremium'
 */
export function fieldPath(segments: readonly string[]): string {
  let path = '';
  for (const segment of segments) {
    if (/^\[\d*\]$/.test(segment)) path += segment;
    else if (IDENTIFIER.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** Whether our alternative takes the doc's alternative as it is (an integer is a number). */
function accepts(ours: Shape, docs: Shape): boolean {
  if (ours.kind === 'any' || docs.kind === 'any') return true;
  if (ours.kind === 'scalar' && docs.kind === 'scalar') return ours.type === docs.type || (ours.type === 'number' && docs.type === 'integer');
  return ours.kind === docs.kind;
}

class Comparison implements ShapeDiff {
  readonly added: AddedField[] = [];
  readonly removed: RemovedField[] = [];
  readonly retyped: RetypedField[] = [];

  walk(docs: Shape, ours: Shape, segments: string[]): void {
    if (docs.kind === 'any' || ours.kind === 'any') return;
    const ourMembers = membersOf(ours);
    const pairs = membersOf(docs).map((doc) => [doc, ourMembers.find((our) => accepts(our, doc))] as const);
    if (pairs.some(([, our]) => !our)) {
      // Reported once, here: what lies below a retyped field is not compared.
      this.retyped.push({ path: fieldPath(segments), schema: typeLabel(ours), docs: typeLabel(docs) });
      return;
    }
    for (const [doc, our] of pairs) {
      if (doc.kind === 'object' && our?.kind === 'object') this.walkObject(doc, our, segments);
      else if (doc.kind === 'array' && our?.kind === 'array') this.walk(doc.items, our.items, [...segments, '[]']);
    }
  }

  private walkObject(docs: ObjectShape, ours: ObjectShape, segments: string[]): void {
    for (const [key, shape] of docs.properties) {
      const our = ours.properties.get(key);
      if (our) this.walk(shape, our, [...segments, key]);
      // Keys of an open object (KASKO metadata, Axitech meta…) belong to the integrator: never drift.
      else if (!ours.open) this.added.push({ path: fieldPath([...segments, key]), type: typeLabel(shape) });
    }
    for (const key of ours.required) {
      if (!docs.properties.has(key)) this.removed.push({ path: fieldPath([...segments, key]) });
    }
  }
}

/**
 * Compares the shape inferred from a doc example with our schema's shape.
 *
 * @example
 * const diff = compareShapes(inferred, ours);
 * diff.retyped; // [{ path: 'productId', schema: 'integer', docs: 'string' }]
 */
export function compareShapes(docs: Shape, ours: Shape): ShapeDiff {
  const comparison = new Comparison();
  comparison.walk(docs, ours, []);
  const { added, removed, retyped } = comparison;
  return { added, removed, retyped };
}
