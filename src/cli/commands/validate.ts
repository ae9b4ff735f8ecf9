// `validate <file|->`: checks a payload against one event's schema; exit 1 when it does not conform.
import { valueAt } from '../../core/pointer.js';
import { eventEntry, parseJsonFile, PROVIDERS, providerOption, providersWhere, readInput } from '../args.js';
import { writeJson, type Command } from '../command.js';
import { EXIT, CommandLineError } from '../io.js';
import type { ProviderCatalog } from '../../core/types.js';
import { validateEntry } from '../../core/validation.js';
import { formatIssues } from '../../testing/assertions.js';

/** The event type named by --event, or read from the payload where the provider puts it in the body. */
function eventType(catalog: ProviderCatalog<Record<string, unknown>>, option: unknown, payload: unknown): string {
  if (typeof option === 'string' && option !== '') return option;
  const location = catalog.transport.eventType;
  if (location.in === 'body' && payload !== null && typeof payload === 'object') {
    const value = valueAt(payload, location.pointer);
    if (typeof value === 'string') return value;
    throw new CommandLineError(`validate: --event is required (the payload has no string ${location.pointer})`);
  }
  throw new CommandLineError(`validate: --event is required (${catalog.displayName} names the event in the ${location.in === 'header' ? `${location.header} header` : 'body'})`);
}

export const validate: Command = {
  name: 'validate',
  summary: "check a payload file against an event's schema",
  operands: '<file|->',
  help: `Usage: insurance-webhooks validate <file|-> --provider P --event E [--strict] [--json]

Validates a JSON payload (a file, or standard input with -) against the schema of one event.
Prints "valid", or every offending field as a JSON Pointer with the reason. Exit code 0 when the
payload conforms, 1 when it does not (or is not JSON), 2 for a usage error.

Options:
  --provider P   ${PROVIDERS.join(', ')}
  --event E      the event type, e.g. policy.created; optional for ${providersWhere((d) => d.catalog.transport.eventType.in === 'body', 'names')},
                 whose payload names its event
  --strict       also report properties the schema does not describe (contract tests, drift)
  --json         { ok, provider, event, strict, errors: [{ path, message }] }
  -h, --help     this help

Examples:
  insurance-webhooks validate policy.json --provider kasko --event policy.created --strict
  curl -s https://example.test/last-webhook | insurance-webhooks validate - --provider coverkit
`,
  options: { provider: { type: 'string' }, event: { type: 'string' }, strict: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const [file, ...rest] = positionals;
    if (file === undefined) throw new CommandLineError('validate: which payload? Give a file, or - for standard input');
    if (rest.length > 0) throw new CommandLineError(`validate: one payload at a time (got ${positionals.length} files)`);
    const catalog = providerOption('validate', values);
    if (typeof values.event === 'string') eventEntry('validate', catalog, values.event); // unknown names fail before the file is read
    const bytes = await readInput('validate', file, io);
    const strict = values.strict === true;
    const name = file === '-' ? 'stdin' : file;
    const parsed = parseJsonFile(bytes);
    if (!parsed.ok) {
      if (values.json) writeJson(io, { ok: false, provider: catalog.name, event: values.event ?? null, strict, errors: [{ path: '', message: `not JSON: ${parsed.message}` }] });
      else io.stdout(`${name}: not JSON: ${parsed.message}\n`);
      return EXIT.failure;
    }
    const type = eventType(catalog, values.event, parsed.value);
    const result = validateEntry(eventEntry('validate', catalog, type), parsed.value, { strict });
    const errors = result.ok ? [] : result.errors;
    if (values.json) writeJson(io, { ok: result.ok, provider: catalog.name, event: type, strict, errors });
    else {
      const what = `${catalog.name} ${type}${strict ? ' (strict)' : ''}`;
      io.stdout(result.ok ? `${name}: valid ${what}\n` : `${name}: invalid ${what}\n${formatIssues(errors)}\n`);
    }
    return result.ok ? EXIT.ok : EXIT.failure;
  },
};
