/**
 * A job's lifecycle: `queued → running → completed | failed | cancelled | timeout`; a queued job
 * can also go straight to `cancelled` (it then never starts).
 *
 * @example
 * ```ts
 * if (runner.status('sync-1')?.state === 'queued') runner.cancel('sync-1');
 * ```
 */
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout';

/**
 * The states a job ends in.
 *
 * @example
 * ```ts
 * const done: FinalJobState[] = ['completed', 'failed', 'cancelled', 'timeout'];
 * ```
 */
export type FinalJobState = Exclude<JobState, 'queued' | 'running'>;

/**
 * The work of a job. It receives an `AbortSignal` that is aborted on cancel, timeout and shutdown
 * (with a `JobCancelledError` or `JobTimeoutError` as `signal.reason`) and must then settle soon.
 *
 * The signal is made only for a function that declares a parameter (`fn.length > 0`), as Effect's
 * `Effect.tryPromise` does: a signal costs about 2.3 µs, more than the rest of a trivial job. A
 * function declared without one (`() => …`, or a wrapper `(...args) => …`, whose length is 0) is
 * called with no argument; declare the parameter (`(signal, ...rest) => …`) to receive it.
 *
 * @example
 * ```ts
 * const job: JobFn<Response> = (signal) => fetch(url, { signal });
 * ```
 */
export type JobFn<T> = (signal: AbortSignal) => Promise<T>;

/**
 * Per-job options of `submit()`.
 *
 * @example
 * ```ts
 * scope.submit('reply-17', sendReply, { lane: 'reply', timeoutMs: 5_000 });
 * ```
 */
export interface SubmitOptions {
  /** Run-time limit counted from the job's start. Default: the runner's `defaultTimeoutMs`. `Infinity` = none. */
  timeoutMs?: number;
  /**
   * The job's kind. In a scope whose `limits.lanes` names it, jobs of that lane start in
   * submission order (FIFO) and at most that many at a time. Otherwise only a label.
   */
  lane?: string;
}

/**
 * A snapshot of one job, as returned by `status()` and `list()`.
 *
 * @example
 * ```ts
 * const s = runner.status('sync-1');
 * if (s?.state === 'failed') console.error(s.error);
 * ```
 */
export interface JobStatus {
  id: string;
  /** The scope's owner id, or `undefined` for jobs submitted on the runner itself. */
  scope: string | undefined;
  lane: string | undefined;
  state: JobState;
  /** Epoch milliseconds. */
  submittedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** The rejection reason of a `failed`, `cancelled` or `timeout` job. */
  error: unknown;
  /** `true` while a cancelled or timed-out job's function has not settled yet: it still holds its slot. */
  stopping: boolean;
  /** `true` if its function ignored its aborted signal past `abandonAfterMs` (or a deadline) and was left behind. */
  abandoned: boolean;
}

/**
 * What `submit()` returns.
 *
 * `result` resolves with the job's value, or **rejects** with its error, `JobTimeoutError` or
 * `JobCancelledError`. It is marked handled internally: ignoring it never causes an
 * `unhandledRejection`, but `await`ing it still throws.
 *
 * @example
 * ```ts
 * const h = runner.submit('sync-1', (signal) => sync(signal));
 * h.cancel();
 * await h.result.catch(() => undefined);
 * ```
 */
export interface JobHandle<T> {
  readonly id: string;
  readonly scope: string | undefined;
  readonly result: Promise<T>;
  /** Cancels this job if it is queued or running; returns whether it did. */
  cancel(): boolean;
  /** This job's snapshot; works even after the runner stopped retaining it. */
  status(): JobStatus;
}

/**
 * Job counts of a runner. `queued`, `running` and `stopping` are current; the others are totals
 * since the runner was created (they do not shrink when finished records are dropped).
 *
 * @example
 * ```ts
 * const { queued, running } = runner.counts();
 * ```
 */
export interface JobCounts {
  queued: number;
  running: number;
  /** Cancelled or timed-out jobs whose function has not settled yet; they still hold a slot. */
  stopping: number;
  completed: number;
  failed: number;
  cancelled: number;
  timeout: number;
  /** Jobs that ignored their aborted signal and were left behind (subset of cancelled + timeout). */
  abandoned: number;
}

/**
 * Options of `runner.shutdown()`; defaults in `JOB_RUNNER_DEFAULTS.shutdown`.
 *
 * @example
 * ```ts
 * await runner.shutdown({ timeoutMs: 5_000, graceMs: 500 });
 * ```
 */
export interface ShutdownOptions {
  /** Hard deadline: `shutdown()` resolves by then. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * The last part of `timeoutMs` reserved for cancelled jobs to stop: running jobs may finish on
   * their own until `timeoutMs - graceMs`, then they are cancelled. Default `min(1000, timeoutMs / 4)`.
   */
  graceMs?: number;
}

/**
 * What `shutdown()` resolves with: how jobs ended while it ran (queued jobs cancelled at once count
 * as `cancelled`).
 *
 * A job that ignored its signal ends as `cancelled` (or `timeout`) like any other, and is **also**
 * counted in `abandoned`: its function was still running at the deadline, was logged as a warning,
 * and was left behind (the runner no longer waits for it or tracks it).
 *
 * @example
 * ```ts
 * const { abandoned } = await runner.shutdown({ timeoutMs: 5_000 });
 * if (abandoned > 0) log.warn({ abandoned }, 'jobs ignored their AbortSignal');
 * ```
 */
export interface ShutdownReport {
  completed: number;
  failed: number;
  cancelled: number;
  timeout: number;
  abandoned: number;
}

/**
 * Options of `scope.cancelAll()`; defaults in `JOB_RUNNER_DEFAULTS.cancelAll`.
 *
 * @example
 * ```ts
 * await scope.cancelAll({ timeoutMs: 2_000 });
 * ```
 */
export interface CancelAllOptions {
  /** How long to wait for cancelled jobs to stop. Default 5 000 ms. */
  timeoutMs?: number;
}

/**
 * What `scope.cancelAll()` resolves with.
 *
 * @example
 * ```ts
 * const { cancelled, abandoned } = await scope.cancelAll({ timeoutMs: 2_000 });
 * ```
 */
export interface CancelAllReport {
  /** Queued or running jobs of the scope that this call cancelled. */
  cancelled: number;
  /** Jobs of the scope whose function still ran at the deadline (they ignore their signal): reported and left behind. */
  abandoned: number;
}

/**
 * Per-scope limits, all optional; none means only the runner's limits apply.
 *
 * @example
 * ```ts
 * runner.scope('acc-1', { limits: { concurrency: 4, lanes: { reply: 1 } } });
 * ```
 */
export interface ScopeLimits {
  /** Slots this scope's jobs may hold at once (within the runner's `concurrency`). Integer ≥ 1. */
  concurrency?: number;
  /** Per-lane slot limits; jobs of a listed lane start in FIFO order. Integers ≥ 1. */
  lanes?: Record<string, number>;
  /** Jobs of this scope waiting for a slot (within the runner's `maxQueue`). Integer ≥ 0 or `Infinity`. */
  maxQueue?: number;
}

/**
 * Options of `runner.scope()`.
 *
 * @example
 * ```ts
 * const scope = runner.scope(account.id, { limits: { lanes: { reply: 1 } } });
 * ```
 */
export interface ScopeOptions {
  limits?: ScopeLimits;
}
