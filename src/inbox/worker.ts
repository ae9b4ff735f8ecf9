// Workers: claim due deliveries with a lease, run the handlers, record the outcome. A worker that
// dies mid-handler holds nothing once its lease lapses: the delivery is claimed again (attempts + 1).
// While a handler runs its lease is renewed, so a slow handler is not taken over while alive.
import { retryDelay, retryPolicy, type RetryPolicy } from './retry.js';
import type { ClaimedRecord, InboxStore } from './types.js';

export interface WorkOptions {
  /** Deliveries run at once by this worker. Default 4. */
  concurrency?: number;
  /** How long a claim lasts without renewal, in ms (renewed every third of it while the handler runs). Default 60 000. */
  leaseMs?: number;
  /** How often an idle worker looks for due deliveries, in ms (captures in this process wake it at once). Default 1000. */
  pollMs?: number;
  /** Names this worker in the records it claims (`workerId`; default pid:random). */
  workerId?: string;
  /**
   * How long one run of the handlers may take, in ms, before the attempt counts as failed (retried
   * with backoff, or dead after the last attempt) and its claim is let go. Default 600 000 (10 min;
   * a decision: the docs know nothing of our handlers). A run cannot be cancelled: it may still be
   * going when the retry starts, one more reason handlers must be idempotent by the key they get.
   */
  handlerTimeoutMs?: number;
}

/**
 * What a watched run is given (the router's Observation): its handlers wrapped in spans, and where
 * to note the refusal code of a stored body that no longer validates.
 */
export interface RunScope {
  code: string | undefined;
  handlers<A extends unknown[]>(list: readonly ((...args: A) => unknown)[], name: string): ((...args: A) => Promise<unknown>)[];
}

/**
 * What became of one run: `handled`, `retrying` (after its backoff) or `dead`, or `store_unavailable`
 * when that could not be written (the lease lapses, it runs again). `error` is a code, never a
 * message: `handler_failed`, `handler_timeout`, `permanent_failure`, `worker_lost`, `store_unavailable`.
 */
export interface RunReport {
  outcome: 'handled' | 'retrying' | 'dead' | 'store_unavailable';
  error: string | undefined;
}

/** Watches runs (the router's `onDelivery` hooks and OpenTelemetry: src/router/observe.ts). */
export interface RunWatcher {
  /** Checked per run: while false the run is not wrapped at all. */
  readonly active: boolean;
  inboxRun(record: ClaimedRecord, process: (scope: RunScope) => Promise<RunReport>): Promise<void>;
}

/** What a run that overran `handlerTimeoutMs` is recorded with. */
class HandlerTimeout extends Error {
  override name = 'HandlerTimeout';
}

/**
 * Thrown by a handler (or the inbox itself) to send the delivery straight to `dead`: no retry can
 * help (the policy it names was deleted, the stored body no longer validates). Any other error is
 * retried with backoff.
 *
 * @example
 * webhooks.on('kasko', 'policy.cancelled', async (event) => {
 *   if (!(await policies.exists(event.payload.policy_id))) throw new PermanentFailure('unknown policy');
 * });
 */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
}

const HANDLED: RunReport = { outcome: 'handled', error: undefined };
const UNWRITTEN: RunReport = { outcome: 'store_unavailable', error: 'store_unavailable' };

const positive = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`insurance-webhooks: ${name} must be a finite number above 0 (got ${String(value)})`);
  return value;
};

/** A failure as text; never throws (a thrown null-prototype object has no toString). */
const message = (error: unknown): string => {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return `a ${typeof error} without a text form was thrown`;
  }
};

/**
 * A loop of claim → run → complete/fail over one store. `run` throws when the delivery failed.
 * `stop()` stops claiming and waits for the runs in flight.
 */
export class InboxWorker {
  readonly id: string;
  readonly #store: InboxStore;
  readonly #run: (record: ClaimedRecord, scope: RunScope | undefined) => Promise<void>;
  readonly #watcher: RunWatcher | undefined;
  readonly #report: (error: unknown, record?: ClaimedRecord) => void;
  readonly #retry: Required<RetryPolicy>;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #handlerTimeoutMs: number;
  readonly #inflight = new Set<Promise<void>>();
  #running = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** A wake-up that came while no sleep was waiting: the next sleep returns at once. */
  #woken = false;
  #idle: (() => void)[] = [];

  constructor(
    store: InboxStore,
    run: (record: ClaimedRecord, scope: RunScope | undefined) => Promise<void>,
    report: (error: unknown, record?: ClaimedRecord) => void,
    options: WorkOptions = {},
    retry?: RetryPolicy,
    watcher?: RunWatcher,
  ) {
    this.#store = store;
    this.#run = run;
    this.#watcher = watcher;
    this.#report = report;
    this.#retry = retryPolicy(retry);
    this.#concurrency = positive('concurrency', options.concurrency, 4);
    // 0.5 would make a worker that never claims, silently.
    if (!Number.isInteger(this.#concurrency)) throw new TypeError(`insurance-webhooks: concurrency must be a whole number (got ${String(options.concurrency)})`);
    this.#leaseMs = positive('leaseMs', options.leaseMs, 60_000);
    this.#pollMs = positive('pollMs', options.pollMs, 1000);
    this.#handlerTimeoutMs = positive('handlerTimeoutMs', options.handlerTimeoutMs, 600_000);
    // No node:os here: the root entry (which imports this) also runs on Workers, Deno and Bun.
    this.id = options.workerId ?? `${globalThis.process?.pid ?? 'worker'}:${globalThis.crypto.randomUUID().slice(0, 8)}`;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Whether `stop()` was called (and `start()` not since): captures then leave it stopped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.#stopped = false;
    this.#loop = this.#claimLoop();
    return this;
  }

  /** Look for due deliveries now (a capture in this process just stored one). */
  wake(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }

  /** Resolves the next time a look finds nothing due and nothing runs (tests, scripts that drain). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.wake();
    });
  }

  /** Stops claiming; resolves when the runs in flight have finished and been recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopped = true;
    this.wake();
    await this.#loop;
    await Promise.all(this.#inflight);
  }

  async #claimLoop(): Promise<void> {
    while (this.#running) {
      const free = this.#concurrency - this.#inflight.size;
      let claimed: ClaimedRecord[] = [];
      if (free > 0) {
        try {
          claimed = await this.#store.claim(this.id, free, this.#leaseMs);
        } catch (error) {
          this.#report(error);
        }
        for (const record of claimed) {
          // #process records every outcome itself; a rejection here would be a bug of ours, reported
          // (never an unhandled rejection that ends the process: the lease lapses, the delivery reruns).
          const run = this.#process(record).catch((error: unknown) => this.#report(error, record)).finally(() => {
            this.#inflight.delete(run);
            this.wake();
          });
          this.#inflight.add(run);
        }
        if (claimed.length === 0 && this.#inflight.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      }
      if (!this.#running) break;
      // Full, or nothing more due: wait for a slot, a capture, or the poll interval.
      if (claimed.length < free || this.#inflight.size >= this.#concurrency) await this.#sleep();
    }
  }

  #sleep(): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  /** One run, recorded to the watcher when it watches (nothing more is done per run when it does not). */
  async #process(record: ClaimedRecord): Promise<void> {
    if (this.#watcher?.active) await this.#watcher.inboxRun(record, (scope) => this.#attempt(record, scope));
    else await this.#attempt(record, undefined);
  }

  async #attempt(record: ClaimedRecord, scope: RunScope | undefined): Promise<RunReport> {
    // The previous holder died (its lease lapsed) on the last allowed attempt: a dead letter, not a run more.
    if (record.attempts > this.#retry.maxAttempts) {
      const written = await this.#settle(() => this.#store.fail(record.id, record.claimToken, `attempt ${record.attempts - 1} did not finish (its worker stopped); ${this.#retry.maxAttempts} attempts made`, 'dead'), record);
      return written ? { outcome: 'dead', error: 'worker_lost' } : UNWRITTEN;
    }
    const renewal = setInterval(() => {
      this.#store.renew(record.id, record.claimToken, this.#leaseMs).then(
        (held) => held || this.#report(new Error(`the claim on inbox delivery ${record.id} was lost (lease lapsed); another worker may run it`), record),
        (error: unknown) => this.#report(error, record),
      );
    }, this.#leaseMs / 3);
    renewal.unref?.();
    let failure: unknown;
    let failed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerTimeout(`the handlers did not finish within ${this.#handlerTimeoutMs} ms (handlerTimeoutMs)`)), this.#handlerTimeoutMs);
    });
    try {
      await Promise.race([this.#run(record, scope), overrun]);
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      clearTimeout(timer);
      clearInterval(renewal);
    }
    if (!failed) return (await this.#settle(() => this.#store.complete(record.id, record.claimToken), record)) ? HANDLED : UNWRITTEN;
    this.#report(failure, record);
    // By name: the bundle gives each entry point its own copy of this class (scripts/bundle.ts).
    const permanent = failure instanceof Error && failure.name === 'PermanentFailure';
    const dead = permanent || record.attempts >= this.#retry.maxAttempts;
    const retryAt = dead ? 'dead' : new Date(Date.now() + retryDelay(record.attempts, this.#retry));
    if (!(await this.#settle(() => this.#store.fail(record.id, record.claimToken, message(failure), retryAt), record))) return UNWRITTEN;
    const error = failure instanceof HandlerTimeout ? 'handler_timeout' : permanent ? 'permanent_failure' : 'handler_failed';
    return { outcome: dead ? 'dead' : 'retrying', error };
  }

  /**
   * Records an outcome, trying a few times while the store is briefly unavailable. If it is never
   * recorded, the lease lapses and the delivery runs again: at-least-once, never lost. False when
   * the store never answered; true once it did (also when the claim was lost: then another worker
   * holds the delivery, and this run's outcome stands as what this run did).
   */
  async #settle(write: () => Promise<boolean>, record: ClaimedRecord): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!(await write())) this.#report(new Error(`inbox delivery ${record.id}: the claim was lost before its outcome was recorded`), record);
        return true;
      } catch (error) {
        this.#report(error, record);
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
    return false;
  }
}
