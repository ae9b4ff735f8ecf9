// Reading what an HTTP server received: headers in any shape and case, the raw body in any form.

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
 * One header's value by lower-case name. Repeated headers (arrays) are joined with ", " as
 * Web `Headers` and Node do, so a duplicated signature never matches by accident.
 */
export function readHeader(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as HeadersLike).get === 'function') return (headers as HeadersLike).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  let value = Object.hasOwn(bag, name) ? bag[name] : undefined;
  if (value === undefined) {
    for (const key in bag) {
      if (key.length === name.length && key.toLowerCase() === name && Object.hasOwn(bag, key)) {
        value = bag[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) return value.length ? value.join(', ') : undefined;
  return typeof value === 'string' ? value : undefined;
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
