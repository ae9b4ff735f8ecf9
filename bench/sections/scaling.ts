// Part 3: receive() and receiveSync() from 1 KiB to 4 MiB against the floor at each size, bodies of
// one long string and bodies of many keys; the validation cost of the largest documented payload
// (standalone validator vs ajv compiled at run time); refusing worst-case invalid bodies vs
// JSON.parse of the same bytes.
import type { Lib } from '../lib/env.js';
import { floorOf, largestDocumented, makeDelivery, paddedKasko, runtimeValidator, structuredKasko } from '../lib/fixtures.js';
import { measureSideBySide, timeOf, type MeasureOptions } from '../lib/measure.js';
import { bytes, timeResult, type Result } from '../lib/table.js';
/** receive() and receiveSync() at every size: at most this many times the floor. */
export const SIZE_RATIO_TARGET = 1.1;

export const SIZES = [1, 4, 16, 64, 256, 1024, 4096].map((kib) => kib * 1024);
/** Sizes also measured with structure (many keys) instead of one long string. */
export const STRUCTURED_SIZES = [1, 4, 16, 64, 256, 1024, 4096].map((kib) => kib * 1024);
/** The body limit the sweep runs with (the default, 1 MiB, refuses the largest sizes). */
const SWEEP_LIMIT = 8 * 1024 * 1024;
/** Refusing a worst-case invalid body: at most this many times JSON.parse of the same bytes. */
export const REFUSAL_RATIO_TARGET = 3;

export async function scaling(lib: Lib, options: MeasureOptions): Promise<Result[]> {
  const results: Result[] = [];
  const floors: number[] = [];
  const ours: number[] = [];
  const runs = [
    ...SIZES.map((size) => ({ size, structured: false })),
    ...STRUCTURED_SIZES.map((size) => ({ size, structured: true })),
  ];
  for (const { size, structured } of runs) {
    const { type, payload } = (structured ? structuredKasko : paddedKasko)(lib, size);
    const delivery = await makeDelivery(lib, 'kasko', type, payload, SWEEP_LIMIT);
    if (delivery.body.length !== size) throw new Error(`padded body is ${delivery.body.length} B, wanted ${size}`);
    const { incoming, options: receiveOptions } = delivery;
    if ((await lib.receive('kasko', incoming, receiveOptions)).type !== type) throw new Error('padded body refused');
    // receiveSync() beside receive() in the same comparison: from 1 KiB up the body's bytes, not
    // which of the two V8 optimized first (see hot.ts), decide the time.
    const t = await measureSideBySide(
      [
        { id: 'floor', fn: floorOf(lib, delivery) },
        { id: 'receive', fn: () => lib.receive('kasko', incoming, receiveOptions) },
        { id: 'receiveSync', fn: () => lib.receiveSync('kasko', incoming, receiveOptions) },
      ],
      options,
    );
    if (!structured) {
      floors.push(timeOf(t, 'floor'));
      ours.push(timeOf(t, 'receive'));
    }
    const shape = structured
      ? `${(payload as { assets: unknown[] }).assets.length} assets (many keys)`
      : 'a long metadata string';
    for (const api of ['receive', 'receiveSync'] as const) {
      results.push(
        timeResult(t, api, 'floor', {
          part: 3,
          what: `kasko ${bytes(size)} body, ${shape}: ${api}() vs floor`,
          bytes: size,
          target: { max: SIZE_RATIO_TARGET },
        }),
      );
    }
  }
  const span = SIZES.at(-1)! - SIZES[0]!;
  const slope = (series: number[]) => (series.at(-1)! - series[0]!) / span;
  results.push({
    part: 3,
    kind: 'slope',
    what: `marginal cost per byte, ${bytes(SIZES[0]!)} → ${bytes(SIZES.at(-1)!)} (long string): receive() vs floor`,
    measured: slope(ours),
    baseline: slope(floors),
  });

  // Validation alone, on the largest payload the docs show. A pool of separately parsed copies:
  // validating one object over and over would flatter every validator (hot caches, same strings).
  const { provider, type, text, size } = largestDocumented(lib);
  const pool = Array.from({ length: 1024 }, (): unknown => JSON.parse(text));
  const standalone = (lib.providers[provider].events as Record<string, { validate: (data: unknown) => boolean }>)[type]!.validate;
  const runtime = runtimeValidator(provider, type);
  if (!pool.every((payload) => standalone(payload) && runtime(payload))) throw new Error('largest documented payload does not validate');
  let i = 0;
  let j = 0;
  const t = await measureSideBySide(
    [
      { id: 'standalone', fn: () => standalone(pool[i++ & 1023]) },
      { id: 'runtime', fn: () => runtime(pool[j++ & 1023]) },
      { id: 'parse', fn: () => JSON.parse(text) },
    ],
    options,
  );
  const label = `${provider} ${type} (${size} B, largest documented)`;
  results.push(timeResult(t, 'standalone', 'runtime', { part: 3, what: `${label}: our standalone validator vs run-time ajv validator` }));
  results.push(timeResult(t, 'standalone', 'parse', { part: 3, what: `${label}: our standalone validator vs JSON.parse of the same body` }));
  results.push(...(await refusalCost(lib, options)));
  return results;
}

/** Bodies the refusal cost is measured at: the 47 KiB that took seconds before, and the 1 MiB limit. */
export const REFUSAL_SIZES = [47 * 1024, 1024 * 1024 - 64];

/**
 * Refusing must stay linear: its cost per byte may grow from 47 KiB to 1 MiB at most this many
 * times as much as JSON.parse's of the same bodies grows. JSON.parse's own is not flat: a megabyte
 * of small objects outgrows V8's young generation, and copying the survivors of each scavenge made
 * its cost per byte 5–6× higher at 1 MiB than at 47 KiB on `{}` items (docs/benchmarks.md). No
 * receiver avoids that; a refusal quadratic throughout (an error list rebuilt per item, say) would
 * show as about 4× over it (its cost per byte grows 21.8× over the step, JSON.parse's 5.4–5.9×); a
 * quadratic part under about a third of the cost at 47 KiB stays under this target.
 */
export const REFUSAL_LINEARITY_TARGET = 2;

/**
 * The worst cases for refusing a body: an unsigned InsurUp delivery (`allowUnsigned`, so anyone can
 * send it) whose `premiums` array holds nothing but `1` (each item a type error: the most errors
 * per byte JSON allows) or `{}` (each item missing every required field). receive() must refuse
 * it in time linear in its size, with a bounded answer (README, "Security notes"); the ratio to
 * JSON.parse of the same bytes is shown, not targeted.
 */
async function refusalCost(lib: Lib, options: MeasureOptions): Promise<Result[]> {
  const results: Result[] = [];
  const example = lib.examples.insurup['proposal_premium.received'];
  for (const [item, label] of [[1, 'premiums of 1'], [{}, 'empty premiums']] as const) {
    const perByte: number[] = [];
    const parsePerByte: number[] = [];
    for (const size of REFUSAL_SIZES) {
      const skeleton = JSON.stringify({ ...example, premiums: [] });
      const count = Math.floor((size - skeleton.length) / (JSON.stringify(item).length + 1));
      const body = JSON.stringify({ ...example, premiums: Array.from({ length: count }, () => item) });
      const incoming = { body, headers: { 'x-webhook-event': 'proposal_premium.received', 'x-webhook-delivery': 'bench' } };
      const receiveOptions = { allowUnsigned: true, maxBodyBytes: SWEEP_LIMIT };
      const refuse = () =>
        lib.receive('insurup', incoming, receiveOptions).then(
          () => {
            throw new Error('the worst-case body was accepted');
          },
          (error: { code?: string; errors?: unknown[]; message?: string }) => {
            if (error.code !== 'payload_invalid' || (error.errors?.length ?? 0) > 21 || (error.message?.length ?? 0) > 2000) throw new Error(`unexpected refusal: ${String(error.code)}`);
          },
        );
      await refuse();
      const t = await measureSideBySide(
        [
          { id: 'refuse', fn: refuse },
          { id: 'parse', fn: () => JSON.parse(body) },
        ],
        options,
      );
      perByte.push(timeOf(t, 'refuse') / body.length);
      parsePerByte.push(timeOf(t, 'parse') / body.length);
      results.push(
        timeResult(t, 'refuse', 'parse', {
          part: 3,
          what: `refusing a worst-case invalid body (${Math.round(body.length / 1024)} KiB, ${count} ${label}, unsigned InsurUp) vs JSON.parse of the same bytes`,
          bytes: body.length,
          target: { max: REFUSAL_RATIO_TARGET },
        }),
      );
    }
    results.push({
      part: 3,
      kind: 'slope',
      what: `refusal cost per byte, ${label}: at 1 MiB vs at 47 KiB, beside JSON.parse's growth (linear: ≤ ${REFUSAL_LINEARITY_TARGET}× it)`,
      measured: perByte[1]!,
      baseline: perByte[0]!,
      check: parsePerByte[1]! / parsePerByte[0]!,
      target: { max: REFUSAL_LINEARITY_TARGET },
    });
  }
  return results;
}
