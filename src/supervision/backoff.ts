import type { RestartPolicy } from './restartPolicy.js';

/** A source of uniform numbers in [0, 1); injectable so tests can be exact. */
export type Random = () => number;

/**
 * The delay before restart number `attempt` (0-based), in milliseconds.
 *
 * - `none`: `min(maxMs, minMs × factor^attempt)`.
 * - `full` (AWS "full jitter"): uniform in `[0, that cap]`, which spreads a crowd evenly.
 * - `decorrelated` (AWS "decorrelated jitter"): uniform in `[minMs, previous × 3]`, capped at `maxMs`.
 *
 * @example
 * ```ts
 * backoffDelay({ minMs: 1000, maxMs: 60_000, factor: 2, jitter: 'none' }, 3, 0); // 8000
 * ```
 */
export function backoffDelay(
  backoff: RestartPolicy['backoff'],
  attempt: number,
  previousMs: number,
  random: Random = Math.random,
): number {
  const { minMs, maxMs, factor, jitter } = backoff;
  const cap = Math.min(maxMs, minMs * Math.pow(factor, attempt));
  switch (jitter) {
    case 'none':
      return cap;
    case 'full':
      return Math.floor(random() * cap);
    case 'decorrelated': {
      const upper = Math.max(minMs, (previousMs > 0 ? previousMs : minMs) * 3);
      return Math.min(maxMs, Math.floor(minMs + random() * (upper - minMs)));
    }
  }
}
