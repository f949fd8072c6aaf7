/**
 * The time the cluster code reads and the timers it sets, injected so tests can drive it.
 * `now()` must be monotonic (it never jumps back with the wall clock): trust windows are
 * measured on it.
 *
 * @example
 * ```ts
 * const clock: ClusterClock = { now: () => performance.now(), setTimeout, clearTimeout };
 * ```
 */
export interface ClusterClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The process's monotonic clock (`performance.now()`) and Node's timers.
 * @example
 * ```ts
 * await openClusterNode({ connectionString: 'postgres://postgres@127.0.0.1:5432/statevisor', clock: systemClock });
 * ```
 */
export const systemClock: ClusterClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
