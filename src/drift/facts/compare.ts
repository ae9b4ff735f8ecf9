// Each documented fact against our side: provider.json (header roles, the signature statements,
// retries, acknowledgement), the runtime (its signature scheme, its handled answer) and the
// schemas (sync/async; property lists and formats in properties.ts).
import type { SchemaFolder } from '../schema-folder.js';
import { EVENT_EXAMPLE } from './headers.js';
import { compareProperties, type SchemaFiles } from './properties.js';
import { handledStatus, runtimeScheme, statusMatches } from './runtime.js';
import type { DocText } from './text.js';
import type { DocFact, ExtractedFacts, FactFinding } from './types.js';

type Json = { [key: string]: unknown };
const asObject = (value: unknown): Json | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);

/** provider.json keys of the header roles. */
const ROLE_KEYS: Record<string, string> = { event: 'eventType', delivery: 'deliveryId', 'webhook id': 'webhookId', signature: 'signature', timestamp: 'timestamp' };

/** Everything one comparison needs. */
export interface FactContext {
  provider: string;
  /** The doc file name (relative to the docs directory). */
  doc: string;
  text: DocText;
  /** provider.json as read. */
  transport: Json;
  folder: SchemaFolder;
  files: SchemaFiles;
}

class Findings {
  readonly list: FactFinding[] = [];
  constructor(private readonly context: FactContext) {}

  add(fact: Pick<FactFinding, 'kind' | 'subject' | 'file' | 'action'> & { docs?: string | undefined; ours?: string | undefined; event?: string | undefined; line?: number | undefined }): void {
    const { line, docs, ours, event, ...rest } = fact;
    const finding: FactFinding = { ...rest, ...(event ? { event } : {}), ...(docs !== undefined ? { docs } : {}), ...(ours !== undefined ? { ours } : {}) };
    if (line) finding.docLine = { doc: this.context.doc, line, text: (this.context.text.lines[line - 1] ?? '').trim().slice(0, 160) };
    this.list.push(finding);
  }
}

const bySubject = (facts: readonly DocFact[], kind: DocFact['kind']) => facts.filter((fact) => fact.kind === kind);

function compareHeaders(context: FactContext, facts: readonly DocFact[], out: Findings): void {
  const file = `schemas/${context.provider}/provider.json`;
  const ours = (role: string) => {
    const location = asObject(context.transport[ROLE_KEYS[role]!]);
    if (!location) return undefined;
    if (role === 'signature') return typeof location.header === 'string' ? location.header : undefined;
    return location.in === 'header' ? String(location.header) : location.in === 'body' ? `body ${String(location.pointer)}` : undefined;
  };
  const docHeaders = bySubject(facts, 'header').filter((fact) => fact.subject !== 'header signature optional' && fact.subject !== EVENT_EXAMPLE);
  for (const fact of facts.filter((f) => f.subject === EVENT_EXAMPLE)) {
    if (!context.folder.events.has(fact.value)) out.add({ kind: 'header', subject: fact.subject, docs: fact.value, ours: '(no schema)', line: fact.line, file: `schemas/${context.provider}/`, action: `the docs' example event type has no schema: the event names read from the headings may no longer be the ones sent; add schemas/${context.provider}/${fact.value}.schema.json or rename the schema it stands for` });
  }
  const optional = asObject(context.transport.signature)?.optional === true ? 'yes' : undefined;
  const statedOptional = facts.filter((fact) => fact.subject === 'header signature optional');
  for (const fact of statedOptional) {
    if (optional !== fact.value) out.add({ kind: 'header', subject: fact.subject, docs: fact.value, line: fact.line, file, action: 'the docs now say the signature header may be absent: set signature.optional in provider.json and decide how receive() treats unsigned deliveries' });
  }
  if (optional && !statedOptional.length) {
    out.add({ kind: 'header', subject: 'header signature optional', ours: optional, file, action: 'the docs no longer say the signature header may be absent: drop signature.optional and reconsider allowUnsigned' });
  }
  for (const fact of docHeaders) {
    const role = fact.subject.slice('header '.length);
    if (!Object.hasOwn(ROLE_KEYS, role)) {
      out.add({ kind: 'header', subject: fact.subject, docs: fact.value, line: fact.line, file, action: 'a header the docs describe in words no role matches: read it; if it carries delivery metadata, give it a location in provider.json (and teach roleFromDescription its words)' });
      continue;
    }
    const our = ours(role);
    if (our !== fact.value) {
      out.add({ kind: 'header', subject: fact.subject, docs: fact.value, ours: our, line: fact.line, file, action: `make provider.json ${ROLE_KEYS[role]} read the header the docs name (the runtime reads provider.json), or record why not` });
    }
  }
  for (const [role, key] of Object.entries(ROLE_KEYS)) {
    const our = ours(role);
    if (!our || our.startsWith('body ') || docHeaders.some((fact) => fact.subject === `header ${role}`)) continue;
    out.add({ kind: 'header', subject: `header ${role}`, ours: our, file, action: `the docs no longer name the ${role} header: check whether ${key} moved or was dropped` });
  }
}

const FIELDS = ['algorithm', 'encoding', 'label', 'signed'] as const;

function compareSignature(context: FactContext, facts: readonly DocFact[], out: Findings): void {
  const file = `schemas/${context.provider}/provider.json`;
  const signature = asObject(context.transport.signature) ?? {};
  const documented = (Array.isArray(signature['x-documented']) ? signature['x-documented'] : []).map(asObject).filter((entry): entry is Json => !!entry);
  const runtime = runtimeScheme(context.provider);
  const docFacts = bySubject(facts, 'signature');
  const seen = new Set<string>();
  for (const fact of docFacts) {
    const parsed = /^signature (\w+) \((.+)\)$/.exec(fact.subject);
    if (!parsed) continue;
    const [, field = '', where = ''] = parsed;
    seen.add(fact.subject);
    if (field === 'sample') {
      out.add({ kind: 'signature', subject: fact.subject, docs: fact.value, line: fact.line, file: 'src/drift/facts/signature-code.ts', action: 'the sample computes its signature in an idiom the reader does not know: read it, then teach signature-code.ts the idiom' });
      continue;
    }
    const entry = documented.find((e) => e.where === where);
    const recorded = typeof entry?.[field] === 'string' ? (entry[field] as string) : undefined;
    if (recorded !== fact.value) {
      out.add({ kind: 'signature', subject: fact.subject, docs: fact.value, ours: recorded, line: fact.line, file, action: `update signature.x-documented ("${where}") in provider.json, and check the runtime scheme still verifies what the docs now describe` });
    }
    if (!runtime) continue;
    const mismatch =
      field === 'algorithm' ? fact.value !== runtime.algorithm && runtime.algorithm
      : field === 'encoding' ? !runtime.encodings.includes(fact.value) && runtime.encodings.join(', ')
      : field === 'label' ? fact.value !== runtime.label && (runtime.label || '(none)')
      : field === 'signed' ? fact.value !== runtime.signed && runtime.signed
      : false;
    if (mismatch) {
      out.add({ kind: 'signature', subject: `runtime ${field} (${where})`, docs: fact.value, ours: mismatch, line: fact.line, file: runtime.file, action: `the runtime scheme ${runtime.name} does not verify what the docs now describe: change the scheme in ${runtime.file} (and its name in provider.json)` });
    }
  }
  for (const entry of documented) {
    for (const field of FIELDS) {
      const subject = `signature ${field} (${String(entry.where)})`;
      if (typeof entry[field] === 'string' && !seen.has(subject)) {
        out.add({ kind: 'signature', subject, ours: entry[field] as string, file, action: `the docs no longer state the ${field} in the ${String(entry.where)}: find where it went, then update signature.x-documented` });
      }
    }
  }
}

function compareDeliveryModes(context: FactContext, facts: readonly DocFact[], out: Findings): void {
  for (const fact of bySubject(facts, 'delivery-mode')) {
    const schema = fact.event ? context.folder.events.get(fact.event) : undefined;
    if (!schema || schema.delivery === fact.value) continue;
    const file = `schemas/${context.provider}/${schema.event}.schema.json`;
    const action = fact.value === 'unmarked' ? `the docs no longer mark ${schema.event} sync or async: ask the provider, keep x-delivery until they answer` : `set x-delivery to "${fact.value}" (a sync event's answer allows or blocks the operation)`;
    out.add({ kind: 'delivery-mode', subject: 'delivery mode', event: schema.event, docs: fact.value, ours: schema.delivery, line: fact.line, file, action });
  }
}

/** The line of the first part of a multi-line value that differs from ours (a changed retry step). */
function firstDifference(fact: DocFact, ours: string | undefined): number {
  const theirs = fact.value.split(' ');
  const mine = ours?.split(' ') ?? [];
  const index = theirs.findIndex((part, i) => part !== mine[i]);
  return fact.partLines?.[index === -1 ? theirs.length - 1 : index] ?? fact.line;
}

function compareRetries(context: FactContext, facts: readonly DocFact[], out: Findings): void {
  const file = `schemas/${context.provider}/provider.json`;
  const retries = asObject(context.transport.retries);
  const ours: Record<string, string | undefined> = {
    retries: retries ? 'yes' : undefined,
    'retries schedule': Array.isArray(retries?.scheduleSeconds) ? retries.scheduleSeconds.map((s) => `${String(s)}s`).join(' ') : undefined,
    'retries attempts': typeof retries?.attempts === 'number' ? String(retries.attempts) : undefined,
  };
  const docs = bySubject(facts, 'retries');
  for (const [subject, our] of Object.entries(ours)) {
    const stated = docs.filter((fact) => fact.subject === subject);
    for (const fact of stated) {
      if (fact.value !== our) out.add({ kind: 'retries', subject, docs: fact.value, ours: our, line: firstDifference(fact, our), file, action: 'update retries in provider.json; check the idempotency TTL still outlasts the whole schedule (a retry after the key expired is handled twice)' });
    }
    if (!stated.length && our !== undefined) out.add({ kind: 'retries', subject, ours: our, file, action: 'the docs no longer state this: find what replaced it, then update retries in provider.json' });
  }
}

function compareAcknowledgement(context: FactContext, facts: readonly DocFact[], out: Findings): void {
  const file = `schemas/${context.provider}/provider.json`;
  const ack = asObject(context.transport.acknowledgement);
  const ours: Record<string, string | undefined> = {
    'acknowledgement success': typeof ack?.success === 'string' ? ack.success : undefined,
    'acknowledgement redirects': typeof ack?.redirects === 'string' ? ack.redirects : undefined,
  };
  const docs = bySubject(facts, 'acknowledgement');
  for (const [subject, our] of Object.entries(ours)) {
    const stated = docs.filter((fact) => fact.subject === subject);
    for (const fact of stated) {
      if (fact.value !== our) out.add({ kind: 'acknowledgement', subject, docs: fact.value, ours: our, line: fact.line, file, action: 'update acknowledgement in provider.json' });
    }
    if (!stated.length && our !== undefined) out.add({ kind: 'acknowledgement', subject, ours: our, file, action: 'the docs no longer state this rule: find what replaced it, then update acknowledgement in provider.json' });
  }
  const status = handledStatus();
  for (const fact of docs.filter((f) => f.subject === 'acknowledgement success' && !statusMatches(f.value, status))) {
    out.add({ kind: 'acknowledgement', subject: 'runtime handled answer', docs: fact.value, ours: String(status), line: fact.line, file: 'src/router/responses.ts', action: 'the runtime answers handled deliveries with a status the docs no longer count as received: every delivery would be retried' });
  }
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Every `x-source.rules` quote of provider.json's own facts must still be in the doc, word for word. */
function compareQuotes(context: FactContext, out: Findings): void {
  const file = `schemas/${context.provider}/provider.json`;
  const doc = normalise(context.text.text);
  for (const key of ['retries', 'acknowledgement'] as const) {
    const rules = asObject(asObject(asObject(context.transport[key])?.['x-source'])?.rules) ?? {};
    for (const [rule, quote] of Object.entries(rules)) {
      if (typeof quote === 'string' && !doc.includes(normalise(quote))) {
        out.add({ kind: key, subject: `${key} ${rule} quote`, ours: quote, file, action: `the sentence ${key}.x-source.rules.${rule} quotes is no longer in the doc: read what replaced it and update ${key}` });
      }
    }
  }
}

/**
 * Every documented fact of one doc against our side, as findings (empty when they agree).
 *
 * @example
 * compareFacts(context, docFacts('kasko', text)); // [{ kind: 'signature', subject: 'signature algorithm (PHP sample)', docs: 'SHA-256', ours: 'SHA-1', … }]
 */
export function compareFacts(context: FactContext, extracted: ExtractedFacts): FactFinding[] {
  const out = new Findings(context);
  compareHeaders(context, extracted.facts, out);
  compareSignature(context, extracted.facts, out);
  compareDeliveryModes(context, extracted.facts, out);
  compareRetries(context, extracted.facts, out);
  compareAcknowledgement(context, extracted.facts, out);
  compareQuotes(context, out);
  for (const finding of compareProperties(context.provider, context.folder, context.files, extracted)) out.add(finding);
  return out.list;
}
