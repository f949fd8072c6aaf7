import { systemClock, type Clock, type TimerHandle } from './clock/clock.js';

/** The result of {@link withTimeout}: never a rejection. */
export type Bounded<T> = { ok: true; value: T } | { ok: false; error: unknown; timedOut: boolean };

/**
 * Waits for `promise` at most `ms` milliseconds of `clock` time and never rejects; the timer is cleared either way.
 *
 * @example
 * ```ts
 * const r = await withTimeout(store.close(), 1_000);
 * if (!r.ok) log.error({ err: r.error }, 'close failed or timed out');
 * ```
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock = systemClock): Promise<Bounded<T>> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<Bounded<T>>((resolve) => {
    // Node fires longer delays at once: cap at the longest it can wait.
    timer = clock.setTimeout(() => resolve({ ok: false, error: new Error(`timed out after ${ms} ms`), timedOut: true }), Math.min(ms, 2_147_483_647));
  });
  const settled = promise.then(
    (value): Bounded<T> => ({ ok: true, value }),
    (error: unknown): Bounded<T> => ({ ok: false, error, timedOut: false }),
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
