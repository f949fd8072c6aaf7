import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { systemClock, type Clock } from '../clock/clock.js';
import { Deadlines, type Deadlined } from '../jobs/deadlines.js';
import { JobCancelledError, JobTimeoutError, WorkerJobError } from '../jobs/errors.js';
import { MAX_TIMER_MS, countOrInfinity, durationMs, jobId, positiveInt } from '../jobs/options.js';
import { OffloadClosedError, OffloadQueueFullError } from './errors.js';
import { moduleUrl } from './moduleUrl.js';

/**
 * Options of {@link createWorkerPool}; defaults in {@link WORKER_POOL_DEFAULTS}.
 *
 * @example
 * ```ts
 * const pool = createWorkerPool({ maxThreads: 2, maxQueue: 100, timeoutMs: 5_000 });
 * ```
 */
export interface WorkerPoolOptions {
  /** Threads running at once. Integer ≥ 1. Default: the number of CPU cores. */
  maxThreads?: number;
  /** Calls waiting for a thread; one more is refused with `OffloadQueueFullError`. Integer ≥ 0 or `Infinity`. */
  maxQueue?: number;
  /** An idle thread exits after this long; the next call starts a new one. */
  idleTimeoutMs?: number;
  /** A call's run-time limit when `run()` gives none, counted from the call (waiting included). `Infinity` = none. */
  timeoutMs?: number;
  /** Heap limits of each thread. */
  resourceLimits?: ResourceLimits;
  /** Time and timers of the run-time limits. Default: real time. */
  clock?: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
}

/**
 * Per-call options of `pool.run()` and `processes.run()`.
 *
 * @example
 * ```ts
 * await pool.run(url, 'thumbnail', image, { timeoutMs: 2_000, signal, id: `thumb-${image.id}` });
 * ```
 */
export interface OffloadRunOptions {
  /** Run-time limit of this call, waiting included; the thread (or process) running it is terminated after it. */
  timeoutMs?: number;
  /** Aborting it terminates the thread (or process) running the call, or drops it from the queue. */
  signal?: AbortSignal;
  /** Name used in error messages. Default `"<exportName> from <module URL>"`. */
  id?: string;
}

/**
 * The defaults of {@link WorkerPoolOptions}.
 *
 * @example
 * ```ts
 * WORKER_POOL_DEFAULTS.maxQueue; // 1_000
 * ```
 */
export const WORKER_POOL_DEFAULTS = Object.freeze({
  maxThreads: availableParallelism(),
  maxQueue: 1_000,
  idleTimeoutMs: 30_000,
  timeoutMs: 30_000,
});

/**
 * A bounded pool of worker threads, created by {@link createWorkerPool}.
 *
 * @example
 * ```ts
 * const digest: string = await pool.run(new URL('./hash.js', import.meta.url), 'sha256', buffer, { signal });
 * ```
 */
export interface WorkerPool {
  /**
   * Calls export `exportName` of the plain-JavaScript ES module `modulePath` with `input` on a pool
   * thread and resolves with its (awaited) result. `input` and the result are structured-cloned.
   * On timeout or abort the thread running it is terminated (that stops even a CPU-bound loop) and
   * replaced on demand; a call still waiting is dropped from the queue. Rejects with
   * `JobTimeoutError`, `JobCancelledError` (reason `signal`), `WorkerJobError` (the function threw,
   * or its module or export could not be loaded), `OffloadQueueFullError`, `OffloadClosedError` or
   * `InvalidJobOptionsError`.
   */
  run<R = unknown>(modulePath: string | URL, exportName: string, input?: unknown, options?: OffloadRunOptions): Promise<R>;
  /** Calls running or waiting now. */
  readonly pending: number;
  /** Threads alive now (running, idle, or terminated and not yet exited). */
  readonly threads: number;
  /** Refuses new calls, lets running and waiting ones finish, then stops every thread. */
  close(): Promise<void>;
}

/**
 * Creates a {@link WorkerPool}: at most `maxThreads` threads, reused from one call to the next
 * (a thread costs tens of milliseconds to start; reuse makes a small call cost tens of
 * microseconds), `maxQueue` calls waiting, each call bounded by a run-time limit and cancellable.
 * Built on piscina 5, which terminates the thread of an aborted call; this adds statevisor's
 * errors, the per-call time limit, and a bound on waiting calls that holds for cancellable calls
 * too. Close it when done (it owns threads).
 *
 * @example
 * ```ts
 * const pool = createWorkerPool({ maxThreads: 2 });
 * try {
 *   const n = await pool.run<number>('/srv/app/primes.js', 'countPrimes', 1_000_000, { timeoutMs: 5_000 });
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const d = WORKER_POOL_DEFAULTS;
  const maxThreads = positiveInt('maxThreads', options.maxThreads ?? d.maxThreads);
  const maxQueue = countOrInfinity('maxQueue', options.maxQueue ?? d.maxQueue);
  const idleTimeoutMs = durationMs('idleTimeoutMs', options.idleTimeoutMs ?? d.idleTimeoutMs);
  const defaultTimeoutMs = durationMs('timeoutMs', options.timeoutMs ?? d.timeoutMs);
  const clock = options.clock ?? systemClock;
  const piscina = new Piscina({
    minThreads: 0,
    maxThreads,
    // piscina's own queue bound does not apply to calls that carry a signal (they all do here):
    // the bound is kept below instead.
    maxQueue: maxQueue === Infinity ? Number.MAX_SAFE_INTEGER : Math.max(maxQueue, 1),
    idleTimeout: Math.min(idleTimeoutMs, MAX_TIMER_MS), // Node fires longer delays at once
    resourceLimits: options.resourceLimits,
  });
  let closed = false;
  // Threads counted from their creation to their `exit` event (piscina forgets a terminated
  // thread before it has exited): `threads` shows a stuck thread really went away.
  const seen = new WeakSet<object>();
  let alive = 0;
  // Threads stopped (or possibly stopped) since the last one exited: piscina may replace one while
  // `alive` still counts it, so until then every call looks for new threads.
  let stopping = 0;
  const track = (): void => {
    for (const thread of piscina.threads) {
      if (seen.has(thread)) continue;
      seen.add(thread);
      alive++;
      thread.once('exit', () => {
        alive--;
        stopping = 0;
      });
    }
  };
  piscina.on('workerCreate', track);
  // Every call in the pool (its size is the pool's `pending`), so a thread that fails outside any
  // call can end the calls that wait.
  const live = new Set<PoolCall>();
  // piscina emits 'error' for a thread that failed while running no call of ours: one that died
  // while starting (a `resourceLimits` too small to load, a failed bootstrap) or an idle one.
  // Unheard, that event is an uncaught exception that ends the whole process. When no thread is
  // left, the waiting calls would wait for their limits (or forever, without one) since piscina
  // starts no new thread for them after a bootstrap failure: they end now, naming the cause.
  piscina.on('error', (error: unknown) => {
    if (piscina.threads.length > 0) return;
    for (const call of live) call.stop(new WorkerJobError(call.label, 'load', error));
  });
  // piscina turns a `file:` URL into a path on every call (a URL parse); the paths of the few
  // modules a pool runs are kept instead. Bounded, so a caller cycling through many module URLs
  // only loses the shortcut.
  const paths = new Map<string, string>();
  const pathOf = (url: string): string => {
    let path = paths.get(url);
    if (path === undefined) {
      path = fileURLToPath(url);
      if (paths.size < 64) paths.set(url, path);
    }
    return path;
  };

  // One timer per distinct limit, not one per call (see `jobs/deadlines.ts`).
  const deadlines = new Deadlines<PoolCall>(clock, (call) => call.stop(new JobTimeoutError(call.label, undefined, call.timeoutMs)));
  const end = (call: PoolCall): void => {
    live.delete(call);
    deadlines.remove(call);
    call.signal?.removeEventListener('abort', call);
  };

  // Not an async function: the call's end is two reactions on piscina's promise, no extra promise
  // or try/finally frame per call (see `PoolCall` for what it saved).
  function run<R>(modulePath: string | URL, exportName: string, input?: unknown, callOptions: OffloadRunOptions = {}): Promise<R> {
    let call: PoolCall | undefined;
    try {
      const url = moduleUrl(modulePath, false);
      jobId('exportName', exportName);
      const timeoutMs = callOptions.timeoutMs === undefined ? defaultTimeoutMs : durationMs('timeoutMs', callOptions.timeoutMs);
      const label = callOptions.id ?? `${exportName} from ${url}`;
      const signal = callOptions.signal;
      if (closed) throw new OffloadClosedError(label, 'threads');
      if (signal?.aborted === true) throw new JobCancelledError(label, undefined, 'signal', signal.reason);
      if (live.size >= maxThreads + maxQueue) throw new OffloadQueueFullError(label, 'threads', maxThreads + maxQueue);
      const started = (call = new PoolCall(label, timeoutMs, signal, () => stopping++));
      live.add(started);
      signal?.addEventListener('abort', started, { once: true });
      if (timeoutMs !== Infinity) deadlines.add(started, clock.now());
      const result = piscina.run(input, { filename: pathOf(url), name: exportName, signal: started });
      // piscina starts a thread, if it needs one, synchronously in run(): only possible below
      // `maxThreads` (or while a stopped thread has not exited), so a full pool does not read
      // `piscina.threads` (an array piscina builds on every read) on every call.
      if (alive < maxThreads || stopping > 0) track();
      return result.then(
        (value) => {
          end(started);
          return value as R;
        },
        (error: unknown) => {
          end(started);
          throw started.ended ?? new WorkerJobError(label, loadFailed(error) ? 'load' : 'run', error);
        },
      );
    } catch (error) {
      // Before the call was counted: bad input or a full or closed pool, rejected as it is. After
      // it (piscina or a new thread throwing synchronously): the call still ends, so its count,
      // its limit and its listener on the caller's signal are released, and the error is named.
      if (call === undefined) return Promise.reject(error);
      end(call);
      return Promise.reject(call.ended ?? new WorkerJobError(call.label, loadFailed(error) ? 'load' : 'run', error));
    }
  }

  return {
    run,
    get pending() {
      return live.size;
    },
    get threads() {
      return alive;
    },
    async close() {
      closed = true;
      await piscina.close();
    },
  };
}

/**
 * One call in the pool: the stop given to piscina as its signal (piscina's documented
 * `AbortSignalEventTarget` shape: `addEventListener`, `removeEventListener`, `aborted`, `reason`,
 * which it listens to once per call), the listener of the caller's signal (`handleEvent`), and
 * the node its run-time limit is kept in (`Deadlined`). The caller's signal and the time limit
 * both lead to `stop()`, and piscina then terminates the thread running the call.
 *
 * Measured (trivial call, 10,000 calls per sample with 32 in flight, 2 threads, medians): an
 * `AbortController` per call, which brings an `EventTarget`, and a URL parse per call cost 74.2 µs
 * against piscina alone's 56 µs (2026-12-02); this stop and the path kept per module, 67.9 µs.
 * Then one object per call instead of a stop, two closures and a timer, and no async frame: the
 * bench's trivial call went from 1.28× to 1.11× piscina alone (`npm run bench -- --only=offload`,
 * 2026-12-03: 44.8 against 40.3 µs). @internal
 */
class PoolCall implements Deadlined<PoolCall> {
  aborted = false;
  reason: unknown = undefined;
  /** Why the call ended early (time limit or the caller's signal); the call rejects with it. */
  ended: Error | undefined = undefined;
  prev: PoolCall | undefined = undefined;
  next: PoolCall | undefined = undefined;
  list: object | undefined = undefined;
  dueAt: number | undefined = undefined;
  #listener: (() => void) | undefined = undefined;

  constructor(
    readonly label: string,
    readonly timeoutMs: number,
    readonly signal: AbortSignal | undefined,
    readonly onStop: () => void,
  ) {}

  /** piscina listens once per call, so one listener slot is enough; a second replaces none. */
  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener ??= listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.stop(new JobCancelledError(this.label, undefined, 'signal', this.signal?.reason));
  }

  /** Ends the call with `error`: piscina rejects it and terminates its thread if it runs. */
  stop(error: Error): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    this.onStop();
    this.aborted = true;
    this.reason = error;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

/** piscina's "no such export" error and a module that cannot be imported: the call never ran. */
function loadFailed(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return /^No handler function exported from /.test(error.message) || code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
