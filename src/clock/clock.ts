/**
 * The supervisor's sense of time: one object that reads the time and sets and clears timers.
 *
 * It has XState's clock shape (`createActor(logic, { clock })` takes `setTimeout` and
 * `clearTimeout`) plus `now()`, so XState's own `SimulatedClock` fits as it is. Every timer and
 * every time read of the supervisor goes through the clock it was given: the root actor and every
 * account task (their `after` delays), backoff timers, status timestamps, the restart-intensity
 * window, shutdown deadlines, the job runner and the WebSocket session worker. A test or a
 * simulation that passes a `SimulatedClock` therefore moves the whole supervisor through hours in
 * milliseconds, with no real timer left behind.
 *
 * A timer handle is whatever the clock returns (a Node `Timeout` for the real clock, a number for
 * `SimulatedClock`); only the clock that made it may clear it.
 */
export interface Clock {
  /** Milliseconds since the epoch (real clock) or since the simulation began (`SimulatedClock`). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer made by this clock; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * An opaque timer handle, as returned by a {@link Clock}'s `setTimeout`: any value but `null` and
 * `undefined`, so that `undefined` can mean "no timer".
 */
export type TimerHandle = NonNullable<unknown>;

/**
 * Real time: `Date.now()` and Node's timers. The default of every `clock` option.
 *
 * @example
 * ```ts
 * const handle = systemClock.setTimeout(() => console.log('one second later'), 1_000);
 * systemClock.clearTimeout(handle);
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as NodeJS.Timeout),
});
