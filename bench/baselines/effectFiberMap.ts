/**
 * Contender: Effect 3 (the library a TypeScript user would weigh against statevisor). One fiber per
 * account in a `FiberMap` keyed by account id, the same worker function as every other contender
 * (`Effect.tryPromise((signal) => worker({ signal }))`: Effect creates the signal and aborts it when
 * the fiber is interrupted), and, for the "+ retry" variant, `Effect.retry` with a jittered
 * exponential `Schedule`, as an Effect user would write a supervisor. Stop = `FiberMap.clear`
 * (interrupt every fiber and wait until each has ended).
 *
 * Effect does less per account than statevisor: no status read model, no store, no lifecycle
 * states, no cancel deadline, no leak report. That is the point of the comparison.
 */
import { Duration, Effect, Exit, FiberMap, Schedule, Scope } from 'effect';
import type { BaselineWorker } from './lifecycleActors.js';

export interface EffectTasks {
  /** Starts `ids`, each running `worker` (restarted on failure when the set was made with `retry`). */
  start(ids: readonly string[]): void;
  /** Interrupts every fiber and resolves once each has ended. */
  stop(): Promise<void>;
  /** Fibers in the map. */
  size(): number;
}

/**
 * A FiberMap in its own scope. `retry`: every worker failure is retried with
 * `Schedule.exponential(backoff)` jittered, with no limit on attempts (zero backoff in the bench's
 * restart cycle, as statevisor's).
 */
export function effectTasks(worker: BaselineWorker, options: { retry: boolean; backoff?: Duration.DurationInput }): EffectTasks {
  const scope = Effect.runSync(Scope.make());
  const map = Effect.runSync(FiberMap.make<string>().pipe(Scope.extend(scope)));
  const once = Effect.tryPromise((signal: AbortSignal) => worker({ signal }));
  const work = options.retry
    ? once.pipe(Effect.retry(Schedule.exponential(options.backoff ?? Duration.zero).pipe(Schedule.jittered)))
    : once;
  return {
    start(ids) {
      Effect.runSync(Effect.forEach(ids, (id) => FiberMap.run(map, id, work), { discard: true }));
    },
    async stop() {
      await Effect.runPromise(FiberMap.clear(map));
      await Effect.runPromise(Scope.close(scope, Exit.void));
    },
    size: () => Effect.runSync(FiberMap.size(map)),
  };
}
