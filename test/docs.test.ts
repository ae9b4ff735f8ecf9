// The README documents what the code does: these tables are checked against the code.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providers, WEBHOOK_ERROR_STATUS } from '../src/index.js';
import { SYSTEM_PROGRAMS } from './helpers/system.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = (heading: string) => readme.split(heading)[1]!.split(/\n#{2,3} /)[0]!;

describe('README', () => {
  it('documents every error code with the status the code answers', () => {
    const rows = [...section('### Error codes').matchAll(/^\| `(\w+)` \|[^|]*\| (\d{3})/gm)].map(([, code, status]) => [code, Number(status)]);
    expect(Object.fromEntries(rows)).toEqual(WEBHOOK_ERROR_STATUS);
  });

  it('lists every event of the catalog with its delivery mode', () => {
    const catalog = section('## Event catalog');
    for (const provider of Object.values(providers)) {
      for (const entry of Object.values(provider.events)) {
        const row = catalog.split('\n').find((line) => line.startsWith(`| ${provider.displayName} |`) && line.includes(`\`${entry.type}\``));
        expect(row, `${provider.name} ${entry.type}`).toBeDefined();
        expect(row).toContain(entry.delivery === 'sync' ? '**sync**' : 'async');
        expect(row!.includes('inferred')).toBe(entry.inferred !== undefined);
      }
    }
  });
});

/** The Markdown this project writes (the providers' own docs are quoted, not written). */
const markdown = ['README.md', ...readdirSync(new URL('../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].map(
  (file) => [file, readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')] as const,
);
/** The text outside fenced code blocks, line by line with line numbers kept. */
const prose = (text: string) => {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return fenced || line.startsWith('```') ? '' : line;
  });
};
/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

describe('the Markdown is well formed', () => {
  it.each(markdown)('%s: every table is one block (a header, its separator, then rows; no row stranded after prose)', (_, text) => {
    const lines = prose(text);
    const stranded = lines.flatMap((line, i) => {
      if (!line.startsWith('|')) return [];
      const previous = lines[i - 1] ?? '';
      const isHeader = /^\|( *:?-+:? *\|)+$/.test(lines[i + 1] ?? '');
      return previous.startsWith('|') || isHeader ? [] : [`line ${i + 1}: ${line.slice(0, 60)}`];
    });
    expect(stranded).toEqual([]);
  });

  it.each(markdown)('%s: every in-page link (#anchor) names a heading of its page', (file, text) => {
    const headings = new Set(prose(text).flatMap((line) => (/^#{1,6} /.test(line) ? [anchor(line.replace(/^#+/, ''))] : [])));
    const broken = prose(text).flatMap((line) => [...line.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!)).filter((target) => !headings.has(target));
    expect(broken, file).toEqual([]);
  });
});

describe('the system packages the tests need are named the same everywhere', () => {
  const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
  const development = section('## Development');
  it.each(Object.entries(SYSTEM_PROGRAMS))('%s: in test/helpers/system.ts, .ci/run and the README', (_, program) => {
    for (const command of program.commands.filter((c) => c !== 'java')) expect(ci).toContain(`[${command}]=${program.debian}`);
    expect(development).toMatch(new RegExp(`apt-get install -y [^\\n]*\\b${program.debian}\\b`));
    expect(development).toContain(`| \`${program.debian}\` |`);
  });
});

describe('the README API table names real exports', () => {
  it('each function or value in its first column is exported by the root', async () => {
    const root = await import('../src/index.js');
    const table = section('## API').split('\n\n').find((block) => block.startsWith('| export |'))!;
    const rows = table.split('\n').filter((line) => line.startsWith('| `') && !line.startsWith('| `insurance-webhooks'));
    // First column, without parenthesised remarks: `name(args)`, `name`, `a` / `b(c)`, `f()` → `Type`.
    const names = rows.flatMap((row) => [...row.split(' | ')[0]!.replace(/ \([^()]*\)/g, '').matchAll(/`(\w+)/g)].map((m) => m[1]!));
    const missing = names.filter((name) => !(name in root));
    expect(names.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});
