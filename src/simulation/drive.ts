import { SimulationStalledError } from './errors.js';
import { drainMicrotasks, type VirtualClock } from './virtualClock.js';

/**
 * Moves the virtual clock, timer by timer, until `promise` settles, and returns (or throws) what it
 * settled with. Rejects with `SimulationStalledError` if no timer is left to fire while it is
 * still pending (a hang), or before the clock would pass `limitMs` from now. `realTurns` turns of
 * the real event loop run first without moving virtual time.
 *
 * @example
 * ```ts
 * const stats = await runUntilSettled(clock, supervisor.shutdown(), 'shutdown');
 * ```
 */
export async function runUntilSettled<T>(
  clock: VirtualClock,
  promise: Promise<T>,
  what: string,
  options: { limitMs?: number; realTurns?: number } = {},
): Promise<T> {
  let settled = false;
  const observed = promise.then(
    (value) => {
      settled = true;
      return value;
    },
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  const until = clock.now() + (options.limitMs ?? Infinity);
  // Turns of the real event loop first, without moving virtual time: a large start yields to the
  // event loop (setImmediate) every 1,000 accounts, and every account must be added at time 0.
  const turns = options.realTurns ?? 1;
  for (let i = 0; i < turns && !settled; i++) await drainMicrotasks();
  while (!settled) {
    const next = clock.nextAt();
    if (next === undefined || next > until) {
      void observed.catch(() => undefined);
      throw new SimulationStalledError(what, clock.now());
    }
    await clock.runUntil(next);
  }
  return observed;
}
