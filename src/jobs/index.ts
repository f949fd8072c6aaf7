/**
 * The job runner: concurrency-limited, cancellable short jobs, per-account scopes with lanes,
 * `gather()` for fan-out with deadlines, and `runInWorker()` for CPU-bound work that must be stoppable.
 *
 * @example
 * ```ts
 * import { createJobRunner } from 'statevisor';
 * const runner = createJobRunner({ concurrency: 16 });
 * const scope = runner.scope('acc-1', { limits: { lanes: { reply: 1 } } });
 * scope.submit('reply-1', (signal) => send(signal), { lane: 'reply' });
 * ```
 * @packageDocumentation
 */
export { createJobRunner, JobRunner } from './runner.js';
export { JobScope } from './scope.js';
export { gather, type GatherOptions, type GatherResult } from './gather.js';
export { runInWorker, liveWorkerThreads, type RunInWorkerOptions } from './workerThread.js';
export { JOB_RUNNER_DEFAULTS, defaultConcurrency, type JobRunnerOptions } from './options.js';
export type { JobLogger } from './logger.js';
export {
  QueueFullError,
  JobExistsError,
  JobTimeoutError,
  JobCancelledError,
  RunnerShutDownError,
  ScopeClosedError,
  ScopeExistsError,
  InvalidJobOptionsError,
  WorkerJobError,
  WorkerExitedError,
  type CancelReason,
} from './errors.js';
export type {
  JobState,
  FinalJobState,
  JobFn,
  SubmitOptions,
  JobStatus,
  JobHandle,
  JobCounts,
  ShutdownOptions,
  ShutdownReport,
  CancelAllOptions,
  CancelAllReport,
  ScopeLimits,
  ScopeOptions,
} from './types.js';
