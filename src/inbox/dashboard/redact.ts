// What an inbox viewer (dashboard, `inbox show`) may display of a stored delivery: every provider's
// signature header, credential-like headers and secret-like payload fields replaced by a marker.
// The stored record is never changed: replay needs the bytes exactly as signed.
import { providers } from '../../../generated/index.js';

/** What a redacted value is shown as. */
export const REDACTED = '[redacted]';

/**
 * Every provider's signature header, lower-cased, read from the provider registry
 * (`schemas/<provider>/provider.json`, `transport.signature.header`) so a new provider is covered
 * without a change here.
 */
export const SIGNATURE_HEADERS: ReadonlySet<string> = new Set(
  Object.values(providers).map((catalog) => catalog.transport.signature.header.toLowerCase()),
);

/**
 * Headers that carry credentials whatever the provider (decision: names a proxy or a provider might
 * add — Authorization, cookies, API keys, tokens, secrets, signatures of other schemes).
 */
const CREDENTIAL_HEADER = /^(?:authorization|proxy-authorization|cookie|set-cookie)$|secret|token|signature|api[-_]?key|password|session|auth/i;

/** Payload field names whose values are credentials (decision: shown as REDACTED in every viewer). */
const SECRET_FIELD = /secret|password|passwd|api[-_]?key|token|authorization|signature|^cvv$|^cvc$/i;

/** Whether a header's value is hidden by `redactHeaders`. */
export const isRedactedHeader = (name: string): boolean => SIGNATURE_HEADERS.has(name.toLowerCase()) || CREDENTIAL_HEADER.test(name);

/**
 * The headers with every signature and credential value replaced by `[redacted]`; names kept, so a
 * viewer still sees that the signature was there. Repeated headers (arrays) are redacted whole.
 *
 * @example
 * redactHeaders({ 'x-kasko-signature': 'sha1=…', 'content-type': 'application/json' });
 * // { 'x-kasko-signature': '[redacted]', 'content-type': 'application/json' }
 */
export function redactHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    shown[name] = isRedactedHeader(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return shown;
}

/**
 * A copy of a parsed payload with the values of secret-like fields (at any depth) replaced by
 * `[redacted]`. Depth is bounded (64 levels; deeper values are shown as `[too deep]`) so a hostile
 * payload cannot exhaust the stack.
 *
 * @example
 * redactPayload({ policy: { id: 'p1', api_key: 'k' } }); // { policy: { id: 'p1', api_key: '[redacted]' } }
 */
export function redactPayload(value: unknown, depth = 0): unknown {
  if (depth > 64) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redactPayload(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = SECRET_FIELD.test(key) ? REDACTED : redactPayload(field, depth + 1);
  return copy;
}

/**
 * The body as a viewer shows it: pretty JSON with secret-like fields redacted when it parses, the
 * text as is otherwise (not JSON: nothing to find fields in), cut at `limit` characters.
 *
 * @example
 * displayBody('{"a":1}'); // { text: '{\n  "a": 1\n}', json: true, truncated: false }
 */
export function displayBody(body: string, limit = 256 * 1024): { text: string; json: boolean; truncated: boolean } {
  let text = body;
  let json = false;
  try {
    text = JSON.stringify(redactPayload(JSON.parse(body)), null, 2);
    json = true;
  } catch {
    // not JSON: shown as received
  }
  return { text: text.length > limit ? text.slice(0, limit) : text, json, truncated: text.length > limit };
}

/**
 * A request path + query with the values of credential-like query parameters (`?token=`, `?key=`,
 * `?sig=`, …) replaced by `[redacted]`; an unparsable target is returned as is.
 *
 * @example
 * redactUrl('/webhooks/kasko?token=abc&x=1'); // '/webhooks/kasko?token=[redacted]&x=1'
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const parts = url.slice(query + 1).split('&').map((pair) => {
    const name = pair.split('=', 1)[0]!;
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // kept as written
    }
    return pair.includes('=') && (SECRET_FIELD.test(decoded) || CREDENTIAL_QUERY.test(decoded)) ? `${name}=${REDACTED}` : pair;
  });
  return `${url.slice(0, query)}?${parts.join('&')}`;
}

/** Query parameter names that carry credentials (decision). */
const CREDENTIAL_QUERY = /token|key|sig|secret|auth|code|password/i;
