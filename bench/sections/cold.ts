// Part 4: fresh `node` processes receiving their first delivery, against a bare process doing only
// the floor and one that compiles the schemas with ajv at startup. Spawned in rotating order;
// wall time from spawn to exit, medians.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ANNOTATION_KEYWORDS, loadSchemaTree } from '../../scripts/lib/schema-files.js';
import { providerEntry, ROOT, rootEntry, type Lib } from '../lib/env.js';
import { documentedExample, floorSignature, makeDelivery } from '../lib/fixtures.js';
import { median } from '../lib/measure.js';
import type { Result } from '../lib/table.js';

/** The root entry point: at most this many ms over bare node doing the floor. */
export const COLD_DELTA_TARGET_MS = 15;
/** A provider's subpath: at most this many ms over bare node doing the floor. */
export const COLD_SUBPATH_TARGET_MS = 10;
const MODES = ['bare', 'root', 'subpath', 'ajv'] as const;
type Mode = (typeof MODES)[number];

export async function coldStart(lib: Lib, dist: string, spawns: number): Promise<Result[]> {
  const provider = 'kasko';
  const { type, payload } = documentedExample(lib, provider);
  const delivery = await makeDelivery(lib, provider, type, payload);
  const folder = loadSchemaTree(join(ROOT, 'schemas')).providers.find((p) => p.name === provider)!;
  const schemasDir = join(ROOT, 'schemas', provider);
  const floor = floorSignature(lib, delivery);
  const env = {
    ...process.env,
    NODE_OPTIONS: '', // no loader or flags from the parent (tsx); a plain node process
    BENCH_DELIVERY: JSON.stringify({
      provider,
      type,
      body: delivery.body.toString('utf8'),
      headers: delivery.headers,
      method: delivery.method,
      url: delivery.url,
      secret: delivery.secret,
      signatureHeader: floor.signatureHeader,
      algorithm: floor.algorithm,
      prefix: floor.prefix(),
      encoding: floor.encoding,
      encodedLength: floor.encodedLength,
      rootEntry: pathToFileURL(rootEntry(dist)).href,
      providerEntry: pathToFileURL(providerEntry(dist, provider)).href,
      annotationKeywords: ANNOTATION_KEYWORDS,
      schemaFiles: [join(schemasDir, '_defs.schema.json'), ...folder.events.map((e) => e.file)],
      eventIds: folder.events.map((e) => e.schema.$id as string),
      eventId: folder.events.find((e) => e.event === type)!.schema.$id as string,
    }),
  };
  const script = join(ROOT, 'bench', 'cold', 'first-delivery.mjs');
  const wall = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
  const cpu = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
  const spawnOnce = (mode: Mode) => {
    const started = performance.now();
    const child = spawnSync(process.execPath, [script, mode], { env, cwd: ROOT, encoding: 'utf8' });
    const elapsed = performance.now() - started;
    if (child.status !== 0) throw new Error(`cold start (${mode}) failed: ${child.stderr}`);
    const out = JSON.parse(child.stdout) as { type: string; cpuMs: number };
    if (out.type !== type) throw new Error(`cold start (${mode}) received ${out.type}`);
    return { elapsed, cpuMs: out.cpuMs };
  };
  for (const mode of MODES) spawnOnce(mode); // fill the OS file cache; not counted
  for (let i = 0; i < spawns; i++) {
    for (let j = 0; j < MODES.length; j++) {
      const mode = MODES[(i + j) % MODES.length]!;
      const { elapsed, cpuMs } = spawnOnce(mode);
      wall.get(mode)!.push(elapsed);
      cpu.get(mode)!.push(cpuMs);
    }
  }
  const m = (mode: Mode) => median(wall.get(mode)!);
  const c = (mode: Mode) => median(cpu.get(mode)!);
  const target = { max: COLD_DELTA_TARGET_MS };
  const vsBare = (mode: Mode, what: string, target: { max: number } | undefined): Result => ({
    part: 4,
    kind: 'cold',
    what,
    measured: m(mode),
    baseline: m('bare'),
    check: c(mode) - c('bare'),
    ...(target ? { target } : {}),
  });
  return [
    vsBare('root', "cold: import 'insurance-webhooks' (dist/src/index.js) + first receive() vs bare node doing the floor", target),
    vsBare('subpath', "cold: import 'insurance-webhooks/kasko' + first receive() vs bare node doing the floor", { max: COLD_SUBPATH_TARGET_MS }),
    vsBare('ajv', `cold: run-time ajv peer (import ajv, compile KASKO's ${folder.events.length} schemas, floor, validate) vs bare`, undefined),
    {
      part: 4,
      kind: 'cold',
      what: "cold: import 'insurance-webhooks' + first receive() vs the run-time ajv peer",
      measured: m('root'),
      baseline: m('ajv'),
      ratio: m('root') / m('ajv'),
      check: c('root') / c('ajv'),
      target: { max: 1, strict: true },
    },
  ];
}
