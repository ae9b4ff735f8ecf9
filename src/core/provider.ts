// A provider as the runtime sees it: its generated catalog (transport + events) and its signature
// scheme. Each provider module makes one with defineProvider(); nothing else is provider-specific.
import type { HeaderBag } from './incoming.js';
import { readHeader } from './incoming.js';
import type { SignatureScheme } from './signature.js';
import type { Location, ProviderCatalog } from './types.js';

export interface ProviderDefinition<EventMap = unknown> {
  readonly name: string;
  readonly catalog: ProviderCatalog<EventMap>;
  readonly signature: SignatureScheme;
  /** A fresh delivery id in the provider's own format, for `sign()`. */
  newDeliveryId(): string;
  /** Reads a transport location from the headers or the parsed body. */
  read(location: Location | undefined, headers: HeaderBag, body: unknown): string | undefined;
}

const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** JSON Pointer lookups, split once per pointer rather than on every delivery. */
const pointers = new Map<string, string[]>();
function atPointer(body: unknown, pointer: string): unknown {
  let segments = pointers.get(pointer);
  if (!segments) pointers.set(pointer, (segments = pointer.split('/').slice(1).map(unescape)));
  let node = body;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

export function readLocation(location: Location | undefined, headers: HeaderBag, body: unknown): string | undefined {
  if (!location) return undefined;
  if (location.in === 'header') return readHeader(headers, location.header);
  const value = atPointer(body, location.pointer);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Declares a provider from its generated catalog and signature scheme.
 *
 * @example
 * export const definition = defineProvider(kasko, bodyHmac({ name: 'kasko-hmac-sha1', algorithm: 'SHA-1', encodings: ['hex'], label: 'sha1=' }), () => randomHex(16));
 */
export function defineProvider<EventMap>(
  catalog: ProviderCatalog<EventMap>,
  signature: SignatureScheme,
  newDeliveryId: () => string,
): ProviderDefinition<EventMap> {
  if (catalog.transport.signature.scheme !== signature.name) {
    throw new Error(`${catalog.name}: provider.json names scheme "${catalog.transport.signature.scheme}", the module implements "${signature.name}"`);
  }
  return { name: catalog.name, catalog, signature, newDeliveryId, read: readLocation };
}

/** `bytes` random bytes as lower-case hex (KASKO's GUID-without-dashes delivery ids are 16 bytes). */
export function randomHex(bytes: number): string {
  const buffer = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const byte of buffer) out += byte.toString(16).padStart(2, '0');
  return out;
}
