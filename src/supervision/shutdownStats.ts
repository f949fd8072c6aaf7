import type { EscalationError } from '../errors.js';

/**
 * How a shutdown went. Every task alive when it began is counted once: by how it ended, or as
 * `forced` if it ignored cancellation past its deadline (or the shutdown's) and may still be alive.
 * Workers that had already leaked before the shutdown and are still alive count as `forced` too.
 */
export interface ShutdownStats {
  completed: number;
  cancelled: number;
  failed: number;
  forced: number;
  durationMs: number;
  /** Set when the supervisor shut itself down because an account exceeded its restart intensity with `onIntensityExceeded: 'escalate'`. */
  error?: EscalationError;
}

/** Stats with every count at zero. */
export function emptyStats(): ShutdownStats {
  return { completed: 0, cancelled: 0, failed: 0, forced: 0, durationMs: 0 };
}
