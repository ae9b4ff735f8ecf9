// The README documents what the code does: these tables are checked against the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providers, WEBHOOK_ERROR_STATUS } from '../src/index.js';

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
