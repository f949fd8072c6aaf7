import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import {
  InvalidJobOptionsError,
  JobCancelledError,
  JobTimeoutError,
  WorkerExitedError,
  WorkerJobError,
} from './errors.js';
import { JOB_RUNNER_DEFAULTS, durationMs, jobId } from './options.js';

/**
 * Options of {@link runInWorker}; defaults in `JOB_RUNNER_DEFAULTS.worker`.
 *
 * @example
 * ```ts
 * await runInWorker(url, 'hash', [data], { timeoutMs: 2_000, signal, resourceLimits: { maxOldGenerationSizeMb: 64 } });
 * ```
 */
export interface RunInWorkerOptions {
  /** Run-time limit, counted from the thread's creation; the thread is terminated after it. Default 30 000. */
  timeoutMs?: number;
  /** Aborting it terminates the thread; the call rejects with `JobCancelledError` (reason `signal`). */
  signal?: AbortSignal;
  /** Name used in error messages. Default `"<exportName> from <module URL>"`. */
  id?: string;
  /** Passed to the `Worker` (heap limits and the like). */
  resourceLimits?: ResourceLimits;
}

/** The worker's entry: plain CommonJS evaluated by the worker, so no TypeScript loader is needed. */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const post = (message) => {
  try { parentPort.postMessage(message); }
  catch (e) { parentPort.postMessage({ ok: false, phase: message.phase ?? 'run', error: new Error('result could not be sent to the main thread: ' + (e && e.message)) }); }
};
(async () => {
  let fn;
  try {
    const mod = await import(workerData.url);
    fn = mod[workerData.exportName];
    if (typeof fn !== 'function') throw new TypeError('export "' + workerData.exportName + '" of ' + workerData.url + ' is not a function');
  } catch (error) { post({ ok: false, phase: 'load', error }); return; }
  try { post({ ok: true, value: await fn(...workerData.args) }); }
  catch (error) { post({ ok: false, phase: 'run', error }); }
})();
`;

type WorkerMessage = { ok: true; value: unknown } | { ok: false; phase: 'load' | 'run'; error: unknown };
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

let liveThreads = 0;

/**
 * How many threads started by {@link runInWorker} have not exited yet. For diagnostics and tests.
 *
 * @example
 * ```ts
 * await runInWorker(url, 'spin', [], { timeoutMs: 100 }).catch(() => {});
 * liveWorkerThreads(); // 0: the thread is gone
 * ```
 */
export function liveWorkerThreads(): number {
  return liveThreads;
}

/**
 * Calls the exported function `exportName` of the ES module `modulePath` with `args` on a new
 * worker thread, and resolves with its (awaited) return value. On timeout or abort the thread is
 * terminated — this stops even a CPU-bound infinite loop — and the promise settles only once the
 * thread has exited. The thread is also terminated after a normal result, so timers the function
 * left behind do not keep it alive.
 *
 * `modulePath` is an absolute path or a `file:`/`data:` URL of plain JavaScript (the worker has no
 * TypeScript loader). `args` and the result are copied with the structured clone algorithm.
 * Rejects with `JobTimeoutError`, `JobCancelledError`, `WorkerJobError` (load failure, or the
 * function threw: the cloned error is its `cause`), `WorkerExitedError` or `InvalidJobOptionsError`.
 *
 * @example
 * ```ts
 * const digest = await runInWorker<string>(new URL('./hash.js', import.meta.url), 'sha256', [buffer], {
 *   timeoutMs: 5_000, signal,
 * });
 * ```
 */
export async function runInWorker<R = unknown>(
  modulePath: string | URL,
  exportName: string,
  args: readonly unknown[] = [],
  options: RunInWorkerOptions = {},
): Promise<R> {
  const url = moduleUrl(modulePath);
  jobId('exportName', exportName);
  const timeoutMs = durationMs('timeoutMs', options.timeoutMs ?? JOB_RUNNER_DEFAULTS.worker.timeoutMs);
  const label = options.id ?? `${exportName} from ${url}`;
  const signal = options.signal;
  if (signal?.aborted === true) throw new JobCancelledError(label, undefined, 'signal', signal.reason);
  const outcome = await new WorkerCall(label, timeoutMs, signal).run(url, exportName, args, options.resourceLimits);
  if (!outcome.ok) throw outcome.error;
  return outcome.value as R;
}

function moduleUrl(modulePath: string | URL): string {
  if (modulePath instanceof URL) return modulePath.href;
  if (typeof modulePath === 'string' && /^(file|data):/.test(modulePath)) return modulePath;
  if (typeof modulePath === 'string' && isAbsolute(modulePath)) return pathToFileURL(modulePath).href;
  throw new InvalidJobOptionsError('modulePath', `must be an absolute path or a file: URL (got ${String(modulePath)})`);
}

/** One worker thread's life: start, first outcome wins, terminate, deliver after `exit`. */
class WorkerCall {
  #worker: Worker | undefined;
  #timer: NodeJS.Timeout | undefined;
  #outcome: Outcome | undefined;
  #exited = false;
  #deliver: (outcome: Outcome) => void = () => undefined;

  constructor(
    readonly label: string,
    readonly timeoutMs: number,
    readonly signal: AbortSignal | undefined,
  ) {}

  run(url: string, exportName: string, args: readonly unknown[], resourceLimits?: ResourceLimits): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      this.#deliver = resolve;
      let worker: Worker;
      try {
        worker = new Worker(BOOTSTRAP, { eval: true, workerData: { url, exportName, args }, resourceLimits });
      } catch (error) {
        resolve({ ok: false, error: new InvalidJobOptionsError('args', `must be structured-cloneable (${String(error)})`) });
        return;
      }
      this.#worker = worker;
      liveThreads++;
      worker.on('message', (m: WorkerMessage) => this.#onMessage(m));
      worker.on('error', (error) => this.#settle({ ok: false, error: new WorkerJobError(this.label, 'uncaught', error) }));
      worker.on('exit', (code) => this.#onExit(code));
      this.#timer = setTimeout(this.#onTimeout, this.timeoutMs);
      this.signal?.addEventListener('abort', this.#onAbort, { once: true });
    });
  }

  readonly #onTimeout = (): void => {
    this.#settle({ ok: false, error: new JobTimeoutError(this.label, undefined, this.timeoutMs) });
  };

  readonly #onAbort = (): void => {
    this.#settle({ ok: false, error: new JobCancelledError(this.label, undefined, 'signal', this.signal?.reason) });
  };

  #onMessage(message: WorkerMessage): void {
    if (message.ok) this.#settle({ ok: true, value: message.value });
    else this.#settle({ ok: false, error: new WorkerJobError(this.label, message.phase, message.error) });
  }

  #onExit(code: number): void {
    this.#exited = true;
    liveThreads--;
    this.#settle({ ok: false, error: new WorkerExitedError(this.label, code) });
    this.#finish();
  }

  /** Keeps the first outcome, stops the timer and listener, and terminates the thread. */
  #settle(outcome: Outcome): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    clearTimeout(this.#timer);
    this.signal?.removeEventListener('abort', this.#onAbort);
    if (this.#exited) return;
    // `exit` follows termination; if it never came, deliver anyway after terminateTimeoutMs.
    this.#timer = setTimeout(() => this.#finish(), JOB_RUNNER_DEFAULTS.worker.terminateTimeoutMs);
    this.#worker?.terminate().then(undefined, () => undefined);
  }

  #finish(): void {
    clearTimeout(this.#timer);
    if (this.#outcome !== undefined) this.#deliver(this.#outcome);
  }
}
