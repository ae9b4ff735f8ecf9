// Deadlines that never keep the process alive: for sync decisions, handler time-outs and store calls.

export const DEADLINE = Symbol('deadline');

/** Resolves with `DEADLINE` after `ms`, unless cancelled; the timer never keeps the process alive. */
export function deadline(ms: number): { promise: Promise<typeof DEADLINE>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<typeof DEADLINE>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** `promise`, or a rejection once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timer = deadline(ms);
  try {
    const result = await Promise.race([promise, timer.promise]);
    if (result === DEADLINE) throw new Error(`${what} took longer than ${ms} ms`);
    return result;
  } finally {
    timer.cancel();
  }
}
