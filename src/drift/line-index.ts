// The 1-based line of an offset in a text, for extractors that find things by regex over the whole
// page. `text.slice(0, offset).split('\n').length` per match is quadratic on a page with many
// matches; this indexes the newlines once and answers each offset by binary search.

/**
 * A function from a character offset of `text` to its 1-based line number.
 *
 * @example
 * const lineAt = lineIndex('a\nb\nc');
 * lineAt(0); // 1
 * lineAt(4); // 3
 */
export function lineIndex(text: string): (offset: number) => number {
  const newlines: number[] = [];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) newlines.push(at);
  return (offset) => {
    // The number of newlines before `offset`, plus one.
    let low = 0;
    let high = newlines.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (newlines[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
}
