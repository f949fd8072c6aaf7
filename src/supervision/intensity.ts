import type { RestartPolicy } from './restartPolicy.js';

/**
 * Restart intensity, as OTP's MaxR within MaxT: `maxRestarts: 3` allows three restarts inside any
 * sliding `withinMs`; the failure that would need a fourth exceeds it.
 *
 * `history` holds the epoch-ms times of earlier restarts, oldest first. Returns the history with
 * the times that left the window dropped, and whether one more restart now is allowed.
 *
 * @example
 * ```ts
 * checkIntensity([1000, 2000, 3000], { maxRestarts: 3, withinMs: 10_000 }, 4000).allowed; // false
 * ```
 */
export function checkIntensity(
  history: readonly number[],
  intensity: RestartPolicy['intensity'],
  now: number,
): { allowed: boolean; history: number[] } {
  const windowStart = now - intensity.withinMs;
  const kept = history.filter((t) => t > windowStart);
  return { allowed: kept.length < intensity.maxRestarts, history: kept };
}
