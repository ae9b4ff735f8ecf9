// One reporting path for every refusal and failure, from the router and from the adapters alike:
// the onError handlers, or, while there are none, the logger (default console).
import { WebhookError } from '../core/errors.js';
import type { ErrorContext, Logger } from './types.js';

export type ErrorHandler = (error: unknown, context: ErrorContext) => unknown;

/**
 * A request refused before or instead of `receive()` (no such provider, not POST, a body too large
 * or already read): reported like a WebhookError, a 4xx as a warning.
 */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly code: 'not_found' | 'method_not_allowed' | 'body_too_large' | 'raw_body_unavailable' | 'adapter_failed' | 'internal_error',
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const consoleLogger: Logger = {
  warn: (fields, message) => console.warn(`insurance-webhooks: ${message}`, fields),
  error: (fields, message) => console.error(`insurance-webhooks: ${message}`, fields),
};

/**
 * Reports `error` to every onError handler (a throwing or rejecting handler is ignored: reporting
 * must never change the answer), or to the logger while none is registered. A WebhookError (a
 * refusal) is a warning, anything else an error. Facts only: never a secret, a signature or a payload.
 */
export function report(handlers: readonly ErrorHandler[], logger: Logger | false | undefined, error: unknown, context: ErrorContext): void {
  if (handlers.length > 0) {
    for (const handler of handlers) {
      try {
        void Promise.resolve(handler(error, context)).catch(() => {});
      } catch {
        // ignored, as above
      }
    }
    return;
  }
  const target = logger === undefined ? consoleLogger : logger;
  if (!target) return;
  try {
    log(target, error, context);
  } catch {
    // A logger that fails must not change the answer (reporting never does).
  }
}

function log(target: Logger, error: unknown, context: ErrorContext): void {
  const about = context.event ?? context.invalid;
  const where = context.provider ?? 'webhook';
  const fields = { provider: context.provider, type: about?.type, deliveryId: about?.deliveryId };
  // A refusal (the router's WebhookError, an adapter's 4xx) is a warning; a failure of ours an error.
  const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
  const refusal = error instanceof WebhookError || (typeof status === 'number' && status < 500);
  if (refusal) target.warn({ ...fields, code, status: context.status ?? status, errors: (error as WebhookError).errors }, `${where} delivery refused: ${(error as Error).message}`);
  else target.error({ ...fields, ...(typeof code === 'string' ? { code, status } : {}), error }, `${where}: ${(error as Error)?.message ?? String(error)}`);
}
