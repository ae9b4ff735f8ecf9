// Reading what an HTTP server received: headers in any shape and case, the raw body in any form.
import { WebhookError } from './errors.js';

/** The part of a Web `Headers` object that is read (structural, so no DOM types are needed). */
export interface HeadersLike {
  get(name: string): string | null;
}

/** Node's `req.headers`, a plain object in any key case, or a Web `Headers`. */
export type HeaderBag = HeadersLike | Record<string, string | string[] | undefined>;

/** What an HTTP server received, exactly as received. */
export interface IncomingWebhook {
  /** The raw body bytes (a Buffer is a Uint8Array). A string is taken as its UTF-8 bytes. */
  body: string | Uint8Array;
  headers: HeaderBag;
  /** The request method; needed where the provider signs it (Axitech). Defaults to POST. */
  method?: string;
  /** Path and query as the server saw it (Axitech signs it), e.g. Express `req.originalUrl`. */
  url?: string;
}

/**
 * One header's value by lower-case name. The headers this package reads hold one value (none of
 * them has a comma), so a header sent several times — an array, or the joined value Node and Web
 * `Headers` make of repeats (`a, b`), or API Gateway (`a,b`) — counts once when the repeats are
 * identical, and is refused as `header_invalid` naming the header when they differ:
 * `policy.created, policy.cancelled` must never be taken as either. A `list` header (a signature
 * such as `t=…,v1=…,v1=…`) is returned whole, repeats joined with ", ", for its parser.
 */
export function readHeader(headers: HeaderBag, name: string, list = false, conflict: 'header_invalid' | 'signature_invalid' = 'header_invalid'): string | undefined {
  let value: string | string[] | null | undefined;
  if (typeof (headers as HeadersLike).get === 'function') value = (headers as HeadersLike).get(name);
  else value = ownHeader(headers as Record<string, string | string[] | undefined>, name);
  if (list) return Array.isArray(value) ? (value.length ? value.join(', ') : undefined) : (value ?? undefined);
  if (Array.isArray(value)) return value.length ? single(name, value.flatMap(parts), conflict) : undefined;
  return typeof value === 'string' ? (value.includes(',') ? single(name, parts(value), conflict) : value) : undefined;
}

/** The value of `name` in a plain object of headers, in any key case, own properties only. */
function ownHeader(bag: Record<string, string | string[] | undefined>, name: string): string | string[] | undefined {
  let value = Object.hasOwn(bag, name) ? bag[name] : undefined;
  if (value === undefined) {
    for (const key in bag) {
      if (key.length === name.length && key.toLowerCase() === name && Object.hasOwn(bag, key)) {
        value = bag[key];
        break;
      }
    }
  }
  return value;
}

const parts = (value: string): string[] => value.split(/\s*,\s*/);

function single(name: string, values: readonly string[], code: 'header_invalid' | 'signature_invalid'): string {
  const [first] = values;
  if (values.every((value) => value === first)) return first!;
  throw new WebhookError(code, `the ${name} header is repeated with different values`);
}

/** Byte length of the body; for strings, exact only when it could exceed `limit`. */
export function exceedsLimit(body: string | Uint8Array, limit: number): boolean {
  if (typeof body !== 'string') return body.byteLength > limit;
  if (body.length * 3 <= limit) return false; // a UTF-16 unit is at most 3 UTF-8 bytes
  return new TextEncoder().encode(body).byteLength > limit;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text; undefined when its bytes are not valid UTF-8 (nothing is silently replaced). */
export function bodyText(body: string | Uint8Array): string | undefined {
  if (typeof body === 'string') return body;
  try {
    return decoder.decode(body);
  } catch {
    return undefined;
  }
}
