/**
 * Offloaded work: CPU-bound or isolated calls outside the event loop, each bounded and stoppable.
 * `createWorkerPool()` reuses a bounded set of worker threads (piscina) and terminates the thread
 * of a call that times out or is cancelled; `createProcessRunner()` runs a call in its own child
 * process under a separate limit. (`runInWorker()` in `src/jobs` starts a fresh thread per call.)
 *
 * @example
 * ```ts
 * import { createWorkerPool } from 'statevisor';
 * const pool = createWorkerPool({ maxThreads: 2 });
 * const n = await pool.run<number>('/srv/app/primes.js', 'countPrimes', 1e6, { timeoutMs: 5_000 });
 * await pool.close();
 * ```
 * @packageDocumentation
 */
export { createWorkerPool, WORKER_POOL_DEFAULTS, type WorkerPool, type WorkerPoolOptions, type OffloadRunOptions } from './workerPool.js';
export { createProcessRunner, PROCESS_RUNNER_DEFAULTS, type ProcessRunner, type ProcessRunnerOptions } from './processRunner.js';
export { OffloadQueueFullError, OffloadClosedError } from './errors.js';
