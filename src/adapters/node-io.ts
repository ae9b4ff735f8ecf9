// The Node side of the receiving edge, shared by the Node and Express adapters: read the raw body
// with a limit, write the answer, discard what is left of a refused body. Internal: the entry
// points export only their handlers.
import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookResponse } from '../router/responses.js';
import type { BodyRead, EdgeOutcome } from './edge.js';

/**
 * Reads `req`'s body and calls `done` once: with the body, with `tooLarge` once more than `limit`
 * bytes arrive (the rest is not buffered), or with `undefined` if the client goes away first.
 * `done` runs in the caller's async context, as a Promise's reaction would: the stream's events
 * come from the socket's context, where an `AsyncLocalStorage` store the caller entered (a
 * request-scoped logger, a trace) would be gone for the handlers. Throws a TypeError for a `limit`
 * that is not a whole number of bytes.
 */
export function readRawBody(req: IncomingMessage, limit: number, done: (read: BodyRead | undefined) => void): void {
  if (!(Number.isSafeInteger(limit) && limit >= 0)) throw new TypeError(`insurance-webhooks: body limit must be a whole number of bytes (got ${limit})`);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return done({ tooLarge: true });
  // Not AsyncResource.bind(): measured at ~8 µs per call on Node 20, against ~0.1 µs for this.
  const scope = new AsyncResource('insurance-webhooks.body');
  const deliver = (read: BodyRead | undefined) => scope.runInAsyncScope(done, undefined, read);
  const chunks: Buffer[] = [];
  let size = 0;
  // Once the body is complete the listeners are left in place: removing them on every request is
  // work for nothing; `settled` keeps the 'close' that follows every request from calling `done`
  // again. A refused body loses its 'data' and 'end' listeners (discardRest reads what follows).
  let settled = false;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.pause();
      deliver({ tooLarge: true });
    } else chunks.push(chunk);
  };
  const onEnd = () => {
    settled = true;
    deliver({ body: Buffer.concat(chunks, size) });
  };
  // A client that leaves mid-body ends in 'close' before 'end'. The same function listens for
  // 'error' (no closure more): Node's IncomingMessage emits its errors only to listeners, but a
  // request that is any other Readable (light-my-request's inject(), a wrapper) emits them
  // regardless, and an 'error' without a listener would crash the process.
  const onGone = () => {
    if (settled) return;
    settled = true;
    deliver(undefined);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onGone);
  req.on('error', onGone);
}

/**
 * Whether something else already read the stream (a body parser): then the raw bytes are gone and
 * waiting for 'end' would hang the request forever.
 */
export const alreadyRead = (req: IncomingMessage): boolean => req.readableEnded || req.readableDidRead;

/**
 * After answering before the body was read (413), read and discard what the client is still
 * sending — at most `maxBytes`, for at most `maxMs` — so it receives the answer instead of a
 * connection reset, then close. Nothing is kept in memory.
 */
export function discardRest(req: IncomingMessage, maxBytes = 4 * 1024 * 1024, maxMs = 2000): void {
  let seen = 0;
  const timer = setTimeout(() => req.destroy(), maxMs);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) {
      clearTimeout(timer);
      req.destroy();
    }
  });
  req.once('end', () => clearTimeout(timer));
  req.once('error', () => clearTimeout(timer));
  req.resume();
}

function writeResponse(res: ServerResponse, response: WebhookResponse): void {
  if (res.headersSent || res.destroyed) return;
  // Not writeHead(status, { ...headers, 'content-length': … }): measured, a spread copy of the
  // headers cost ~8 µs of server CPU per request more than this (bench/http-ladder.ts). Each header
  // set as writeHead would set it, then the length of the body written: it wins over a
  // content-length of the answer's own (a sync.respond's), whatever its case, as the spread did.
  const { headers } = response;
  for (const name of Object.keys(headers)) res.setHeader(name, headers[name]!);
  res.setHeader('content-length', String(Buffer.byteLength(response.body)));
  res.writeHead(response.status);
  res.end(response.body);
}

/** Writes the edge's answer to Node's response (or drops the connection of a client that left). */
export function writeOutcome(req: IncomingMessage, res: ServerResponse, outcome: EdgeOutcome): void {
  if ('gone' in outcome) {
    res.destroy();
    return;
  }
  writeResponse(res, outcome.response);
  if (outcome.discardRest) discardRest(req);
}
