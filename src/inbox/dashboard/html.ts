// Server-side HTML with escaping by default: every value interpolated into `html` is escaped unless
// it is itself the result of `html` (stored payloads are hostile: a `<script>` in a field stays text).

/** Markup that is already safe to insert (produced by `html` or `raw`). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text escaped for an element's content or a quoted attribute value.
 *
 * @example
 * escapeHtml('<script>"x"</script>'); // '&lt;script&gt;&quot;x&quot;&lt;/script&gt;'
 */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

const render = (value: Value): string =>
  value instanceof SafeHtml ? value.value : Array.isArray(value) ? value.map(render).join('') : value === null || value === undefined || value === false ? '' : escapeHtml(String(value));

/**
 * A tagged template: the literal parts as written, every interpolation escaped (arrays joined,
 * `null`/`undefined`/`false` omitted, nested `html` kept).
 *
 * @example
 * html`<td>${record.type}</td>`; // SafeHtml, with the type escaped
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/**
 * Marks trusted markup (the stylesheet, fixed attributes) as safe. Never call it on stored data.
 *
 * @example
 * html`<option${raw(selected ? ' selected' : '')}>`;
 */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup);
