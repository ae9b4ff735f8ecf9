// Stryker's JSON report (reports/mutation/mutation.json), as the mutation scripts read it: one
// module for its shape and positions, shared by static-mutants.ts and mutation-scores.ts.
import { createHash } from 'node:crypto';

export interface Position {
  line: number;
  column: number;
}

export interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  static?: boolean;
  location: { start: Position; end: Position };
}

export interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

/** Offset of a (1-based line, 1-based column) position in `source`. */
export function offsetOf(source: string, { line, column }: Position): number {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = source.indexOf('\n', offset) + 1;
  return offset + column - 1;
}

/**
 * A mutant's identity across runs of the same source: ids are numbered afresh by every run, so a
 * re-check is recorded by the file's content (any change to the file voids its verdicts), where
 * the mutant is and what it writes there.
 */
export const mutantKey = (file: string, source: string, mutant: Mutant): string =>
  `${file}@${createHash('sha256').update(source).digest('hex').slice(0, 16)}:${mutant.location.start.line}:${mutant.location.start.column}-${mutant.location.end.line}:${mutant.location.end.column}:${mutant.mutatorName}:${mutant.replacement ?? ''}`;
