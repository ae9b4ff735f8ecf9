// One cold process: load what the variant needs, receive one delivery, print what came out.
// Plain JavaScript run by plain `node` (no tsx), so startup is what a user's process pays.
// Spawned by bench/run.ts (section "cold start"); the delivery arrives in BENCH_DELIVERY.
const mode = process.argv[2];
const d = JSON.parse(process.env.BENCH_DELIVERY);
const body = Buffer.from(d.body, 'utf8');
let type;

async function floor() {
  const { createHmac, timingSafeEqual } = await import('node:crypto');
  // The encoded MAC ends the header (after a label such as `sha1=`): bench/lib/fixtures.ts, floorSignature.
  const header = d.headers[d.signatureHeader];
  const claimed = Buffer.from(header.slice(header.length - d.encodedLength), d.encoding);
  const hmac = createHmac(d.algorithm, d.secret);
  if (d.prefix) hmac.update(d.prefix);
  const mac = hmac.update(body).digest();
  if (mac.length !== claimed.length || !timingSafeEqual(mac, claimed)) throw new Error('signature mismatch');
  return JSON.parse(body.toString('utf8'));
}

const incoming = { body, headers: d.headers, method: d.method, url: d.url };
if (mode === 'bare') {
  const payload = await floor();
  type = payload && d.type;
} else if (mode === 'root') {
  const { receive } = await import(d.rootEntry);
  type = (await receive(d.provider, incoming, { secret: d.secret })).type;
} else if (mode === 'subpath') {
  const { receive } = await import(d.providerEntry);
  type = (await receive(incoming, { secret: d.secret })).type;
} else if (mode === 'ajv') {
  // What an app without standalone validators does: compile the provider's schemas at startup.
  const { readFileSync } = await import('node:fs');
  const { default: Ajv } = await import('ajv');
  const ajv = new Ajv({ allErrors: true, strict: true });
  for (const keyword of d.annotationKeywords) ajv.addKeyword({ keyword, schemaType: ['string', 'object', 'boolean'] });
  for (const file of d.schemaFiles) ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')));
  const validators = d.eventIds.map((id) => ajv.getSchema(id)); // compiles every event schema
  const payload = await floor();
  if (!validators[d.eventIds.indexOf(d.eventId)](payload)) throw new Error('invalid');
  type = d.type;
} else {
  throw new Error(`unknown mode ${mode}`);
}
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ type, ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000 }));
