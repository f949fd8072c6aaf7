/**
 * The trivial cooperative worker every start/shutdown contender runs: it counts itself as started,
 * then stays alive until its signal aborts, and settles at once when it does.
 */
export interface TrivialWorkers {
  /** The worker: usable as a statevisor `Worker` and by the baselines. */
  readonly worker: (ctx: { signal: AbortSignal }) => Promise<void>;
  /** Workers started so far. */
  readonly started: () => number;
  /** Resolves once `n` workers have started in total. */
  readonly whenStarted: (n: number) => Promise<void>;
}

export function trivialWorkers(): TrivialWorkers {
  let started = 0;
  let goal = Infinity;
  let reached: (() => void) | undefined;
  const worker = ({ signal }: { signal: AbortSignal }): Promise<void> => {
    started += 1;
    if (started >= goal && reached) {
      const r = reached;
      reached = undefined;
      r();
    }
    return untilAborted(signal);
  };
  return {
    worker,
    started: () => started,
    whenStarted: (n) =>
      started >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            goal = n;
            reached = resolve;
          }),
  };
}

/** Resolves when `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
