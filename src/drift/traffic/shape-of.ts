// The shape of one received payload, built directly from the value (no inference library: a
// delivery is one value, not a sample to generalise from). Bounded: at most MAX_ITEMS items of an
// array and MAX_DEPTH levels are looked at, so a hostile capture cannot make the check slow.
import { ANY, shapeOfValue, unionOf, type Shape } from '../shape.js';

export const MAX_ITEMS = 100;
export const MAX_DEPTH = 32;

/**
 * A JSON value's shape: scalars by JSON type (integers apart), objects with every key required,
 * arrays with the union of their items' shapes.
 *
 * @example
 * valueShape({ a: 1, b: ['x'] }); // object { a: integer, b: array<string> }, both required
 */
export function valueShape(value: unknown, depth = 0): Shape {
  if (depth > MAX_DEPTH) return ANY;
  if (Array.isArray(value)) return { kind: 'array', items: value.length ? unionOf(value.slice(0, MAX_ITEMS).map((item) => valueShape(item, depth + 1))) : ANY };
  if (value === null || typeof value !== 'object') return shapeOfValue(value); // a scalar: its JSON type, as for a schema's const
  const properties = new Map<string, Shape>();
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) properties.set(key, valueShape(inner, depth + 1));
  return { kind: 'object', properties, required: new Set(properties.keys()), open: false };
}
