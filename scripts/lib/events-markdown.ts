// docs/events.md: per event, its fields with type, whether required, description, and where each
// comes from: documented (the doc section that shows it) or decided (what, and why).
import { citation, provenanceOf, ruleQuotes, type DocSource } from './provenance.js';
import { resolver } from './resolve.js';
import type { JsonSchema, ProviderFolder, SchemaTree } from './schema-files.js';

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  description: string;
  provenance: 'documented' | 'decided' | 'unconstrained';
  /** The source of a documented field (and any rule the docs state); what was decided and why for a decided one. */
  basis: string;
}

function typeLabel(schema: JsonSchema, resolve: (node: JsonSchema) => JsonSchema): string {
  if ('const' in schema) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map((member: JsonSchema) => typeLabel(resolve(member), resolve)).join(' or ');
  if (schema.type === 'array' && schema.maxItems === 0) return '`[]` (empty array)';
  if (schema.type === 'array') return `array of ${schema.items ? typeLabel(resolve(schema.items), resolve) : 'any'}`;
  if (schema.type === 'object' && schema.additionalProperties === true) return 'object (open)';
  const type = schema.type ?? 'any';
  return schema.pattern ? `${type} (pattern \`${schema.pattern}\`)` : String(type);
}

/**
 * The last column of a row. A documented field cites where the docs show it (its own source, or
 * the example it is part of) and any rule they state in words; a decided field gives what was
 * decided and why, and cites the docs only where its own `x-source` shows the value — never a
 * section inherited from the object around it.
 */
function basisOf(decision: { what: string; why: string } | undefined, own: DocSource | undefined, shown: DocSource | undefined): string {
  const cited = (source: DocSource) => [citation(source), ...ruleQuotes(source).map((rule) => `the docs state the rule, ${rule}`)].join('; ');
  if (decision) return `${decision.what} Why: ${decision.why}${own ? ` (where the docs show it: ${cited(own)})` : ''}`;
  return shown ? cited(shown) : 'no constraint';
}

/**
 * Every field of an event, depth first. `inherited` is the source that documents the fields of the
 * object being walked: the nearest own `x-source` above, and nothing below a decision, which
 * documents nothing under it.
 */
function fieldRows(provider: ProviderFolder, event: JsonSchema): { rows: FieldRow[]; required: string[] } {
  const resolve = resolver(provider);
  const rows: FieldRow[] = [];
  const requiredReasons: string[] = [];
  const walk = (node: JsonSchema, prefix: string, inherited: DocSource | undefined) => {
    const schema = resolve(node);
    const { source: own, decision: decided, required: why } = provenanceOf(schema);
    const here = own ?? (decided ? undefined : inherited);
    if (schema.type === 'array' && schema.items) return walk(schema.items, `${prefix}[]`, here);
    if (!schema.properties) return;
    if (why) requiredReasons.push(`${prefix ? `\`${prefix}\`: ` : ''}${typeof why === 'string' ? why : `documented: ${citation(why)}`}`);
    const required = new Set<string>(schema.required ?? []);
    for (const [name, child] of Object.entries<JsonSchema>(schema.properties)) {
      const resolved = resolve(child);
      const { source, decision } = provenanceOf(resolved);
      const path = prefix ? `${prefix}.${name}` : name;
      const shown = source ?? here;
      rows.push({
        path,
        type: typeLabel(resolved, resolve),
        required: required.has(name),
        description: String(resolved.description ?? ''),
        provenance: decision ? 'decided' : shown ? 'documented' : 'unconstrained',
        basis: basisOf(decision, source, shown),
      });
      walk(child, path, here);
    }
  };
  walk(event, '', event['x-source']);
  return { rows, required: requiredReasons };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function eventSection(provider: ProviderFolder, event: string, schema: JsonSchema): string[] {
  const name = provider.transport.displayName;
  const { source, decision } = provenanceOf(schema);
  const { rows, required } = fieldRows(provider, schema);
  const lines = [`### ${name} \`${event}\` — \`${schema.title}\``, '', `> ${schema.description}`, ''];
  lines.push(`- delivery: ${schema['x-delivery'] ?? 'async'}`);
  lines.push(`- source: ${citation(source!)}`);
  if (decision) lines.push(`- inferred (decided here): ${decision.what} Why: ${decision.why}`);
  for (const reason of required) lines.push(`- required fields (decided here): ${reason}`);
  lines.push(`- example: ${schema['x-example'] === 'documented' ? "the docs' own" : 'constructed by this project (the docs show none)'}`, '');
  lines.push('| field | type | required | description | documented or decided | source, or what was decided and why |', '| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    lines.push(`| \`${row.path}\` | ${cell(row.type)} | ${row.required ? 'yes' : 'no'} | ${cell(row.description)} | ${row.provenance} | ${cell(row.basis)} |`);
  }
  lines.push('', '```json', JSON.stringify(schema.examples[0], null, 2), '```', '');
  return lines;
}

export function eventsMarkdown(tree: SchemaTree): string {
  const lines = [
    '# Event reference',
    '',
    '<!-- Generated by scripts/generate.ts from schemas/. Do not edit. -->',
    '',
    'Every event this package knows, with its fields as the schemas define them. Each field is',
    "**documented** (the provider's docs show it; the source names the section or example) or",
    "**decided** (this project decided where the docs are silent; what, and why, and where the field's",
    'own source shows its value). An example shows a value and its JSON type, never a rule: a pattern,',
    'a fixed value or whole-number-only is documented only where the docs state it in words, and the',
    'sentence is quoted. A description says what the docs say; a reading of a name or an example is',
    'marked "(inferred)". Which fields are required is always decided: the docs never say which fields',
    'are always sent. The rules behind every decision are in [schema-policy.md](schema-policy.md).',
    'Paths use `.` for object fields and `[]` for array items.',
    '',
  ];
  for (const provider of tree.providers) {
    lines.push(`## ${provider.transport.displayName}`, '');
    for (const { event, schema } of provider.events) lines.push(...eventSection(provider, event, schema));
  }
  return lines.join('\n');
}
