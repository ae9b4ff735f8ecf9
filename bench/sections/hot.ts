// Parts 1 and 2: receive() (or receiveSync()) per provider on its largest documented example,
// against the floor and against peer pipelines doing the same job, all measured side by side.
//
// One process measures one of the two APIs: with both hot in one process, whichever V8 optimized
// first reads 0.1–0.2× worse (measured), and an application uses one of them anyway.
import type { Lib } from '../lib/env.js';
import { documentedExample, escapedJson, floorChecksOf, floorOf, makeDelivery, peersOf, PROVIDERS, type Delivery, type ProviderName } from '../lib/fixtures.js';
import { measureSideBySide, timeOf, type MeasureOptions } from '../lib/measure.js';
import { timeResult, type Result } from '../lib/table.js';
import { definitions } from '../../src/providers/index.js';

export const HOT_RATIO_TARGET = 1.1;
export type Api = 'receive' | 'receiveSync';

/** The same payload as another serializer writes it (see escapedJson): a row per provider where it changes the bytes. */
const ESCAPED: Partial<Record<ProviderName, { style: 'php' | 'dotnet'; label: string }>> = {
  kasko: { style: 'php', label: "'/' escaped, as PHP json_encode writes it" },
  insurup: { style: 'dotnet', label: 'non-ASCII as \\uXXXX, as .NET System.Text.Json writes it' },
};

/** Every pipeline must accept the delivery before it is timed: a benchmark of a refusal proves nothing. */
async function check(delivery: Delivery, cases: Record<string, () => unknown>): Promise<void> {
  for (const [id, fn] of Object.entries(cases)) {
    const result = (await fn()) as { type?: string } | undefined;
    if (result === undefined || result === null) throw new Error(`${delivery.provider}: ${id} returned nothing`);
    if (id.startsWith('receive') && result.type !== delivery.type) throw new Error(`${delivery.provider}: ${id} returned ${result.type}`);
  }
}

export async function hotPath(lib: Lib, options: MeasureOptions & { api: Api }): Promise<Result[]> {
  const { api } = options;
  const results: Result[] = [];
  for (const provider of PROVIDERS) {
    const { type, payload } = documentedExample(lib, provider);
    const delivery = await makeDelivery(lib, provider, type, payload);
    const call = (d: Delivery) =>
      api === 'receive' ? () => lib.receive(provider, d.incoming, d.options) : () => lib.receiveSync(provider, d.incoming, d.options);
    const cases: Record<string, () => unknown> = { floor: floorOf(lib, delivery), [api]: call(delivery) };
    const escaped = ESCAPED[provider];
    const escapedDelivery = escaped && (await makeDelivery(lib, provider, type, payload, undefined, escapedJson(payload, escaped.style)));
    if (escapedDelivery) {
      cases.escapedFloor = floorOf(lib, escapedDelivery);
      cases.escaped = call(escapedDelivery);
    }
    if (api === 'receive') {
      const peers = await peersOf(delivery);
      cases.floorChecks = floorChecksOf(lib, delivery);
      cases.standard = peers.standard;
      cases.octokit = peers.octokit;
      // The floor again, under another name: how far a ratio moves by noise alone.
      if (provider === 'kasko') cases.control = floorOf(lib, delivery);
    }
    await check(delivery, cases);
    const t = await measureSideBySide(
      Object.entries(cases).map(([id, fn]) => ({ id, fn })),
      options,
    );
    const target = { max: HOT_RATIO_TARGET };
    if (api === 'receiveSync') {
      results.push(timeResult(t, api, 'floor', { part: 1, what: `${provider}: receiveSync() vs floor`, target }));
      if (escapedDelivery) {
        results.push(timeResult(t, 'escaped', 'escapedFloor', { part: 1, what: `${provider}: receiveSync() vs floor, ${escaped!.label}`, target }));
      }
      continue;
    }
    const { algorithm, signsRequestLine, timestamp } = definitions[provider].signature;
    results.push({
      part: 1,
      kind: 'time',
      what: `${provider} ${type} (${delivery.body.length} B): floor = HMAC-${algorithm}${signsRequestLine || timestamp ? ' of prefix + body' : ''} + timingSafeEqual + JSON.parse`,
      measured: timeOf(t, 'floor'),
    });
    results.push(timeResult(t, 'receive', 'floor', { part: 1, what: `${provider}: receive() vs floor`, target }));
    if (escapedDelivery) {
      results.push(
        timeResult(t, 'escaped', 'escapedFloor', {
          part: 1,
          what: `${provider}: receive() vs floor, ${escaped!.label} (${escapedDelivery.body.length} B)`,
          target,
        }),
      );
    }
    results.push(
      timeResult(t, 'floorChecks', 'floor', { part: 1, what: `${provider}: floor + UTF-8 check, prototype-key pre-check, the package's validator; no framework (info)` }),
    );
    if (cases.control) results.push(timeResult(t, 'control', 'floor', { part: 1, what: `${provider}: control, floor vs floor (noise)` }));
    const peer = { max: 1, strict: true };
    results.push(timeResult(t, 'receive', 'standard', { part: 2, what: `${provider}: receive() vs Standard Webhooks Webhook#verify (parses) + run-time ajv`, target: peer }));
    results.push(timeResult(t, 'receive', 'octokit', { part: 2, what: `${provider}: receive() vs @octokit/webhooks-methods verify + JSON.parse + run-time ajv`, target: peer }));
  }
  return results;
}
