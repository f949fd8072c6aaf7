import { availableParallelism } from 'node:os';
import { InvalidJobOptionsError } from './errors.js';
import type { JobLogger } from './logger.js';
import { systemClock, type Clock } from '../clock/clock.js';

/**
 * The default concurrency of a job runner and of `gather()`: `min(max(32, 4 × CPU cores), 256)`.
 * Jobs are expected to be I/O bound, so several per core; bounded so a big machine does not open
 * thousands of sockets at once.
 *
 * @example
 * ```ts
 * defaultConcurrency(); // 32 on a 2-core machine
 * ```
 */
export function defaultConcurrency(cores: number = availableParallelism()): number {
  return Math.min(Math.max(32, 4 * cores), 256);
}

/**
 * Options of {@link createJobRunner}. Every field is optional; the defaults are in {@link JOB_RUNNER_DEFAULTS}.
 *
 * @example
 * ```ts
 * const runner = createJobRunner({ concurrency: 16, maxQueue: 1_000, defaultTimeoutMs: 5_000, logger });
 * ```
 */
export interface JobRunnerOptions {
  /** Jobs holding a slot at once, across all scopes. Integer ≥ 1. */
  concurrency?: number;
  /** Jobs waiting for a slot, across all scopes; `submit()` beyond it throws `QueueFullError`. Integer ≥ 0 or `Infinity`. */
  maxQueue?: number;
  /** A job's run-time limit when `submit()` gives none, counted from its start (not its submission). `Infinity` = none. */
  defaultTimeoutMs?: number;
  /**
   * After a running job's signal is aborted (cancel or timeout), how long its function may keep its
   * slot before it is reported (warning + `abandoned` count) and its slot released.
   */
  abandonAfterMs?: number;
  /** Finished jobs kept for `status()`/`list()`: at most `count` of them, none older than `ageMs`. */
  retainFinished?: { count?: number; ageMs?: number };
  /** Where warnings (jobs ignoring their signal) go. A pino logger fits. Default: pino at `warn` on stderr. */
  logger?: JobLogger;
  /** Every timer and time read of the runner (timeouts, abandon timers, deadlines, timestamps). Default: real time. */
  clock?: Clock;
}

/**
 * Resolved runner options.
 *
 * @example
 * ```ts
 * const o: ResolvedRunnerOptions = resolveRunnerOptions({ concurrency: 8 });
 * ```
 */
export interface ResolvedRunnerOptions {
  concurrency: number;
  maxQueue: number;
  defaultTimeoutMs: number;
  abandonAfterMs: number;
  retainFinished: { count: number; ageMs: number };
  logger: JobLogger | undefined;
  clock: Clock;
}

/**
 * The defaults of {@link JobRunnerOptions}, {@link ShutdownOptions}, {@link ScopeLimits}, scope `cancelAll()`,
 * {@link GatherOptions} and {@link RunInWorkerOptions}, in one place.
 *
 * @example
 * ```ts
 * JOB_RUNNER_DEFAULTS.runner.maxQueue; // 10_000
 * ```
 */
export const JOB_RUNNER_DEFAULTS = Object.freeze({
  runner: Object.freeze({
    concurrency: defaultConcurrency(),
    maxQueue: 10_000,
    defaultTimeoutMs: 30_000,
    abandonAfterMs: 1_000,
    retainFinished: Object.freeze({ count: 1_000, ageMs: 60_000 }),
  }),
  /** `shutdown()`: total deadline; `graceMs` defaults to `min(1000, timeoutMs / 4)`. */
  shutdown: Object.freeze({ timeoutMs: 10_000, maxGraceMs: 1_000 }),
  /** `runner.scope()` limits: none beyond the runner's own. */
  scope: Object.freeze({ concurrency: Infinity, maxQueue: Infinity }),
  /** `scope.cancelAll()`. */
  cancelAll: Object.freeze({ timeoutMs: 5_000 }),
  /** `gather()`: concurrency as the runner's; no global deadline; no jitter. */
  gather: Object.freeze({ taskTimeoutMs: 30_000, globalTimeoutMs: Infinity, jitterMs: 0 }),
  /** `runInWorker()`: run-time limit, and how long to wait for a terminated thread to exit. */
  worker: Object.freeze({ timeoutMs: 30_000, terminateTimeoutMs: 5_000 }),
});

/**
 * Fills in and checks runner options. @internal
 *
 * @example
 * ```ts
 * resolveRunnerOptions({ maxQueue: 100 }).defaultTimeoutMs; // 30_000
 * ```
 */
export function resolveRunnerOptions(options: JobRunnerOptions = {}): ResolvedRunnerOptions {
  const d = JOB_RUNNER_DEFAULTS.runner;
  return {
    concurrency: positiveInt('concurrency', options.concurrency ?? d.concurrency),
    maxQueue: countOrInfinity('maxQueue', options.maxQueue ?? d.maxQueue),
    defaultTimeoutMs: durationMs('defaultTimeoutMs', options.defaultTimeoutMs ?? d.defaultTimeoutMs),
    abandonAfterMs: nonNegativeMs('abandonAfterMs', options.abandonAfterMs ?? d.abandonAfterMs),
    retainFinished: {
      count: countOrInfinity('retainFinished.count', options.retainFinished?.count ?? d.retainFinished.count),
      ageMs: nonNegativeMs('retainFinished.ageMs', options.retainFinished?.ageMs ?? d.retainFinished.ageMs, true),
    },
    logger: options.logger,
    clock: options.clock ?? systemClock,
  };
}

/**
 * An integer ≥ 1. @internal
 *
 * @example
 * ```ts
 * positiveInt('concurrency', 0); // throws InvalidJobOptionsError
 * ```
 */
export function positiveInt(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidJobOptionsError(field, `must be an integer ≥ 1 (got ${value})`);
  return value;
}

/**
 * An integer ≥ 0, or `Infinity`. @internal
 *
 * @example
 * ```ts
 * countOrInfinity('maxQueue', Infinity); // Infinity
 * ```
 */
export function countOrInfinity(field: string, value: number): number {
  if (value === Infinity || (Number.isInteger(value) && value >= 0)) return value;
  throw new InvalidJobOptionsError(field, `must be an integer ≥ 0 or Infinity (got ${value})`);
}

/**
 * The longest delay a Node timer supports (about 24.8 days); longer ones would fire at once.
 *
 * @example
 * ```ts
 * durationMs('timeoutMs', MAX_TIMER_MS + 1); // throws
 * ```
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A duration in (0, MAX_TIMER_MS] milliseconds, or `Infinity`. @internal
 *
 * @example
 * ```ts
 * durationMs('timeoutMs', Infinity); // Infinity: no timer
 * ```
 */
export function durationMs(field: string, value: number): number {
  if (typeof value === 'number' && ((value > 0 && value <= MAX_TIMER_MS) || value === Infinity)) return value;
  throw new InvalidJobOptionsError(
    field,
    `must be a number of milliseconds in (0, ${MAX_TIMER_MS}], or Infinity (got ${String(value)})`,
  );
}

/**
 * A duration in [0, MAX_TIMER_MS] (or, if `allowInfinity`, `Infinity`). @internal
 *
 * @example
 * ```ts
 * nonNegativeMs('jitterMs', 0); // 0
 * ```
 */
export function nonNegativeMs(field: string, value: number, allowInfinity = false): number {
  if (typeof value === 'number' && ((value >= 0 && value <= MAX_TIMER_MS) || (allowInfinity && value === Infinity))) return value;
  throw new InvalidJobOptionsError(
    field,
    `must be a number of milliseconds in [0, ${MAX_TIMER_MS}]${allowInfinity ? ' or Infinity' : ''} (got ${String(value)})`,
  );
}

/**
 * A non-empty string id. @internal
 *
 * @example
 * ```ts
 * jobId('id', ''); // throws InvalidJobOptionsError
 * ```
 */
export function jobId(field: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new InvalidJobOptionsError(field, `must be a non-empty string (got ${typeof value === 'string' ? '""' : typeof value})`);
}
