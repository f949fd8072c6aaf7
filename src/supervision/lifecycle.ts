import type { Actor } from 'xstate';
import { ShuttingDownError } from '../errors.js';
import type { supervisorMachine } from '../machines/supervisor.js';
import { emptyStats, type ShutdownStats } from './shutdownStats.js';

/** The longest delay a Node timer can wait (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * `start()`, `shutdown()` and `done` as promises over the root actor, which owns the lifecycle
 * (see `src/machines/supervisor.ts`): this only turns its states into promises. `start()` and
 * `shutdown()` are idempotent (later calls get the same promise); `done` resolves once the root
 * reached `stopped`, the store closed, whatever stopped it (a shutdown, an escalation, a failed start).
 *
 * @example
 * ```ts
 * const lifecycle = new Lifecycle(actor);
 * await lifecycle.start();
 * const stats = await lifecycle.shutdown(10_000);
 * ```
 */
export class Lifecycle {
  readonly done: Promise<ShutdownStats>;
  readonly #actor: Actor<typeof supervisorMachine>;
  #started: Promise<void> | undefined;
  #shutdown: Promise<ShutdownStats> | undefined;

  constructor(actor: Actor<typeof supervisorMachine>) {
    this.#actor = actor;
    this.done = new Promise((resolve) => {
      actor.subscribe({ complete: () => resolve(actor.getSnapshot().output?.stats ?? emptyStats()) });
    });
  }

  start(): Promise<void> {
    this.#started ??= new Promise<void>((resolve, reject) => {
      const actor = this.#actor;
      const settle = (): boolean => {
        const snapshot = actor.getSnapshot();
        if (snapshot.hasTag('ready')) resolve();
        else if (snapshot.hasTag('stopping') || snapshot.status !== 'active') reject(snapshot.context.startError ?? new ShuttingDownError());
        else return false;
        return true;
      };
      if (settle()) return;
      const sub = actor.subscribe(() => {
        if (settle()) sub.unsubscribe();
      });
      actor.send({ type: 'START' });
    });
    return this.#started;
  }

  /** `timeoutMs` is clamped to what a timer can wait (0 to about 24.8 days); NaN means 0. */
  shutdown(timeoutMs: number): Promise<ShutdownStats> {
    if (!this.#shutdown) {
      const clamped = Math.min(Math.max(Number.isNaN(timeoutMs) ? 0 : timeoutMs, 0), MAX_TIMER_MS);
      if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'SHUTDOWN', timeoutMs: clamped });
      this.#shutdown = this.done;
    }
    return this.#shutdown;
  }
}
