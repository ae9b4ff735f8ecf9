// `events`: the catalog as a table, or JSON for scripts.
import { PROVIDERS, providerOption } from '../args.js';
import { table, writeJson, type Command } from '../command.js';
import { EXIT } from '../io.js';
import { providers } from '../../index.js';
import type { EventCatalogEntry } from '../../core/types.js';

interface EventRow {
  provider: string;
  event: string;
  documented: 'documented' | 'inferred';
  delivery: 'sync' | 'async';
  /** What is inferred rather than documented. */
  inferred?: string;
  example: 'documented' | 'constructed';
  source: { doc: string; section: string };
}

function rows(names: readonly string[]): EventRow[] {
  return names.flatMap((name) => {
    const events = (providers as unknown as Record<string, { events: Record<string, EventCatalogEntry> }>)[name]!.events;
    return Object.values(events)
      .sort((a, b) => a.type.localeCompare(b.type))
      .map((entry) => ({
        provider: name,
        event: entry.type,
        documented: entry.inferred === undefined ? 'documented' : 'inferred',
        delivery: entry.delivery,
        ...(entry.inferred !== undefined && { inferred: entry.inferred }),
        example: entry.example,
        source: { doc: entry.source.doc, section: entry.source.section },
      }));
  });
}

export const events: Command = {
  name: 'events',
  summary: 'list every event: provider, documented or inferred, sync or async',
  help: `Usage: insurance-webhooks events [--provider P] [--json]

Lists the event catalog: one row per event with its provider, whether it is fully documented or
partly inferred (the event name or the payload shape is not in the provider's docs), and whether
it is delivered sync (the answer can block the operation) or async.

Options:
  --provider P   only this provider's events (${PROVIDERS.join(', ')})
  --json         an array of { provider, event, documented, delivery, inferred?, example, source }
  -h, --help     this help

Example:
  insurance-webhooks events --provider insurup
`,
  options: { provider: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, io) {
    const names = values.provider === undefined ? PROVIDERS : [providerOption('events', values).name];
    const list = rows(names);
    if (values.json) writeJson(io, list);
    else io.stdout(table([['provider', 'event', 'documented', 'delivery'], ...list.map((row) => [row.provider, row.event, row.documented, row.delivery])]));
    return EXIT.ok;
  },
};
