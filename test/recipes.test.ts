// The README's recipes (README, "Recipes"), run as written. Each ```ts block of that section is
// compiled as the reader's project compiles it (esbuild, `experimentalDecorators` on as in every
// NestJS project), its `insurance-webhooks` imports pointed at src/, and imported with the names
// test/snippets/context.d.ts gives fragments (`webhooks`) set on globalThis; a harness line may
// export names it declares. Then each is driven the way its platform drives it: a genuine signed
// delivery must be answered 200 with its handler run once, and the mistake the recipe avoids must get
// the answer the README says it gets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { Controller, Logger, Module, Post, Req, Res, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Koa from 'koa';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooks, examples, type Webhooks } from '../src/index.js';
import { expressHandler, type ExpressRequest } from '../src/adapters/express.js';
import { createDelivery, type Delivery } from '../src/testing/index.js';
import { SECRET } from './helpers/deliveries.js';

const repo = new URL('..', import.meta.url).pathname;

// ---------------------------------------------------------------------------------------------
// The snippets, from the README
// ---------------------------------------------------------------------------------------------

const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const section = readme.split('\n### Recipes\n')[1]?.split(/\n#{2,3} /)[0] ?? '';
const snippets = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);

/** The one snippet of the Recipes section whose first line is `// <title>…`. */
function snippet(title: string): string {
  const found = snippets.filter((code) => code.startsWith(`// ${title}`));
  expect(found, `one README recipe starting "// ${title}"`).toHaveLength(1);
  return found[0]!;
}

/** Where an `insurance-webhooks` entry point lives in src/ (package.json `exports`, dist → src). */
const exportsMap = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> }).exports;
function sourceOf(specifier: string): string {
  const entry = exportsMap[specifier === 'insurance-webhooks' ? '.' : `.${specifier.slice('insurance-webhooks'.length)}`];
  if (!entry) throw new Error(`no export ${specifier}`);
  return join(repo, entry.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
}

// The compiled snippets live in a temporary folder whose node_modules is this repository's, so
// their framework imports resolve to the very modules this file imports.
let work = '';
let count = 0;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'recipes-'));
  symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'));
  Logger.overrideLogger(false); // Nest's start-up lines
});
afterAll(() => {
  unlinkSync(join(work, 'node_modules')); // the link, never what it points to
  rmSync(work, { recursive: true, force: true });
});

/**
 * Imports the README snippet `title` as a module, with `webhooks` as the global it reads, and
 * `exported` (names it declares) exported. A fresh module each call.
 */
async function load<T>(title: string, webhooks: Webhooks, exported: string[] = []): Promise<T> {
  (globalThis as { webhooks?: Webhooks }).webhooks = webhooks;
  const source = snippet(title).replace(/from '(insurance-webhooks(?:\/[\w/-]+)?)'/g, (_, specifier: string) => `from '${sourceOf(specifier)}'`);
  const { code } = transformSync(`${source}\nexport { ${exported.join(', ')} };\n`, {
    loader: 'ts',
    format: 'esm',
    target: 'es2022',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
  });
  const file = join(work, `recipe-${++count}.mjs`);
  writeFileSync(file, code);
  return (await import(/* @vite-ignore */ file)) as T;
}

// ---------------------------------------------------------------------------------------------
// Deliveries, endpoints, servers
// ---------------------------------------------------------------------------------------------

/** A router for kasko, insurup and axitech that counts the handler runs and the refusals it reports. */
function endpoint() {
  const handled: string[] = [];
  const reported: { code?: string; message?: string }[] = [];
  const webhooks = createWebhooks({ providers: { kasko: { secret: SECRET }, insurup: { secret: SECRET }, axitech: { secret: SECRET } } })
    .onAny('kasko', (event) => void handled.push(`kasko ${event.type}`))
    .onAny('insurup', (event) => void handled.push(`insurup ${event.type}`))
    .onAny('axitech', (event) => void handled.push(`axitech ${event.type}`))
    .onError((error) => void reported.push(error as { code?: string; message?: string }));
  return { webhooks, handled, reported };
}

const kasko = () => createDelivery('kasko', 'policy.created', { secret: SECRET });

interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<RunningServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))),
  };
}

async function post(origin: string, delivery: Delivery) {
  const response = await fetch(`${origin}${delivery.url}`, { method: delivery.method, headers: delivery.headers, body: delivery.body });
  return { status: response.status, body: (await response.json()) as { error?: string; message?: string; received?: boolean; type?: string } };
}

// ---------------------------------------------------------------------------------------------
// AWS Lambda behind API Gateway
// ---------------------------------------------------------------------------------------------

type LambdaHandler = (event: APIGatewayProxyEventV2 | APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const HOST = 'a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com';
const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** `/prod/webhooks/axitech?tenant=7` → its parts as API Gateway sees them. */
function requestLine(url: string) {
  const [path, query = ''] = url.split('?') as [string, string?];
  const [, stage, route] = /^\/(\w+)(\/webhooks\/\w+)$/.exec(path) ?? [undefined, '$default', path];
  return { path, query, stage: stage!, route: route!, provider: /\/webhooks\/(\w+)$/.exec(path)![1]! };
}

/** The request headers plus what API Gateway's edge adds. */
function gatewayHeaders(delivery: Delivery): Record<string, string> {
  return {
    ...delivery.headers,
    host: HOST,
    'content-length': String(utf8(delivery.body).byteLength),
    'user-agent': 'provider-webhooks/1.0',
    'x-amzn-trace-id': 'Root=1-674b1a2c-0a1b2c3d4e5f60718293a4b5',
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
}

/** The body as API Gateway passes it: the text, or (binary media types) base64 of the exact bytes sent. */
const gatewayBody = (delivery: Delivery, base64: boolean) => (base64 ? utf8(delivery.body).toString('base64') : delivery.body);

/**
 * An HTTP API event (payload format 2.0), as API Gateway builds it: header names lower-cased,
 * `rawPath` as called (a named stage's segment included) and `rawQueryString` as sent.
 */
function httpApiEvent(delivery: Delivery, base64: boolean): APIGatewayProxyEventV2 {
  const { path, query, stage, provider } = requestLine(delivery.url);
  const headers = Object.fromEntries(Object.entries(gatewayHeaders(delivery)).map(([name, value]) => [name.toLowerCase(), value]));
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query)) parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{provider}',
    rawPath: path,
    rawQueryString: query,
    headers,
    ...(query ? { queryStringParameters: parameters } : {}),
    pathParameters: { provider },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: HOST,
      domainPrefix: 'a1b2c3d4e5',
      http: { method: delivery.method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'provider-webhooks/1.0' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: 'POST /webhooks/{provider}',
      stage,
      time: '25/Nov/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: gatewayBody(delivery, base64),
    isBase64Encoded: base64,
  };
}

/** `x-kasko-signature` → `X-Kasko-Signature`: REST API (v1) events keep the names as the sender cased them. */
const senderCase = (name: string) => name.replace(/(^|-)(\w)/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());

/**
 * A REST API event (payload format 1.0), as API Gateway builds it: header names as sent, `path`
 * without the stage, `requestContext.path` with it, and the query only parsed and decoded.
 */
function restApiEvent(delivery: Delivery, base64: boolean): APIGatewayProxyEvent {
  const { path, query, stage, route, provider } = requestLine(delivery.url);
  const headers = Object.fromEntries(Object.entries(gatewayHeaders(delivery)).map(([name, value]) => [senderCase(name), value]));
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return {
    resource: '/webhooks/{provider}',
    path: route,
    httpMethod: delivery.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: query ? single : null,
    multiValueQueryStringParameters: query ? multi : null,
    pathParameters: { provider },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authorizer: null,
      domainName: HOST,
      domainPrefix: 'a1b2c3d4e5',
      httpMethod: delivery.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.7',
        user: null,
        userAgent: 'provider-webhooks/1.0',
        userArn: null,
      },
      path,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: Date.now(),
      resourceId: 'abc123',
      resourcePath: '/webhooks/{provider}',
      stage,
    },
    body: gatewayBody(delivery, base64),
    isBase64Encoded: base64,
  };
}

const FORMATS = { 'HTTP API (v2)': httpApiEvent, 'REST API (v1)': restApiEvent } as const;

/** One delivery per provider the recipe has to get right: plain JSON, non-ASCII text, a signed URL. */
const LAMBDA_DELIVERIES = [
  { name: 'KASKO policy.created', handled: 'kasko policy.created', make: () => createDelivery('kasko', 'policy.created', { secret: SECRET, url: '/prod/webhooks/kasko' }) },
  {
    name: 'InsurUp proposal_premium.received (İSTANBUL, Müşteri ismi)',
    handled: 'insurup proposal_premium.received',
    make: () => createDelivery('insurup', 'proposal_premium.received', { secret: SECRET, url: '/prod/webhooks/insurup' }),
  },
  {
    name: 'Axitech session.submitted (signs method, path as called and query)',
    handled: 'axitech session.submitted',
    make: () => createDelivery('axitech', 'session.submitted', { secret: SECRET, url: '/prod/webhooks/axitech?tenant=7&ref=ab-12' }),
  },
] as const;

const CASES = Object.keys(FORMATS).flatMap((format) =>
  [false, true].flatMap((base64) => LAMBDA_DELIVERIES.map((delivery) => ({ format: format as keyof typeof FORMATS, base64, delivery }))),
);

describe('recipe: AWS Lambda behind API Gateway', () => {
  it('the InsurUp example really carries non-ASCII text', async () => {
    const { body } = await LAMBDA_DELIVERIES[1].make();
    expect(body).toContain('İSTANBUL');
    expect(utf8(body).byteLength).toBeGreaterThan(body.length);
  });

  it.for(CASES)('$format, isBase64Encoded: $base64, $delivery.name → 200, handled once', async ({ format, base64, delivery }) => {
    const { webhooks, handled, reported } = endpoint();
    const { handler } = await load<{ handler: LambdaHandler }>('AWS Lambda', webhooks);
    const event = FORMATS[format](await delivery.make(), base64);
    const result = await handler(event);
    expect(result.statusCode, String(result.body)).toBe(200);
    expect(JSON.parse(String(result.body))).toMatchObject({ received: true });
    expect(result.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(handled).toEqual([delivery.handled]);
    expect(reported).toEqual([]);
  });

  it('REST API (v1): the top-level `path` drops the stage Axitech signed (→ 401); requestContext.path, which the recipe uses, keeps it', async () => {
    const { webhooks } = endpoint();
    const event = restApiEvent(await LAMBDA_DELIVERIES[2].make(), false);
    expect([event.path, event.requestContext.path]).toEqual(['/webhooks/axitech', '/prod/webhooks/axitech']);
    const incoming = { body: event.body ?? '', headers: event.headers, method: event.httpMethod };
    expect((await webhooks.handle('axitech', { ...incoming, url: `${event.path}?tenant=7&ref=ab-12` })).status).toBe(401);
    expect((await webhooks.handle('axitech', { ...incoming, url: `${event.requestContext.path}?tenant=7&ref=ab-12` })).status).toBe(200);
  });

  it('the pitfall: the still-base64 body passed on as text → 401 signature_invalid, whose message names base64', async () => {
    const { webhooks, handled, reported } = endpoint();
    const event = httpApiEvent(await LAMBDA_DELIVERIES[1].make(), true);
    // The recipe without its decoding step.
    const answer = await webhooks.handle('insurup', { body: event.body ?? '', headers: event.headers, method: event.requestContext.http.method, url: event.rawPath });
    expect(answer.status).toBe(401);
    const body = JSON.parse(answer.body) as { error: string; message: string };
    expect(body.error).toBe('signature_invalid');
    expect(body.message).toMatch(/base64/);
    expect(body.message).toMatch(/isBase64Encoded/);
    expect(handled).toEqual([]);
    expect(reported.map((error) => error.code)).toEqual(['signature_invalid']);
  });

  it.for([
    { query: '?note=a%20b', parsed: { note: ['a b'] } }, // decoded: comes back as `note=a+b`
    { query: '?a=1&b=2&a=3', parsed: { a: ['1', '3'], b: ['2'] } }, // grouped: comes back as `a=1&a=3&b=2`
  ])('REST API (v1) keeps no raw query: Axitech signed $query, which URLSearchParams does not give back → 401 signature_invalid', async ({ query, parsed }) => {
    const { webhooks, handled } = endpoint();
    const { handler } = await load<{ handler: LambdaHandler }>('AWS Lambda', webhooks);
    const delivery = await createDelivery('axitech', 'session.submitted', { secret: SECRET, url: `/prod/webhooks/axitech${query}` });
    const rest = restApiEvent(delivery, false);
    expect(rest.multiValueQueryStringParameters).toEqual(parsed);
    const result = await handler(rest);
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: 'signature_invalid' });
    // The HTTP API (v2) event of the same request keeps `rawQueryString` as sent.
    expect((await handler(httpApiEvent(delivery, false))).statusCode).toBe(200);
    expect(handled).toEqual(['axitech session.submitted']);
  });

  it('a route naming no provider this endpoint serves → 404', async () => {
    const { webhooks } = endpoint();
    const { handler } = await load<{ handler: LambdaHandler }>('AWS Lambda', webhooks);
    const event = httpApiEvent(await createDelivery('coverkit', 'policy.created', { secret: SECRET, url: '/prod/webhooks/coverkit' }), false);
    expect((await handler(event)).statusCode).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------
// Next.js pages router
// ---------------------------------------------------------------------------------------------

interface NextApiRoute {
  default: (req: http.IncomingMessage, res: http.ServerResponse) => unknown;
  config?: { api?: { bodyParser?: boolean | { sizeLimit?: string } } };
}

/**
 * A SIMULATION of Next.js's pages runtime for API routes (Next is too heavy to install for this
 * test), following next/dist/server/api-utils/node/api-resolver.js and parse-body.js: unless the
 * route module exports `config.api.bodyParser === false`, it reads the whole request body (1 MB
 * limit) and sets `req.body` to the parsed JSON; then it calls the module's default export with
 * Node's `req` and `res`, on a plain node:http server.
 */
function nextPagesRuntime(route: NextApiRoute): Promise<RunningServer> {
  return listen(
    http.createServer(async (req: http.IncomingMessage & { body?: unknown }, res) => {
      if (route.config?.api?.bodyParser !== false && !req.body) {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const text = Buffer.concat(chunks).toString('utf8');
        req.body = String(req.headers['content-type']).startsWith('application/json') ? JSON.parse(text || '{}') : text;
      }
      await route.default(req, res);
    }),
  );
}

describe('recipe: Next.js pages router API route', () => {
  it('with `config = { api: { bodyParser: false } }` the raw stream reaches the handler → 200, handled once', async () => {
    const { webhooks, handled } = endpoint();
    const route = await load<NextApiRoute>('Next.js pages router', webhooks);
    expect(route.config).toEqual({ api: { bodyParser: false } });
    const server = await nextPagesRuntime(route);
    try {
      const answer = await post(server.origin, await createDelivery('kasko', 'policy.created', { secret: SECRET, url: '/api/webhooks/kasko' }));
      expect(answer).toMatchObject({ status: 200, body: { received: true, type: 'policy.created' } });
      expect(handled).toEqual(['kasko policy.created']);
    } finally {
      await server.close();
    }
  });

  it('the pitfall: the same route without that config (Next parsed the body into req.body) → 500 raw_body_unavailable naming `bodyParser: false`', async () => {
    const { webhooks, handled, reported } = endpoint();
    const route = await load<NextApiRoute>('Next.js pages router', webhooks);
    const server = await nextPagesRuntime({ default: route.default });
    try {
      const answer = await post(server.origin, await createDelivery('kasko', 'policy.created', { secret: SECRET, url: '/api/webhooks/kasko' }));
      expect(answer.status).toBe(500);
      expect(answer.body.error).toBe('raw_body_unavailable');
      expect(answer.body.message).toContain('bodyParser: false');
      expect(handled).toEqual([]);
      expect(reported.map((error) => error.code)).toEqual(['raw_body_unavailable']);
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Koa
// ---------------------------------------------------------------------------------------------

describe('recipe: Koa', () => {
  it('the webhook route mounted before the body parser → 200, handled once; the app’s other routes still get parsed JSON', async () => {
    const { webhooks, handled } = endpoint();
    const { app } = await load<{ app: Koa }>('Koa', webhooks, ['app']);
    // What the snippet's last comment says comes next: the body parser, then the app's routes.
    app.use(bodyParser());
    app.use((ctx) => {
      if (ctx.path === '/other/json') ctx.body = { echo: (ctx.request as { body?: unknown }).body };
    });
    const server = await listen(http.createServer(app.callback()));
    try {
      expect(await post(server.origin, await createDelivery('kasko', 'policy.created', { secret: SECRET, url: '/webhooks/kasko' }))).toMatchObject({
        status: 200,
        body: { received: true, type: 'policy.created' },
      });
      expect(handled).toEqual(['kasko policy.created']);
      const other = await fetch(`${server.origin}/other/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(await other.json()).toEqual({ echo: { a: 1 } });
    } finally {
      await server.close();
    }
  });

  it('the pitfall: the body parser mounted first → 500 raw_body_unavailable naming the fix', async () => {
    const { webhooks, handled, reported } = endpoint();
    const { hooks } = await load<{ hooks: Router }>('Koa', webhooks, ['hooks']);
    const app = new Koa();
    app.use(bodyParser());
    app.use(hooks.routes());
    const server = await listen(http.createServer(app.callback()));
    try {
      const answer = await post(server.origin, await kasko());
      expect(answer.status).toBe(500);
      expect(answer.body.error).toBe('raw_body_unavailable');
      expect(answer.body.message).toMatch(/Koa or Connect mount the webhook route before the body parser/);
      expect(handled).toEqual([]);
      expect(reported.map((error) => error.code)).toEqual(['raw_body_unavailable']);
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// NestJS (real @nestjs/core 11 on @nestjs/platform-express)
// ---------------------------------------------------------------------------------------------

async function nestListening(app: INestApplication): Promise<RunningServer> {
  await app.listen(0, '127.0.0.1');
  return { origin: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, close: () => app.close() };
}

/**
 * The controller form the README mentions: `@Post('kasko') receive(@Req() req, @Res() res)`. Its
 * decorators are applied as the functions they are (this file is compiled without
 * `experimentalDecorators`), in the order TypeScript applies them: parameters, then the method, then
 * the class.
 */
function controllerModule(webhooks: Webhooks) {
  class WebhooksController {
    receive(req: ExpressRequest, res: http.ServerResponse) {
      return expressHandler(webhooks, 'kasko')(req, res);
    }
  }
  const prototype = WebhooksController.prototype;
  Req()(prototype, 'receive', 0);
  Res()(prototype, 'receive', 1);
  Post('kasko')(prototype, 'receive', Object.getOwnPropertyDescriptor(prototype, 'receive')!);
  Controller('webhooks')(WebhooksController);
  class ControllerModule {}
  Module({ controllers: [WebhooksController] })(ControllerModule);
  return ControllerModule;
}

describe('recipe: NestJS', () => {
  it('the README module: rawBody: true → 200, handled once (expressHandler verifies req.rawBody)', async () => {
    const { webhooks, handled } = endpoint();
    const { app } = await load<{ app: INestApplication }>('NestJS', webhooks, ['app']);
    const server = await nestListening(app);
    try {
      expect(await post(server.origin, await kasko())).toMatchObject({ status: 200, body: { received: true, type: 'policy.created' } });
      expect(handled).toEqual(['kasko policy.created']);
    } finally {
      await server.close();
    }
  });

  it('the pitfall: the same module without rawBody: true (Nest’s express.json() consumed the body) → 500 raw_body_unavailable naming express.json()', async () => {
    const { webhooks, handled, reported } = endpoint();
    const { AppModule, app: unused } = await load<{ AppModule: new () => object; app: INestApplication }>('NestJS', webhooks, ['AppModule', 'app']);
    await unused.close();
    const server = await nestListening(await NestFactory.create(AppModule));
    try {
      const answer = await post(server.origin, await kasko());
      expect(answer.status).toBe(500);
      expect(answer.body.error).toBe('raw_body_unavailable');
      expect(answer.body.message).toMatch(/^express\.json\(\) read this request's body/);
      expect(handled).toEqual([]);
      expect(reported.map((error) => error.code)).toEqual(['raw_body_unavailable']);
    } finally {
      await server.close();
    }
  });

  it('Nest’s parser keeps express.json()’s 100 KB limit: a bigger delivery is refused before the adapter, unless raised with app.useBodyParser', async () => {
    const { webhooks, handled } = endpoint();
    const big = () => createDelivery('kasko', 'policy.created', { secret: SECRET, payload: `${JSON.stringify(examples.kasko['policy.created'])}${' '.repeat(150_000)}` });
    const { app: asIs } = await load<{ app: INestApplication }>('NestJS', webhooks, ['app']);
    const refused = await nestListening(asIs);
    try {
      expect((await post(refused.origin, await big())).status).toBe(413);
      expect(handled).toEqual([]);
    } finally {
      await refused.close();
    }
    const { app } = await load<{ app: NestExpressApplication }>('NestJS', webhooks, ['app']);
    app.useBodyParser('json', { limit: '1mb' });
    const raised = await nestListening(app);
    try {
      expect(await post(raised.origin, await big())).toMatchObject({ status: 200, body: { received: true } });
      expect(handled).toEqual(['kasko policy.created']);
    } finally {
      await raised.close();
    }
  });

  it('the controller form (@Post, @Req, @Res) with rawBody: true → 200, handled once; without → 500 raw_body_unavailable', async () => {
    const { webhooks, handled } = endpoint();
    const withRaw = await nestListening(await NestFactory.create(controllerModule(webhooks), { rawBody: true }));
    try {
      expect(await post(withRaw.origin, await kasko())).toMatchObject({ status: 200, body: { received: true, type: 'policy.created' } });
      expect(handled).toEqual(['kasko policy.created']);
    } finally {
      await withRaw.close();
    }
    const without = await nestListening(await NestFactory.create(controllerModule(webhooks)));
    try {
      expect(await post(without.origin, await kasko())).toMatchObject({ status: 500, body: { error: 'raw_body_unavailable' } });
      expect(handled).toEqual(['kasko policy.created']);
    } finally {
      await without.close();
    }
  });
});

/** Guards the harness: every recipe of the section is run above. */
it('runs every recipe of the README section', () => {
  expect(snippets.map((code) => code.split('\n')[0]!.match(/^\/\/ (AWS Lambda|Next\.js pages router|Koa|NestJS)/)?.[1])).toEqual(['AWS Lambda', 'Next.js pages router', 'Koa', 'NestJS']);
});

