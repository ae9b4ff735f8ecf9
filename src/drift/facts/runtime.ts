// What the runtime does, read from the runtime itself (never restated here): the provider's
// signature scheme, probed through its own format() and parse(), and the answer a handled
// delivery gets.
import { encodeBase64, encodeHex } from '../../core/crypto.js';
import { MAC_BYTES, type SignatureScheme } from '../../core/signature.js';
import { definitions } from '../../providers/index.js';
import { handled } from '../../router/responses.js';

/** The runtime's signature scheme as drift compares it with a doc. */
export interface RuntimeScheme {
  /** The module that defines it, for the report. */
  file: string;
  name: string;
  algorithm: string;
  /** The label `sign()` writes before the MAC ('' for none). */
  label: string;
  /** The encodings `parse()` accepts. */
  encodings: string[];
  /** What is signed, in the samples' terms: `body`, or `method + url + timestamp + body`. */
  signed: string;
}

/**
 * The runtime scheme of a provider this package defines, probed: undefined for a provider it does
 * not define (a custom schemas dir may have more).
 *
 * @example
 * runtimeScheme('kasko'); // { file: 'src/providers/kasko.ts', name: 'kasko-hmac-sha1', algorithm: 'SHA-1', label: 'sha1=', encodings: ['hex'], signed: 'body' }
 */
export function runtimeScheme(provider: string): RuntimeScheme | undefined {
  if (!Object.hasOwn(definitions, provider)) return undefined;
  const scheme: SignatureScheme = definitions[provider as keyof typeof definitions].signature;
  const mac = new Uint8Array(MAC_BYTES[scheme.algorithm]).map((_, i) => (i * 37 + 11) & 0xff);
  const request = { method: 'POST', url: '/', timestamp: '1700000000' };
  const written = scheme.format(mac, request);
  const hex = encodeHex(mac);
  const base64 = encodeBase64(mac);
  const label = written.endsWith(hex) ? written.slice(0, -hex.length) : written.endsWith(base64) ? written.slice(0, -base64.length) : '';
  const accepts = (encoded: string) => [label + encoded, encoded].some((value) => scheme.parse(value)?.macs.length);
  const encodings = [accepts(hex) ? 'hex' : '', accepts(base64) || accepts(base64.replace(/=+$/, '')) ? 'base64' : ''].filter(Boolean);
  const signed = [scheme.signsRequestLine ? 'method + url' : '', scheme.timestamp ? 'timestamp' : '', 'body'].filter(Boolean).join(' + ');
  return { file: `src/providers/${provider}.ts`, name: scheme.name, algorithm: scheme.algorithm, label, encodings, signed };
}

/** The status the runtime answers a handled delivery with (src/router/responses.ts). */
export const handledStatus = (): number => handled('drift.probe', undefined).status;

/** Whether `status` is what `rule` (`2xx` or `200`) acknowledges. */
export const statusMatches = (rule: string, status: number): boolean =>
  /xx$/.test(rule) ? String(status)[0] === rule[0] : Number(rule) === status;
