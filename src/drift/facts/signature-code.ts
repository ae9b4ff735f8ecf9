// Reads what a signature sample computes by parsing it statically, one language idiom at a time:
// which HMAC algorithm (`hash_hmac('sha1'`, `hashlib.sha256`, `createHmac('sha256'`, `HMACSHA256`,
// `HmacSHA256`…), which encoding (`hexdigest()`, `digest('hex')`, `BitConverter…Replace("-", "")`,
// `Base64.getEncoder()`, `base64_encode`…), which label (`'sha1=' .`), what is signed (`update(…)`)
// and which headers it reads, with the role the code gives each (the variable or parameter it
// lands in). Decision (docs/drift.md, "Why samples are parsed, not run"): running would need PHP,
// Python, a JDK and .NET on every CI machine, would execute text fetched from a provider's site, and
// fails on the docs' own fragments (InsurUp's PHP sample lacks its closing brace, its C# sample a
// semicolon); the idioms below are the API calls the samples are made of, and a sample in which
// none is recognised is reported, so an unfamiliar rewrite is never silently "clean".

/** One thing a sample states, on one of its lines (0-based within the sample). */
export interface SampleStatement {
  field: 'algorithm' | 'encoding' | 'label' | 'signed' | 'header';
  value: string;
  /** For `header`: the role the code gives it (`signature`, `timestamp`, `event`, `delivery`, `webhook id`). */
  role?: string;
  index: number;
}

/** `sha1` / `SHA256` / `HmacSHA256` → `SHA-1` / `SHA-256`. */
export function algorithmName(raw: string): string {
  const bits = /sha-?(\d+)/i.exec(raw)?.[1] ?? '';
  return bits ? `SHA-${bits}` : raw.toUpperCase();
}

const ALGORITHM: RegExp[] = [
  /hash_hmac\(\s*['"]([a-z0-9-]+)['"]/i, // PHP
  /hashlib\.(sha\d+)/i, // Python
  /digestmod\s*=\s*['"](sha\d+)['"]/i, // Python, by name
  /createHmac\(\s*['"`]([a-z0-9-]+)['"`]/i, // Node
  /\bHMAC(SHA\d+)\b/, // C#
  /\bHmac(SHA\d+)\b/, // Java
  /hmac\.New\(\s*(sha\d+)\.New/i, // Go
  /OpenSSL::HMAC\.\w+\(\s*['"](sha\d+)['"]/i, // Ruby
  /\bname:\s*['"]HMAC['"][^}]*hash:\s*['"](SHA-\d+)['"]/i, // Web Crypto
];

const HEX: RegExp[] = [
  /\.hexdigest\(\)/, /\.digest\(\s*['"]hex['"]\s*\)/, /\bbin2hex\(/, /BitConverter\.ToString\([^)]*\)\s*\.Replace\(\s*"-"/,
  /Convert\.ToHexString\(/, /hex\.EncodeToString\(/, /HexFormat\b/, /printHexBinary\(/, /%02x/, /OpenSSL::HMAC\.hexdigest/,
];
const BASE64: RegExp[] = [
  /\bbase64_encode\(/, /\bb64encode\(/, /\.digest\(\s*['"]base64['"]\s*\)/, /Convert\.ToBase64String\(/, /Base64\.getEncoder\(\)/,
  /base64\.StdEncoding/, /Base64\.strict_encode64/, /\bbtoa\(/,
];

/** PHP's hash_hmac returns hex unless its 4th argument asks for raw bytes. */
const PHP_HEX = /hash_hmac\(\s*['"][^'"]+['"]\s*,[^,()]+,[^,()]+\)/;

/** A name as the code spells it → the transport role it plays. */
function roleOf(name: string): string | undefined {
  if (/sig/i.test(name)) return 'signature';
  if (/time|(^|_)ts$/i.test(name)) return 'timestamp';
  if (/deliver/i.test(name)) return 'delivery';
  if (/webhook_?id/i.test(name)) return 'webhook id';
  if (/event/i.test(name)) return 'event';
  return undefined;
}

/** Header reads: `req.headers['x']`, `$_SERVER["HTTP_X_Y"]`, `request.headers.get('x')`, `req.get('x')`, `req.header('x')`. */
const HEADER_READ = /req(?:uest)?\.headers\[\s*['"]([^'"]+)['"]\s*\]|\$_SERVER\[\s*['"]HTTP_([A-Z0-9_]+)['"]\s*\]|req(?:uest)?\.headers\.get\(\s*['"]([^'"]+)['"]\s*\)|req(?:uest)?\.(?:get|header)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The parameter names of every `function name(a, b, c)` of the sample, by function name. */
function functionParams(code: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const match of code.matchAll(/function\s+(\w+)\s*\(([^)]*)\)/g)) params.set(match[1]!, match[2]!.split(',').map((p) => p.trim().replace(/^\$/, '')));
  return params;
}

/** The role of a header read at `at` on `line`: the variable it is assigned to, the operand it is compared with, or the parameter it is passed as. */
function headerRole(line: string, at: number, params: Map<string, string[]>): string | undefined {
  const before = line.slice(0, at);
  const assigned = /(?:\$|\b)(\w+)\s*=\s*$/.exec(before);
  if (assigned) return roleOf(assigned[1]!);
  const compared = /(\w+)\s*(?:!==|===|!=|==)\s*$/.exec(before);
  if (compared) return roleOf(compared[1]!);
  // Passed as an argument: count the commas since the call's open parenthesis.
  const call = /(\w+)\s*\(([^()]*)$/.exec(before);
  if (call) {
    const names = params.get(call[1]!);
    const position = call[2]!.split(',').length - 1;
    if (names?.[position]) return roleOf(names[position]);
  }
  return roleOf(before);
}

/** What `update(…)` calls sign, in order: `METHOD`, `url`, `timestamp`, `body`. */
function signedParts(code: string): string | undefined {
  const updates = [...code.matchAll(/\.update\(([^;]*)\)/g)].map((match) => match[1]!);
  if (updates.length === 0) return undefined;
  const parts: string[] = [];
  for (const argument of updates) {
    if (/method/i.test(argument)) parts.push('method');
    if (/\burl\b|path/i.test(argument)) parts.push('url');
    if (/timestamp/i.test(argument)) parts.push('timestamp');
    if (/body|payload/i.test(argument)) parts.push('body');
  }
  return parts.join(' + ');
}

/**
 * Everything a signature sample states, each on the line it is read from.
 *
 * @example
 * readSignatureSample(["$hash = 'sha1=' . hash_hmac('sha1', $payload, $endpoint_secret);"]);
 * // [{ field: 'algorithm', value: 'SHA-1', index: 0 }, { field: 'encoding', value: 'hex', index: 0 }, { field: 'label', value: 'sha1=', index: 0 }]
 */
export function readSignatureSample(lines: readonly string[]): SampleStatement[] {
  const code = lines.join('\n');
  const params = functionParams(code);
  const out: SampleStatement[] = [];
  const once = (field: SampleStatement['field'], value: string, index: number, role?: string) => {
    if (!out.some((s) => s.field === field && s.value === value && s.role === role)) out.push({ field, value, index, ...(role ? { role } : {}) });
  };
  lines.forEach((line, index) => {
    for (const pattern of ALGORITHM) {
      const match = pattern.exec(line);
      if (match) once('algorithm', algorithmName(match[1]!), index);
    }
    if (HEX.some((p) => p.test(line)) || (PHP_HEX.test(line) && !/base64_encode\(/.test(line))) once('encoding', 'hex', index);
    if (BASE64.some((p) => p.test(line))) once('encoding', 'base64', index);
    const label = /['"](sha\d+=)['"]/i.exec(line);
    if (label) once('label', label[1]!, index);
    for (const match of line.matchAll(HEADER_READ)) {
      const name = (match[1] ?? match[3] ?? match[4] ?? match[2]!.replace(/_/g, '-')).toLowerCase();
      const role = headerRole(line, match.index, params);
      if (role) once('header', name, index, role);
    }
  });
  const signed = signedParts(code);
  if (signed) once('signed', signed, lines.findIndex((line) => /\.update\(/.test(line)));
  return out;
}
