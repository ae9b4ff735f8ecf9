// docs/asyncapi.yaml: an AsyncAPI 3.0 document of every provider's events. Payloads are the
// inlined schemas with their provenance markers; a sync event's operation has a `reply`: the
// answer that allows or blocks the operation, which is this package's decision (the docs say the
// answer can affect the operation, not what it is).
import { dump } from 'js-yaml';
import { provenanceOf } from './provenance.js';
import { inline } from './resolve.js';
import type { JsonSchema, ProviderFolder, SchemaTree } from './schema-files.js';

/**
 * The default answers to a sync event, as `createWebhooks` sends them (README, "Sync events";
 * `sync.respond` changes them). test/reference-docs.test.ts checks them against a real endpoint.
 */
export const SYNC_REPLY = {
  why: "The docs say a sync event's answer can affect the operation, not which answer allows or blocks it. A status alone tells a caller that reads only status codes; the body tells one that reads it.",
  allow: { status: 200, body: { allow: true } },
  block: { status: 422, body: { allow: false, reason: 'flagged by fraud check' } },
} as const;

const capitalized = (name: string) => name[0]!.toUpperCase() + name.slice(1);

/**
 * The provenance markers of one transport location (provider.json): its own `x-source`,
 * `x-inferred` + `$comment`, or else the file's `x-source` (the docs' header table), as
 * `transportProblems` accepts them. A decided location never shows the file's source as its own.
 */
function locationMarkers(transport: JsonSchema, location: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  const own = provenanceOf(location);
  if (own.source) out['x-source'] = own.source;
  else if (!own.decision && transport['x-source']) out['x-source'] = transport['x-source'];
  if (own.decision) Object.assign(out, { 'x-inferred': own.decision.what, $comment: own.decision.why });
  return out;
}

/** Headers that travel with a delivery, as an AsyncAPI message header schema. */
function headersSchema(provider: ProviderFolder, event: string): JsonSchema {
  const { transport } = provider;
  const properties: JsonSchema = {};
  const required: string[] = [];
  const marked = (location: JsonSchema, schema: JsonSchema) => ({ ...schema, ...locationMarkers(transport, location) });
  if (transport.eventType.in === 'header') {
    // The header's value is this event's name. Whether the docs spell that name out or it is
    // inferred (KASKO's offer.created) is the payload's event-level marker, not the header
    // table's: the header carries no source of its own that could pass for the name's.
    properties[transport.eventType.header] = {
      type: 'string',
      const: event,
      description: "The event type. Whether the docs spell out this name or it is inferred: the payload's event-level x-source / x-inferred.",
    };
    required.push(transport.eventType.header);
  }
  if (transport.deliveryId?.in === 'header') properties[transport.deliveryId.header] = marked(transport.deliveryId, { type: 'string', description: 'Unique delivery id.' });
  if (transport.webhookId?.in === 'header') properties[transport.webhookId.header] = marked(transport.webhookId, { type: 'string', description: 'Id of the configured webhook.' });
  if (transport.timestamp?.in === 'header') {
    properties[transport.timestamp.header] = marked(transport.timestamp, { type: 'string', description: 'Signed timestamp.' });
    required.push(transport.timestamp.header);
  }
  properties[transport.signature.header] = marked(transport.signature, { type: 'string', description: `Signature (${transport.signature.scheme}).` });
  if (!transport.signature.optional) required.push(transport.signature.header);
  return { type: 'object', properties, required };
}

/** The two answers to a sync delivery, as messages with their HTTP status (http binding). */
function replyMessages(displayName: string): JsonSchema {
  const decided = { 'x-inferred': 'The status and body of each answer.', $comment: SYNC_REPLY.why };
  const message = (title: string, summary: string, status: number, payload: JsonSchema) => ({
    name: title.toLowerCase(),
    title: `${displayName} sync answer: ${title.toLowerCase()}`,
    summary,
    contentType: 'application/json',
    payload: { type: 'object', ...payload, ...decided },
    bindings: { http: { statusCode: status, bindingVersion: '0.3.0' } },
    examples: [{ name: title.toLowerCase(), payload: SYNC_REPLY[title.toLowerCase() as 'allow' | 'block'].body }],
    'x-inferred': `HTTP ${status} with this body (this package's default; sync.respond changes it).`,
  });
  return {
    Allow: message('Allow', 'The operation may go ahead.', SYNC_REPLY.allow.status, { required: ['allow'], properties: { allow: { const: true } } }),
    Block: message('Block', 'The operation is blocked; the reason is for the provider to show.', SYNC_REPLY.block.status, {
      required: ['allow', 'reason'],
      properties: { allow: { const: false }, reason: { type: 'string', description: 'Why the operation is blocked.' } },
    }),
  };
}

export function asyncApiYaml(tree: SchemaTree, version: string): string {
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  for (const provider of tree.providers) {
    const { name, transport } = provider;
    const channelMessages: JsonSchema = {};
    const byDelivery: Record<'sync' | 'async', string[]> = { sync: [], async: [] };
    for (const { event, schema } of provider.events) {
      channelMessages[schema.title] = { $ref: `#/components/messages/${schema.title}` };
      byDelivery[schema['x-delivery'] === 'sync' ? 'sync' : 'async'].push(schema.title);
      messages[schema.title] = {
        name: event,
        title: `${transport.displayName} ${event}`,
        summary: schema.description,
        contentType: 'application/json',
        headers: headersSchema(provider, event),
        payload: inline(provider, schema),
        examples: [{ name: schema['x-example'] === 'documented' ? 'documented' : 'constructed', payload: schema.examples[0] }],
      };
    }
    channels[name] = {
      address: `/webhooks/${name}`,
      title: `${transport.displayName} webhooks`,
      description: `HTTP POST deliveries from ${transport.displayName} to your endpoint (the address is yours to choose). Source: ${transport.doc}.`,
      messages: channelMessages,
    };
    const refs = (titles: string[]) => titles.map((title) => ({ $ref: `#/channels/${name}/messages/${title}` }));
    if (byDelivery.async.length) {
      operations[`receive${capitalized(name)}`] = { action: 'receive', channel: { $ref: `#/channels/${name}` }, messages: refs(byDelivery.async) };
    }
    if (byDelivery.sync.length) {
      const replyChannel = `${name}SyncReply`;
      const replies = replyMessages(transport.displayName);
      for (const [title, message] of Object.entries(replies)) messages[`${capitalized(name)}Sync${title}`] = message;
      channels[replyChannel] = {
        address: null,
        title: `${transport.displayName} sync answers`,
        description: `The HTTP response to a sync delivery, on the same connection. Decided by this package: ${SYNC_REPLY.why}`,
        messages: Object.fromEntries(Object.keys(replies).map((title) => [title, { $ref: `#/components/messages/${capitalized(name)}Sync${title}` }])),
      };
      operations[`receive${capitalized(name)}Sync`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${name}` },
        summary: 'Sync events: sent before the operation; the answer allows or blocks it.',
        messages: refs(byDelivery.sync),
        reply: {
          channel: { $ref: `#/channels/${replyChannel}` },
          messages: Object.keys(replies).map((title) => ({ $ref: `#/channels/${replyChannel}/messages/${title}` })),
        },
      };
    }
  }
  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'insurance-webhooks',
      version,
      description:
        "Webhook events of KASKO, InsurUp, Axitech and CoverKit, as described by this package's JSON Schemas (generated; do not edit). " +
        'In each payload schema, x-source names the doc section a constraint comes from; x-inferred (with $comment saying why) marks what this package decided where the docs are silent, and x-required why the required fields are required (docs/schema-policy.md).',
    },
    channels,
    operations,
    components: { messages },
  };
  return `# Generated by scripts/generate.ts from schemas/. Do not edit.\n${dump(document, { lineWidth: -1, noRefs: true, sortKeys: false })}`;
}
