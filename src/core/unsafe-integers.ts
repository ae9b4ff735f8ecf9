// Numbers JSON.parse cannot hold exactly. A double has 53 bits of mantissa: beyond 2^53 − 1
// (9007199254740991) neighbouring whole numbers collapse, so `12345678901234567890` parses as
// 12345678901234567000 and an id or an amount would silently change. Such a body is refused
// (payload_invalid, naming the field) rather than delivered altered.
import { escapePointer } from './validation.js';

const isDigit = (code: number) => code >= 48 && code <= 57; // 0-9

/**
 * Whether `text` has 16 or more consecutive digits anywhere: the precondition of an unsafe integer
 * (2^53 − 1 has 16 digits). Reads one character in 16 until it meets a digit, then only that digit
 * run, so a typical body costs a fraction of JSON.parse. False positives (long digit strings
 * inside strings) only cost the full scan below.
 */
export function hasLongDigitRun(text: string): boolean {
  const length = text.length;
  let at = 15;
  while (at < length) {
    if (!isDigit(text.charCodeAt(at))) {
      // No 16-digit window can contain `at`, so the next one to check ends 16 further on.
      at += 16;
      continue;
    }
    let start = at;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < length && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= 16) return true;
    at = end + 16;
  }
  return false;
}

/**
 * Index just past the string literal that starts (with `"`) at `start`: the next quote not escaped
 * by an odd run of backslashes. indexOf skips the string's content natively.
 */
function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
}

/** Characters of a JSON number literal: digits, `.`, `e`, `E`, `+`, `-`. */
const inNumber = (code: number) => isDigit(code) || code === 46 || code === 101 || code === 69 || code === 43 || code === 45;

/**
 * Whether the integer part of a number literal (sign, digits before `.`/`e`) is beyond 2^53 − 1,
 * and so is its value: `9007199254740993e-5` (90071992547.40993) is a fraction as read, not an
 * integer rounded. Decision (issue 20): the value condition makes the answer the same whether
 * parseJson walks the body (its walk notes only values beyond ±(2^53 − 1)) or skims its text.
 * No digit count first: a whole number of 15 digits or fewer is always exact.
 */
function unsafeIntegerPart(literal: string): boolean {
  return !Number.isSafeInteger(Number(/^-?[0-9]+/.exec(literal)![0])) && !(Math.abs(Number(literal)) <= Number.MAX_SAFE_INTEGER);
}

/**
 * The JSON Pointer of the first number in `text` (valid JSON) whose integer part is beyond
 * 2^53 − 1 — written as digits (`12345678901234567890`, with or without a fraction) — or undefined.
 * Linear in the text; runs only when `hasLongDigitRun` found a candidate.
 *
 * @example
 * unsafeIntegerPath('{"premiums":[{"grossPremium":12345678901234567890}]}'); // '/premiums/0/grossPremium'
 * unsafeIntegerPath('{"id":"12345678901234567890"}'); // undefined: a string keeps every digit
 */
export function unsafeIntegerPath(text: string): string | undefined {
  // One entry per open container: the current key (object) or index (array).
  const path: (string | number)[] = [];
  const inArray: boolean[] = [];
  let expectingKey = false;
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 34) {
      const end = stringEnd(text, at);
      if (expectingKey) {
        const raw = text.slice(at, end);
        path[path.length - 1] = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        expectingKey = false;
      }
      at = end;
      continue;
    }
    if (code === 45 || isDigit(code)) {
      let end = at + 1;
      while (end < text.length && inNumber(text.charCodeAt(end))) end++;
      if (end - at >= 16 && unsafeIntegerPart(text.slice(at, end))) return path.map((segment) => `/${escapePointer(String(segment))}`).join('');
      at = end;
      continue;
    }
    if (code === 123 || code === 91) {
      // { [
      path.push(0);
      inArray.push(code === 91);
      expectingKey = code === 123;
    } else if (code === 125 || code === 93) {
      // } ]
      path.pop();
      inArray.pop();
    } else if (code === 44) {
      // , : the next item of an array, or the next key of an object
      // `+ 1`, not `(… as number)++`: StrykerJS prints that one's mutant without its parentheses.
      if (inArray[inArray.length - 1]) path[path.length - 1] = (path[path.length - 1] as number) + 1;
      else expectingKey = true;
    }
    at++;
  }
  return undefined;
}
