// Just enough Markdown for webhook docs: which `##` / `###` heading each fenced code block sits
// under. Lines inside fences are never taken for headings (a Python `# comment` is not a title).

/** A fenced code block and the headings above it. */
export interface FencedBlock {
  /** The fence's info string, lower-cased (`json`, `php`…); '' when absent. */
  lang: string;
  code: string;
  /** The nearest `##` heading above the block ('' when none). */
  section: string;
  /** The nearest `###` heading below that section ('' when none). */
  heading: string;
  /** The 1-based line of its first code line. */
  line: number;
}

/** A `###` heading with the `##` section it belongs to. */
export interface SubHeading {
  section: string;
  heading: string;
  /** Its 1-based line. */
  line: number;
}

/** The outline of a Markdown doc: its `###` headings and fenced blocks, in order. */
export interface MarkdownOutline {
  headings: SubHeading[];
  blocks: FencedBlock[];
}

/**
 * Reads the headings and fenced code blocks (``` or ~~~) of a Markdown text.
 *
 * @example
 * const { blocks } = outlineMarkdown('## Events\n### Policy created\n```json\n{}\n```\n');
 * blocks[0]; // { lang: 'json', code: '{}', section: 'Events', heading: 'Policy created', line: 4 }
 */
export function outlineMarkdown(text: string): MarkdownOutline {
  const headings: SubHeading[] = [];
  const blocks: FencedBlock[] = [];
  let section = '';
  let heading = '';
  let fence: { marker: string; lang: string; lines: string[]; line: number } | undefined;
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (fence) {
      if (line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, '') === '') {
        blocks.push({ lang: fence.lang, code: fence.lines.join('\n'), section, heading, line: fence.line });
        fence = undefined;
      } else fence.lines.push(line);
      continue;
    }
    const opening = /^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (opening) {
      fence = { marker: opening[1]!, lang: (opening[2] ?? '').toLowerCase(), lines: [], line: index + 2 };
      continue;
    }
    const title = /^(#{2,3})\s+(.*?)\s*#*\s*$/.exec(line);
    if (title?.[1] === '##') {
      section = title[2]!;
      heading = '';
    } else if (title?.[1] === '###') {
      heading = title[2]!;
      headings.push({ section, heading, line: index + 1 });
    }
  }
  return { headings, blocks };
}

/** Whether a fence's info string marks JSON (`json`, `jsonc`, `json5`). */
export const isJsonFence = (lang: string): boolean => /^json/.test(lang);
