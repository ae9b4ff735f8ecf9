// Global setup: one empty folder per test run for the packed package (test/helpers/packed-package.ts
// builds it there on first use), removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    packedWorkdir: string;
  }
}

export default function setup(project: TestProject) {
  const work = mkdtempSync(join(tmpdir(), 'iw-pack-'));
  project.provide('packedWorkdir', work);
  return () => rmSync(work, { recursive: true, force: true });
}
