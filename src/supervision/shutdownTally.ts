import type { WorkerHandle } from '../worker/workerHandle.js';
import type { AccountTaskOutput } from '../machines/accountTask.js';
import { emptyStats, type ShutdownStats } from './shutdownStats.js';

/**
 * Counts how a shutdown went: every task alive when it began once, by how it ended, or as
 * `forced` (it ignored cancellation past its deadline, or the shutdown's, and may still be alive);
 * workers that had leaked before the shutdown and are still alive at its end count as forced too.
 *
 * @example
 * ```ts
 * tally.begin(clock.now(), leaks.handles());
 * tally.countEnd(output, handle.alive);
 * tally.result(clock.now()); // { completed, cancelled, failed, forced, durationMs }
 * ```
 */
export class ShutdownTally {
  #stats: ShutdownStats = emptyStats();
  #startedAt = 0;
  #leakedBefore: WorkerHandle[] = [];

  begin(now: number, leakedBefore: WorkerHandle[]): void {
    this.#startedAt = now;
    this.#leakedBefore = leakedBefore;
  }

  /** A task alive at the start of the shutdown ended; still alive (worker or jobs) counts as forced, whatever its reason. */
  countEnd(output: AccountTaskOutput, stillAlive: boolean): void {
    if (output.forced || stillAlive) this.#stats.forced += 1;
    else this.#stats[output.reason] += 1;
  }

  /** A task let go of at the shutdown deadline. */
  countForced(): void {
    this.#stats.forced += 1;
  }

  result(now: number): ShutdownStats {
    const stillLeaked = this.#leakedBefore.filter((h) => h.alive).length;
    return { ...this.#stats, forced: this.#stats.forced + stillLeaked, durationMs: now - this.#startedAt };
  }
}
