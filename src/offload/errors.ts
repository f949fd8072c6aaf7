import { StatevisorError } from '../errors.js';

/**
 * A worker pool or process runner already has `limit` calls running or waiting: the call was
 * refused at once (its promise rejects with this) and nothing was started.
 *
 * @example
 * ```ts
 * await pool.run(url, 'resize', image).catch((e) => { if (e instanceof OffloadQueueFullError) return retryLater(); throw e; });
 * ```
 */
export class OffloadQueueFullError extends StatevisorError {
  constructor(
    readonly jobId: string,
    /** `threads`: a worker pool; `processes`: a process runner. */
    readonly kind: 'threads' | 'processes',
    /** Running plus waiting calls it accepts. */
    readonly limit: number,
  ) {
    super(
      'OFFLOAD_QUEUE_FULL',
      `Offloaded job "${jobId}" was refused: the ${kind === 'threads' ? 'worker pool' : 'process runner'} already holds ${limit} ` +
        'running and waiting calls. Retry later, or raise its maxQueue (or maxThreads / maxProcesses).',
    );
  }
}

/**
 * A call on a worker pool or process runner after its `close()`: nothing was started.
 *
 * @example
 * ```ts
 * await pool.close();
 * await pool.run(url, 'fn', 1); // rejects with OffloadClosedError
 * ```
 */
export class OffloadClosedError extends StatevisorError {
  constructor(
    readonly jobId: string,
    readonly kind: 'threads' | 'processes',
  ) {
    super(
      'OFFLOAD_CLOSED',
      `Offloaded job "${jobId}" was refused: its ${kind === 'threads' ? 'worker pool' : 'process runner'} is closed. ` +
        'Create a new one, or stop submitting work once shutdown has begun.',
      { retryable: false },
    );
  }
}
