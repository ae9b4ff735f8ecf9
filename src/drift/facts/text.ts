// Line-level reading of a doc: where a line is, the fenced code blocks of Markdown with their line
// numbers, and the regions of flattened text between two markers (samples in Axitech's and
// CoverKit's pages have no fences).
import { isJsonFence, outlineMarkdown } from '../extract/markdown.js';

/** A doc's lines, for 1-based lookup. */
export class DocText {
  readonly lines: string[];

  constructor(readonly text: string) {
    this.lines = text.split(/\r?\n/);
  }

  /** The 1-based line number of the first line at or after `from` matching `pattern`, or 0. */
  find(pattern: RegExp, from = 1): number {
    for (let i = Math.max(from, 1); i <= this.lines.length; i++) if (pattern.test(this.lines[i - 1]!)) return i;
    return 0;
  }
}

/** A code sample: its language (lower-case), code lines and the 1-based line of its first code line. */
export interface CodeSample {
  lang: string;
  /** Where it is, for the report: `PHP sample`, `Python sample`… */
  place: string;
  lines: string[];
  firstLine: number;
  /** The nearest `##` heading above it ('' for flattened text). */
  section: string;
}

const LANGUAGE_NAMES: Record<string, string> = {
  php: 'PHP', python: 'Python', py: 'Python', javascript: 'JavaScript', js: 'JavaScript', typescript: 'TypeScript',
  ts: 'TypeScript', csharp: 'C#', 'c#': 'C#', cs: 'C#', java: 'Java', go: 'Go', ruby: 'Ruby', rb: 'Ruby',
};

/** `PHP sample`, `C# sample`… for a fence's info string. */
export const samplePlace = (lang: string): string => `${LANGUAGE_NAMES[lang] ?? (lang || 'code')} sample`;

/**
 * The fenced code blocks of a Markdown doc that are not JSON, with line numbers.
 *
 * @example
 * markdownSamples(new DocText('## A\n```php\n$x = 1;\n```')); // [{ lang: 'php', place: 'PHP sample', lines: ['$x = 1;'], firstLine: 3, section: 'A' }]
 */
export function markdownSamples(doc: DocText): CodeSample[] {
  return outlineMarkdown(doc.text)
    .blocks.filter((block) => !isJsonFence(block.lang))
    .map((block) => ({ lang: block.lang, place: samplePlace(block.lang), lines: block.code.split('\n'), firstLine: block.line, section: block.section }));
}

/**
 * The lines of flattened text from the first line matching `start` (exclusive) up to the first
 * later line matching `end` (exclusive, or the end of the doc), as a sample of `lang`; undefined
 * when `start` matches nothing.
 */
export function flatSample(doc: DocText, start: RegExp, end: RegExp, lang: string): CodeSample | undefined {
  const from = doc.find(start);
  if (!from) return undefined;
  const to = doc.find(end, from + 1) || doc.lines.length + 1;
  return { lang, place: samplePlace(lang), lines: doc.lines.slice(from, to - 1), firstLine: from + 1, section: '' };
}

/** The fact lines of a `##` section of a Markdown doc (outside fences): [line number, text] pairs. */
export function sectionLines(doc: DocText, title: RegExp): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let inside = false;
  let fenced = false;
  doc.lines.forEach((line, index) => {
    if (/^\s{0,3}(`{3,}|~{3,})/.test(line)) fenced = !fenced;
    if (fenced) return;
    const heading = /^##\s+(.*?)\s*$/.exec(line);
    if (heading) inside = title.test(heading[1]!);
    else if (inside) out.push([index + 1, line]);
  });
  return out;
}
