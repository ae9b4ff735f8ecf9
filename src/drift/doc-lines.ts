// Where in a doc a field of an example is shown: used by the doc comparison (a field the example
// adds or retypes) and by the traffic comparison (the documented field a delivery disagrees with).
import type { DocText } from './facts/text.js';
import type { DocExample } from './types.js';

/**
 * The doc line of a field of an example: the first line at or after the example's start that holds
 * its key (`"grossPremium":`), within as many lines as the example has keys and brackets; the
 * example's first line when no line has the key (a field the example does not show); undefined
 * when the example's line is not known.
 *
 * @example
 * fieldLine(doc, example, 'premiums[].grossPremium'); // 33: the first item's line
 */
export function fieldLine(doc: DocText, example: DocExample, path: string): number | undefined {
  if (!example.line) return undefined;
  const key = /([^.\[\]"]+)"?\]?$/.exec(path)?.[1];
  if (!key) return example.line;
  const span = JSON.stringify(example.payload, null, 1).split('\n').length + 2;
  for (let line = example.line; line < example.line + span && line <= doc.lines.length; line++) if (doc.lines[line - 1]!.includes(`"${key}"`)) return line;
  return example.line;
}

