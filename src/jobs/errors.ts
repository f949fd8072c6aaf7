import { StatevisorError } from '../errors.js';

/**
 * Why a job was cancelled, as carried by {@link JobCancelledError.reason}.
 *
 * - `cancel`: `cancel(id)` or `handle.cancel()` was called.
 * - `cancelAll`: its scope's `cancelAll()` was called.
 * - `scope-closed`: it was still queued when its scope was closed.
 * - `shutdown`: the runner shut down (queued jobs at once, running ones at the shutdown deadline).
 * - `deadline`: `gather()` reached its `globalTimeoutMs`.
 * - `signal`: the caller's `AbortSignal` (of `gather()` or `runInWorker()`) was aborted.
 *
 * @example
 * ```ts
 * if (error instanceof JobCancelledError && error.reason === 'shutdown') return;
 * ```
 */
export type CancelReason = 'cancel' | 'cancelAll' | 'scope-closed' | 'shutdown' | 'deadline' | 'signal';

const REASONS: Record<CancelReason, string> = {
  cancel: 'cancel() was called',
  cancelAll: "its scope's cancelAll() was called",
  'scope-closed': 'its scope was closed before it started',
  shutdown: 'the job runner shut down',
  deadline: "gather()'s globalTimeoutMs was reached",
  signal: "the caller's AbortSignal was aborted",
};

/** `job "x"` or `job "x" of scope "acc-1"`, for messages. */
function describeJob(jobId: string, scope: string | undefined): string {
  return scope === undefined ? `Job "${jobId}"` : `Job "${jobId}" of scope "${scope}"`;
}

/**
 * `submit()` when the queue already holds `maxQueue` waiting jobs (the runner's, or the scope's).
 * Thrown synchronously by `submit()`; nothing was queued.
 *
 * @example
 * ```ts
 * try { runner.submit('sync-1', job); } catch (e) { if (e instanceof QueueFullError) retryLater(); }
 * ```
 */
export class QueueFullError extends StatevisorError {
  constructor(
    readonly jobId: string,
    readonly scope: string | undefined,
    readonly maxQueue: number,
    /** Which queue was full: the whole runner's, or the scope's own `limits.maxQueue`. */
    readonly queue: 'runner' | 'scope',
  ) {
    super(
      'QUEUE_FULL',
      `${describeJob(jobId, scope)} was not queued: the ${queue} queue is full (${maxQueue} jobs waiting). ` +
        'Retry later, cancel queued jobs, or raise maxQueue.',
    );
  }
}

/**
 * `submit()` of an id that is still queued or running in the same scope. Thrown synchronously.
 * The id may be reused as soon as that job has finished (in any way).
 *
 * @example
 * ```ts
 * try { runner.submit('sync-1', job); } catch (e) { if (e instanceof JobExistsError) return runner.status('sync-1'); }
 * ```
 */
export class JobExistsError extends StatevisorError {
  constructor(
    readonly jobId: string,
    readonly scope: string | undefined,
    readonly state: string,
  ) {
    super(
      'JOB_EXISTS',
      `${describeJob(jobId, scope)} is already ${state}. Wait for it to finish, cancel() it, or use another id.`,
    );
  }
}

/**
 * A job ran longer than its `timeoutMs`: its signal was aborted with this error as the reason,
 * its state is `timeout`, and its `result` rejects with it.
 *
 * @example
 * ```ts
 * await handle.result.catch((e) => { if (e instanceof JobTimeoutError) log.warn(e.message); });
 * ```
 */
export class JobTimeoutError extends StatevisorError {
  constructor(
    readonly jobId: string,
    readonly scope: string | undefined,
    readonly timeoutMs: number,
  ) {
    super(
      'JOB_TIMEOUT',
      `${describeJob(jobId, scope)} ran longer than its timeoutMs (${timeoutMs} ms) and was aborted. ` +
        'Make it faster or raise timeoutMs.',
    );
  }
}

/**
 * A job was cancelled: if it was running, its signal was aborted with this error as the reason;
 * its state is `cancelled`, and its `result` rejects with it.
 *
 * @example
 * ```ts
 * await handle.result.catch((e) => { if (e instanceof JobCancelledError && e.reason === 'shutdown') return; throw e; });
 * ```
 */
export class JobCancelledError extends StatevisorError {
  constructor(
    readonly jobId: string,
    readonly scope: string | undefined,
    readonly reason: CancelReason,
    cause?: unknown,
  ) {
    super(
      'JOB_CANCELLED',
      `${describeJob(jobId, scope)} was cancelled: ${REASONS[reason]}. Nothing to do unless that was unexpected.`,
      { cause },
    );
  }
}

/**
 * `submit()` or `scope()` after `shutdown()` was called. Thrown synchronously; nothing was queued.
 *
 * @example
 * ```ts
 * try { runner.submit('late', job); } catch (e) { if (e instanceof RunnerShutDownError) return; throw e; }
 * ```
 */
export class RunnerShutDownError extends StatevisorError {
  constructor(readonly jobId: string | undefined) {
    super(
      'RUNNER_SHUT_DOWN',
      `${jobId === undefined ? 'The request' : `Job "${jobId}"`} was refused: the job runner has been shut down. ` +
        'Create a new runner if work must continue.',
    );
  }
}

/**
 * `submit()` on a scope after its `close()`. Thrown synchronously; nothing was queued. This is what keeps
 * an old incarnation of an account task from starting jobs after it left `running`.
 *
 * @example
 * ```ts
 * scope.close();
 * scope.submit('x', job); // throws ScopeClosedError
 * ```
 */
export class ScopeClosedError extends StatevisorError {
  constructor(
    readonly scope: string,
    readonly jobId: string,
  ) {
    super(
      'SCOPE_CLOSED',
      `Job "${jobId}" was refused: scope "${scope}" is closed. ` +
        `Open a new scope with runner.scope("${scope}") for the new task incarnation.`,
    );
  }
}

/**
 * `runner.scope(ownerId)` while a scope of that owner is still open. Thrown synchronously.
 *
 * @example
 * ```ts
 * old.close();
 * const fresh = runner.scope('acc-1'); // fine once the old one is closed
 * ```
 */
export class ScopeExistsError extends StatevisorError {
  constructor(readonly scope: string) {
    super(
      'SCOPE_EXISTS',
      `A job scope for "${scope}" is already open. close() the previous scope before opening a new one.`,
    );
  }
}

/**
 * An option of the job runner, `gather()` or `runInWorker()` is out of range. Thrown synchronously
 * (or, by the async `gather()`/`runInWorker()`, as a rejection); nothing was started.
 *
 * @example
 * ```ts
 * createJobRunner({ concurrency: 0 }); // throws InvalidJobOptionsError (field "concurrency")
 * ```
 */
export class InvalidJobOptionsError extends StatevisorError {
  constructor(
    /** Dotted name of the option, for example `limits.lanes.reply`. */
    readonly field: string,
    readonly reason: string,
  ) {
    super('INVALID_JOB_OPTIONS', `Invalid job option "${field}": ${reason}. Nothing was started.`, {
      retryable: false,
    });
  }
}

/**
 * `runInWorker()`: the worker could not load the function, or the function threw or rejected.
 * `cause` is the error as cloned from the worker thread (name, message and stack survive; its class does not).
 *
 * @example
 * ```ts
 * await runInWorker(url, 'parse', [text]).catch((e) => { if (e instanceof WorkerJobError) log.error(e.cause); });
 * ```
 */
export class WorkerJobError extends StatevisorError {
  constructor(
    readonly jobId: string,
    /** `load`: import or export lookup failed; `run`: the function threw; `uncaught`: an error escaped it later. */
    readonly phase: 'load' | 'run' | 'uncaught',
    cause: unknown,
  ) {
    const what = phase === 'load' ? 'could not be loaded' : phase === 'run' ? 'threw' : 'raised an uncaught error';
    super(
      'WORKER_JOB_FAILED',
      `Worker job "${jobId}" ${what}: ${describeCause(cause)}. Fix the function or its module; the thread was stopped.`,
      { cause, retryable: phase !== 'load' },
    );
  }
}

/**
 * `runInWorker()`: the worker thread exited before sending a result (for example `process.exit()`
 * in the worker, or an out-of-memory kill through `resourceLimits`).
 *
 * @example
 * ```ts
 * await runInWorker(url, 'fn', []).catch((e) => { if (e instanceof WorkerExitedError) log.error({ code: e.exitCode }); });
 * ```
 */
export class WorkerExitedError extends StatevisorError {
  constructor(
    readonly jobId: string,
    readonly exitCode: number,
  ) {
    super(
      'WORKER_EXITED',
      `Worker job "${jobId}" ended without a result: its thread exited with code ${exitCode}. ` +
        'Check that the function does not call process.exit() and stays within its resourceLimits.',
    );
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  if (cause !== null && typeof cause === 'object' && 'message' in cause) return String(cause.message);
  return String(cause);
}
