// A JSON Schema reduced to what drift is about: which fields exist, which are required, and which
// JSON types they take. Both sides of the comparison become a Shape, our schemas (with their
// $refs resolved) and the schema quicktype infers from a doc example, through the same converter.
// Annotations, patterns and formats are ignored here: a string with `format: date-time` is a
// string (strict validation catches a changed format).

export type ScalarType = 'string' | 'integer' | 'number' | 'boolean' | 'null';

export type Shape =
  /** No constraint, or no evidence (the items of an empty array). Never drift. */
  | { kind: 'any' }
  | { kind: 'scalar'; type: ScalarType }
  /** `open`: keys beyond `properties` are allowed even in strict mode (KASKO metadata, Axitech meta…). */
  | { kind: 'object'; properties: Map<string, Shape>; required: Set<string>; open: boolean }
  | { kind: 'array'; items: Shape }
  /** Two or more alternatives, none of them `any` or a union. */
  | { kind: 'union'; members: Shape[] };

export type ObjectShape = Extract<Shape, { kind: 'object' }>;

export const ANY: Shape = { kind: 'any' };
const SCALARS = new Set<string>(['string', 'integer', 'number', 'boolean', 'null']);

/** The alternatives of a shape: a union's members, or the shape itself. */
export const membersOf = (shape: Shape): Shape[] => (shape.kind === 'union' ? shape.members : [shape]);

/**
 * A union of alternatives, flattened; `any` among them makes the whole `any`, a single one is itself.
 *
 * @example
 * unionOf([{ kind: 'scalar', type: 'string' }]); // { kind: 'scalar', type: 'string' }
 */
export function unionOf(shapes: Shape[]): Shape {
  const members: Shape[] = [];
  for (const member of shapes.flatMap(membersOf)) {
    if (member.kind === 'any') return ANY;
    const duplicate = member.kind === 'scalar' && members.some((m) => m.kind === 'scalar' && m.type === member.type);
    if (!duplicate) members.push(member);
  }
  if (members.length === 0) return ANY;
  return members.length === 1 ? members[0]! : { kind: 'union', members };
}

/** The shape of a JSON type name from a schema's `type`; unknown names constrain nothing. */
export function scalarOrAny(type: string): Shape {
  return SCALARS.has(type) ? { kind: 'scalar', type: type as ScalarType } : ANY;
}

/**
 * The JSON type of a value as a shape (for `const` and `enum`): its scalar type, or an
 * unconstrained object/array.
 *
 * @example
 * shapeOfValue(1999);   // { kind: 'scalar', type: 'integer' }
 * shapeOfValue('x');    // { kind: 'scalar', type: 'string' }
 */
export function shapeOfValue(value: unknown): Shape {
  if (value === null) return { kind: 'scalar', type: 'null' };
  if (Array.isArray(value)) return { kind: 'array', items: ANY };
  switch (typeof value) {
    case 'string':
      return { kind: 'scalar', type: 'string' };
    case 'boolean':
      return { kind: 'scalar', type: 'boolean' };
    case 'number':
      return { kind: 'scalar', type: Number.isInteger(value) ? 'integer' : 'number' };
    case 'object':
      return { kind: 'object', properties: new Map(), required: new Set(), open: true };
    default:
      return ANY;
  }
}

/** What both alternatives allow, or undefined when they exclude each other. */
function meet(a: Shape, b: Shape): Shape | undefined {
  if (a.kind === 'any') return b;
  if (b.kind === 'any') return a;
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    if (a.type === b.type) return a;
    // Every integer is a number.
    if ((a.type === 'integer' && b.type === 'number') || (a.type === 'number' && b.type === 'integer')) return { kind: 'scalar', type: 'integer' };
    return undefined;
  }
  if (a.kind === 'array' && b.kind === 'array') return { kind: 'array', items: intersectionOf([a.items, b.items]) };
  if (a.kind === 'object' && b.kind === 'object') {
    const properties = new Map(a.properties);
    for (const [key, shape] of b.properties) {
      const known = properties.get(key);
      properties.set(key, known ? intersectionOf([known, shape]) : shape);
    }
    return { kind: 'object', properties, required: new Set([...a.required, ...b.required]), open: a.open && b.open };
  }
  return undefined;
}

/**
 * What all the shapes allow together (`$ref` + `allOf` + the node's own keywords).
 * Shapes that exclude each other would make the schema unsatisfiable; that is a schema bug, not
 * drift, so it yields `any` rather than reporting every example field.
 *
 * @example
 * intersectionOf([{ kind: 'scalar', type: 'number' }, { kind: 'scalar', type: 'integer' }]); // integer
 */
export function intersectionOf(shapes: Shape[]): Shape {
  let result: Shape = ANY;
  for (const shape of shapes) {
    const alternatives: Shape[] = [];
    for (const left of membersOf(result)) {
      for (const right of membersOf(shape)) {
        const both = meet(left, right);
        if (both) alternatives.push(both);
      }
    }
    if (alternatives.length === 0) return ANY;
    result = unionOf(alternatives);
  }
  return result;
}

/**
 * A short, stable name for a shape's type, as the report prints it.
 *
 * @example
 * typeLabel({ kind: 'array', items: { kind: 'scalar', type: 'string' } }); // 'array<string>'
 * typeLabel(unionOf([{ kind: 'scalar', type: 'string' }, { kind: 'scalar', type: 'null' }])); // 'null | string'
 */
export function typeLabel(shape: Shape): string {
  switch (shape.kind) {
    case 'any':
      return 'any';
    case 'scalar':
      return shape.type;
    case 'object':
      return 'object';
    case 'array':
      return shape.items.kind === 'any' ? 'array' : `array<${typeLabel(shape.items)}>`;
    case 'union':
      return shape.members.map(typeLabel).sort().join(' | ');
  }
}
