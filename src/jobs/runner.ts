import { JobEngine } from './engine.js';
import { resolveRunnerOptions, type JobRunnerOptions } from './options.js';
import { JobScope } from './scope.js';
import type {
  JobCounts,
  JobFn,
  JobHandle,
  JobStatus,
  ScopeOptions,
  ShutdownOptions,
  ShutdownReport,
  SubmitOptions,
} from './types.js';

/**
 * Runs short jobs with a concurrency limit, a bounded queue, timeouts and cancellation.
 * Create one with {@link createJobRunner}.
 *
 * - Submission problems throw **synchronously** from `submit()` (`QueueFullError`, `JobExistsError`,
 *   `RunnerShutDownError`, `InvalidJobOptionsError`); job outcomes settle the handle's `result`.
 * - If a slot is free, the job's function is called synchronously, before `submit()` returns.
 * - A cancelled or timed-out job's signal is aborted and its state is final at once (`result`
 *   rejects at once), but it keeps its slot until its function settles, so the concurrency limit
 *   holds for real work. A job that ignores its signal for `abandonAfterMs` is logged as a warning,
 *   counted in `counts().abandoned`, and its slot is released.
 * - Free slots go round robin across scopes, oldest job first within a scope, FIFO within a lane.
 *
 * @example
 * ```ts
 * const runner = createJobRunner({ concurrency: 8, defaultTimeoutMs: 10_000, logger });
 * const h = runner.submit('refresh-token', (signal) => refresh(account, signal));
 * const token = await h.result; // rejects with JobTimeoutError after 10 s
 * await runner.shutdown({ timeoutMs: 5_000 });
 * ```
 */
export class JobRunner {
  readonly #engine: JobEngine;

  /** @internal Use `createJobRunner()`. */
  constructor(engine: JobEngine) {
    this.#engine = engine;
  }

  /**
   * Queues (or starts at once) job `id`. Throws synchronously if it cannot be accepted; never
   * returns a handle whose job was refused. The returned `result` rejects when the job fails, times
   * out or is cancelled, and is marked handled, so ignoring it is safe.
   *
   * @example
   * ```ts
   * const h = runner.submit('ping', async (signal) => (await fetch(url, { signal })).ok, { timeoutMs: 2_000 });
   * ```
   */
  submit<T>(id: string, fn: JobFn<T>, options?: SubmitOptions): JobHandle<T> {
    return this.#engine.submit(this.#engine.root, id, fn, options);
  }

  /**
   * Cancels the runner-level job `id`: a queued one is removed and never starts, a running one has
   * its signal aborted. Returns whether a job was cancelled (`false` if unknown or already finished).
   *
   * @example
   * ```ts
   * if (!runner.cancel('ping')) log.debug('nothing to cancel');
   * ```
   */
  cancel(id: string): boolean {
    return this.#engine.cancel(this.#engine.root, id);
  }

  /**
   * The snapshot of runner-level job `id` (live, or finished and still retained), or `undefined`.
   *
   * @example
   * ```ts
   * runner.status('ping')?.state; // 'completed'
   * ```
   */
  status(id: string): JobStatus | undefined {
    return this.#engine.status(this.#engine.root, id);
  }

  /**
   * Snapshots of every live and retained job, runner-level and of every scope (see `JobStatus.scope`).
   *
   * @example
   * ```ts
   * const stuck = runner.list().filter((j) => j.stopping);
   * ```
   */
  list(): JobStatus[] {
    return this.#engine.list();
  }

  /**
   * Current `queued`/`running`/`stopping` counts and per-state totals since creation.
   *
   * @example
   * ```ts
   * metrics.gauge('jobs.queued', runner.counts().queued);
   * ```
   */
  counts(): JobCounts {
    return this.#engine.counts();
  }

  /**
   * Opens the job scope of `ownerId` (for example an account id). Throws `ScopeExistsError` if a
   * scope of that owner is open, `RunnerShutDownError` after `shutdown()`, `InvalidJobOptionsError`
   * on bad limits.
   *
   * @example
   * ```ts
   * const scope = runner.scope('acc-1', { limits: { concurrency: 2, lanes: { reply: 1 } } });
   * ```
   */
  scope(ownerId: string, options?: ScopeOptions): JobScope {
    return new JobScope(this.#engine, this.#engine.openScope(ownerId, options));
  }

  /**
   * Resolves once no job is queued and no slot is held (abandoned jobs do not count). With finite
   * timeouts this is bounded by the longest timeout plus `abandonAfterMs`.
   *
   * @example
   * ```ts
   * for (const id of ids) runner.submit(id, work);
   * await runner.idle();
   * ```
   */
  idle(): Promise<void> {
    return this.#engine.idle();
  }

  /**
   * Stops accepting jobs, cancels queued ones at once, lets running ones finish until
   * `timeoutMs - graceMs`, then cancels them and gives them `graceMs` to stop. Resolves by
   * `timeoutMs` (default 10 000) with how jobs ended meanwhile. Jobs still running at the deadline
   * ignore their signal: they are logged, counted in `abandoned` (as well as in `cancelled` or
   * `timeout`), and left behind. Idempotent: later calls return the first call's promise.
   * Rejects only with `InvalidJobOptionsError`.
   *
   * @example
   * ```ts
   * const report = await runner.shutdown({ timeoutMs: 5_000 });
   * // { completed: 3, failed: 0, cancelled: 12, timeout: 0, abandoned: 1 }
   * ```
   */
  async shutdown(options?: ShutdownOptions): Promise<ShutdownReport> {
    return this.#engine.shutdown(options);
  }
}

/**
 * Creates a {@link JobRunner}. Defaults (in `JOB_RUNNER_DEFAULTS.runner`): `concurrency`
 * `min(max(32, 4 × cores), 256)`, `maxQueue` 10 000, `defaultTimeoutMs` 30 000,
 * `abandonAfterMs` 1 000, `retainFinished` `{ count: 1000, ageMs: 60_000 }`, `logger` pino at
 * `warn` on stderr. Throws `InvalidJobOptionsError` on out-of-range options.
 *
 * @example
 * ```ts
 * const runner = createJobRunner({ concurrency: 16, maxQueue: 1_000 });
 * ```
 */
export function createJobRunner(options?: JobRunnerOptions): JobRunner {
  return new JobRunner(new JobEngine(resolveRunnerOptions(options)));
}
