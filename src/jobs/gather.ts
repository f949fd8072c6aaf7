import { systemClock, type Clock } from '../clock/clock.js';
import { JobEngine } from './engine.js';
import { JobCancelledError, JobTimeoutError, type CancelReason } from './errors.js';
import type { JobLogger } from './logger.js';
import {
  JOB_RUNNER_DEFAULTS,
  MAX_TIMER_MS,
  defaultConcurrency,
  durationMs,
  nonNegativeMs,
  positiveInt,
  resolveRunnerOptions,
} from './options.js';
import type { JobHandle } from './types.js';

/**
 * Options of {@link gather}; defaults in `JOB_RUNNER_DEFAULTS.gather`.
 *
 * @example
 * ```ts
 * await gather(check, accounts, { concurrency: 8, taskTimeoutMs: 5_000, globalTimeoutMs: 20_000, jitterMs: 250 });
 * ```
 */
export interface GatherOptions {
  /** Tasks running at once. Default `min(max(32, 4 × cores), 256)`. */
  concurrency?: number;
  /** Each task's run-time limit, counted after its jitter delay. Default 30 000; `Infinity` = none. */
  taskTimeoutMs?: number;
  /** Deadline of the whole call: tasks not finished by then are cancelled. Default `Infinity` (none). */
  globalTimeoutMs?: number;
  /** Each task waits a random delay in `[0, jitterMs]` after getting its slot, before it starts. Default 0. */
  jitterMs?: number;
  /** Aborting it cancels the tasks not finished yet, like the global deadline (status `cancelled`, reason `signal`). */
  signal?: AbortSignal;
  /** How long a task may ignore its aborted signal before it is reported. Default: the runner's (1 000). */
  abandonAfterMs?: number;
  /** Receives warnings about tasks ignoring their signal. Default: pino at `warn` on stderr. */
  logger?: JobLogger;
  /** Uniform numbers in [0, 1) for the jitter; injectable for tests. Default `Math.random`. */
  random?: () => number;
  /** The jitter delays, the global deadline and every task timeout run on it. Default: real time. */
  clock?: Clock;
}

/**
 * One outcome of {@link gather}, at the index of its input.
 *
 * @example
 * ```ts
 * for (const r of results) if (r.status === 'fulfilled') use(r.value); else log.warn({ error: r.error }, r.status);
 * ```
 */
export type GatherResult<R> =
  | { status: 'fulfilled'; value: R }
  | { status: 'rejected'; error: unknown }
  | { status: 'timeout'; error: JobTimeoutError }
  | { status: 'cancelled'; error: JobCancelledError };

interface ResolvedGather {
  concurrency: number;
  taskTimeoutMs: number;
  globalTimeoutMs: number;
  jitterMs: number;
  random: () => number;
  clock: Clock;
}

/**
 * Runs `fn(args, signal)` for every element of `argsList` with bounded concurrency, and resolves with
 * one {@link GatherResult} per input, **in input order**. It never rejects because of a task
 * (only with `InvalidJobOptionsError` for bad options).
 *
 * - A task exceeding `taskTimeoutMs` has its signal aborted and is marked `timeout`.
 * - At `globalTimeoutMs` (or when `signal` aborts) every unfinished task is cancelled and marked
 *   `cancelled`, and `gather` resolves at once without waiting for them to stop; any still running
 *   after `abandonAfterMs` are logged as ignoring their signal.
 * - The jitter delay is spent inside the task's slot, so it paces every start, not just the first wave.
 *
 * @example
 * ```ts
 * const urls = ['https://example.com/a', 'https://example.com/b'];
 * const results = await gather((url, signal) => fetch(url, { signal }).then((r) => r.status), urls, {
 *   concurrency: 4, taskTimeoutMs: 2_000, globalTimeoutMs: 10_000, jitterMs: 100,
 * });
 * ```
 */
export async function gather<A, R>(
  fn: (args: A, signal: AbortSignal) => Promise<R>,
  argsList: readonly A[],
  options: GatherOptions = {},
): Promise<GatherResult<R>[]> {
  const o = resolveGatherOptions(options);
  const engine = new JobEngine(
    resolveRunnerOptions({
      concurrency: o.concurrency,
      maxQueue: Infinity,
      defaultTimeoutMs: Infinity,
      abandonAfterMs: options.abandonAfterMs,
      retainFinished: { count: 0 },
      logger: options.logger,
      clock: o.clock,
    }),
  );
  const signal = options.signal;
  if (signal?.aborted === true) {
    return argsList.map((_, i) => ({ status: 'cancelled', error: new JobCancelledError(taskId(i), undefined, 'signal', signal.reason) }));
  }
  const results = new Array<GatherResult<R>>(argsList.length);
  const handles = argsList.map((args, i) => submitTask(engine, fn, args, i, o));
  const settledAll = collect(handles, results, o.taskTimeoutMs);
  const stop = (reason: CancelReason): void => {
    for (let i = 0; i < handles.length; i++) engine.cancel(engine.root, taskId(i), reason);
  };
  const timer = o.globalTimeoutMs === Infinity ? undefined : o.clock.setTimeout(() => stop('deadline'), o.globalTimeoutMs);
  const onAbort = (): void => stop('signal');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await settledAll; // bounded: every task ends by its timeout, or at the deadline / abort
  } finally {
    if (timer !== undefined) o.clock.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  return results;
}

function resolveGatherOptions(options: GatherOptions): ResolvedGather {
  const d = JOB_RUNNER_DEFAULTS.gather;
  return {
    concurrency: positiveInt('concurrency', options.concurrency ?? defaultConcurrency()),
    taskTimeoutMs: durationMs('taskTimeoutMs', options.taskTimeoutMs ?? d.taskTimeoutMs),
    globalTimeoutMs: durationMs('globalTimeoutMs', options.globalTimeoutMs ?? d.globalTimeoutMs),
    jitterMs: nonNegativeMs('jitterMs', options.jitterMs ?? d.jitterMs),
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
  };
}

function submitTask<A, R>(
  engine: JobEngine,
  fn: (args: A, signal: AbortSignal) => Promise<R>,
  args: A,
  index: number,
  o: ResolvedGather,
): JobHandle<R> {
  const delay = o.jitterMs > 0 ? o.random() * o.jitterMs : 0;
  const timeoutMs = o.taskTimeoutMs === Infinity ? Infinity : Math.min(MAX_TIMER_MS, o.taskTimeoutMs + delay);
  const task = async (signal: AbortSignal): Promise<R> => {
    if (delay > 0) await sleep(o.clock, delay, signal);
    return fn(args, signal);
  };
  return engine.submit(engine.root, taskId(index), task, { timeoutMs });
}

/** Fills `results` as the handles settle; resolves when all have. */
function collect<R>(handles: readonly JobHandle<R>[], results: GatherResult<R>[], taskTimeoutMs: number): Promise<void> {
  let left = handles.length;
  return new Promise<void>((resolve) => {
    if (left === 0) resolve();
    handles.forEach((handle, i) => {
      const done = (result: GatherResult<R>): void => {
        results[i] = result;
        if (--left === 0) resolve();
      };
      handle.result.then(
        (value) => done({ status: 'fulfilled', value }),
        (error: unknown) => done(classify(handle, error, taskTimeoutMs)),
      );
    });
  });
}

/** Classifies by the job's state, not the error's class: a task may itself throw a JobTimeoutError. */
function classify<R>(handle: JobHandle<R>, error: unknown, taskTimeoutMs: number): GatherResult<R> {
  const state = handle.status().state;
  if (state === 'timeout') return { status: 'timeout', error: new JobTimeoutError(handle.id, undefined, taskTimeoutMs) };
  if (state === 'cancelled') return { status: 'cancelled', error: error as JobCancelledError };
  return { status: 'rejected', error };
}

/** The job id of input `index`, as it appears in error messages. */
function taskId(index: number): string {
  return `gather task ${index}`;
}

/** Waits `ms` of `clock` time; rejects with the signal's reason if it aborts first (clearing the timer). */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
