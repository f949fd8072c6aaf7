import type { Logger } from 'pino';
import type { WorkerHandle } from '../worker/workerHandle.js';

/**
 * Workers that outlived their task (the task was forced to `cleaned` while the worker or one of
 * its jobs still ran), by account id. A leaked worker blocks the account's next incarnation (with
 * `onLeak: 'wait'`) until it settles; it outlives a removed account too.
 *
 * @example
 * ```ts
 * leaks.track('a', handle, 'wait', () => startOwed('a'));
 * leaks.has('a'); // true until the worker settles
 * ```
 */
export class LeakTracker {
  readonly #leaks = new Map<string, Set<WorkerHandle>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  has(id: string): boolean {
    return (this.#leaks.get(id)?.size ?? 0) > 0;
  }

  /**
   * Holds `handle` until it settles, then calls `onSettled(id)`. `onLeak` is the account's policy,
   * for the warning only: under `'proceed'` the next incarnation starts beside the leaked worker.
   */
  track(id: string, handle: WorkerHandle, onLeak: 'wait' | 'proceed', onSettled: (id: string) => void): void {
    let set = this.#leaks.get(id);
    if (!set) this.#leaks.set(id, (set = new Set()));
    set.add(handle);
    const next = onLeak === 'wait' ? 'no new incarnation starts until it settles' : "the next incarnation starts anyway (onLeak: 'proceed'), beside it";
    this.#log.warn({ accountId: id, incarnation: handle.incarnation }, `account ${id}: leaked worker is still alive; ${next}`);
    void handle.settled().then(() => {
      const held = this.#leaks.get(id);
      held?.delete(handle);
      if (held?.size === 0) this.#leaks.delete(id);
      this.#log.info({ accountId: id, incarnation: handle.incarnation }, `account ${id}: leaked worker settled`);
      onSettled(id);
    });
  }

  /** Every leaked worker held now. */
  handles(): WorkerHandle[] {
    return [...this.#leaks.values()].flatMap((set) => [...set]);
  }
}
