import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { systemClock, type Clock, type TimerHandle } from '../clock/clock.js';
import { JobCancelledError, JobTimeoutError, WorkerExitedError, WorkerJobError } from '../jobs/errors.js';
import { countOrInfinity, durationMs, jobId, positiveInt } from '../jobs/options.js';
import { OffloadClosedError, OffloadQueueFullError } from './errors.js';
import { moduleUrl } from './moduleUrl.js';
import { Slots } from './slots.js';
import type { OffloadRunOptions } from './workerPool.js';

/**
 * Options of {@link createProcessRunner}; defaults in {@link PROCESS_RUNNER_DEFAULTS}.
 *
 * @example
 * ```ts
 * const processes = createProcessRunner({ maxProcesses: 2, maxQueue: 20, timeoutMs: 60_000 });
 * ```
 */
export interface ProcessRunnerOptions {
  /** Child processes running at once. Integer ≥ 1. Default: the number of CPU cores. */
  maxProcesses?: number;
  /** Calls waiting for a process; one more is refused with `OffloadQueueFullError`. Integer ≥ 0 or `Infinity`. */
  maxQueue?: number;
  /** A call's run-time limit when `run()` gives none, counted from the call (waiting included). `Infinity` = none. */
  timeoutMs?: number;
  /** After SIGKILL, how long to wait for the process to exit before the call settles anyway. */
  killWaitMs?: number;
  /** Timers of the run-time limits. Default: real time. */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/**
 * The defaults of {@link ProcessRunnerOptions}.
 *
 * @example
 * ```ts
 * PROCESS_RUNNER_DEFAULTS.maxQueue; // 100
 * ```
 */
export const PROCESS_RUNNER_DEFAULTS = Object.freeze({
  maxProcesses: availableParallelism(),
  maxQueue: 100,
  timeoutMs: 30_000,
  killWaitMs: 5_000,
});

/**
 * Runs functions in child processes, at most `maxProcesses` at once, created by
 * {@link createProcessRunner}.
 *
 * @example
 * ```ts
 * const report = await processes.run('/srv/app/render.js', 'renderPdf', order, { timeoutMs: 60_000, signal });
 * ```
 */
export interface ProcessRunner {
  /**
   * Calls export `exportName` of the plain-JavaScript ES module `modulePath` with `input` in a new
   * child process (its own address space and heap: a crash, a leak or a native fault stays there)
   * and resolves with its result. `input` and the result are copied with the structured clone
   * algorithm. On timeout or abort the process is killed (SIGKILL) and the call settles once it
   * has exited; a call still waiting for a slot is dropped. Rejects with `JobTimeoutError`,
   * `JobCancelledError` (reason `signal`), `WorkerJobError`, `WorkerExitedError` (the process
   * ended without a result), `OffloadQueueFullError`, `OffloadClosedError` or `InvalidJobOptionsError`.
   */
  run<R = unknown>(modulePath: string | URL, exportName: string, input?: unknown, options?: OffloadRunOptions): Promise<R>;
  /** Processes running now. */
  readonly running: number;
  /** Calls waiting for a slot now. */
  readonly waiting: number;
  /** Refuses new calls and cancels waiting ones; running ones finish (or hit their limit). Resolves when none runs. */
  close(): Promise<void>;
}

/** The child's program: CommonJS given to `node -e`, so no file and no TypeScript loader is needed. */
const BOOTSTRAP = `
process.once('message', async ({ url, exportName, input }) => {
  const reply = (message) => process.send(message, () => process.exit(0));
  let fn;
  try {
    const mod = await import(url);
    fn = mod[exportName];
    if (typeof fn !== 'function') throw new TypeError('export "' + exportName + '" of ' + url + ' is not a function');
  } catch (error) { reply({ ok: false, phase: 'load', error }); return; }
  try { reply({ ok: true, value: await fn(input) }); }
  catch (error) { reply({ ok: false, phase: 'run', error }); }
});
`;

type ChildMessage = { ok: true; value: unknown } | { ok: false; phase: 'load' | 'run'; error: unknown };

/**
 * Creates a {@link ProcessRunner}: `run_in_process` with its own capacity limit, separate from the
 * worker pool's. A process per call (about 40–60 ms to start Node here): for work that must not
 * share the address space, not for small calls (use {@link createWorkerPool}).
 *
 * @example
 * ```ts
 * const processes = createProcessRunner({ maxProcesses: 2 });
 * const out = await processes.run(new URL('./convert.js', import.meta.url), 'convert', file, { timeoutMs: 30_000 });
 * await processes.close();
 * ```
 */
export function createProcessRunner(options: ProcessRunnerOptions = {}): ProcessRunner {
  const d = PROCESS_RUNNER_DEFAULTS;
  const slots = new Slots(
    positiveInt('maxProcesses', options.maxProcesses ?? d.maxProcesses),
    countOrInfinity('maxQueue', options.maxQueue ?? d.maxQueue),
  );
  const defaultTimeoutMs = durationMs('timeoutMs', options.timeoutMs ?? d.timeoutMs);
  const killWaitMs = durationMs('killWaitMs', options.killWaitMs ?? d.killWaitMs);
  const clock = options.clock ?? systemClock;
  let closed = false;
  const cancelWaiting = new Set<() => void>();
  const idle = new Set<() => void>();

  async function run<R>(modulePath: string | URL, exportName: string, input?: unknown, callOptions: OffloadRunOptions = {}): Promise<R> {
    const url = moduleUrl(modulePath, true);
    jobId('exportName', exportName);
    const timeoutMs = callOptions.timeoutMs === undefined ? defaultTimeoutMs : durationMs('timeoutMs', callOptions.timeoutMs);
    const label = callOptions.id ?? `${exportName} from ${url}`;
    const signal = callOptions.signal;
    if (closed) throw new OffloadClosedError(label, 'processes');
    if (signal?.aborted === true) throw new JobCancelledError(label, undefined, 'signal', signal.reason);
    if (!slots.hasRoom()) throw new OffloadQueueFullError(label, 'processes', slots.size + slots.maxWaiting);

    let ended: Error | undefined;
    let onEnd: (() => void) | undefined;
    const stop = (error: Error): void => {
      if (ended !== undefined) return;
      ended = error;
      onEnd?.();
    };
    const onAbort = (): void => stop(new JobCancelledError(label, undefined, 'signal', signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer: TimerHandle | undefined;
    if (timeoutMs !== Infinity) timer = clock.setTimeout(() => stop(new JobTimeoutError(label, undefined, timeoutMs)), timeoutMs);
    try {
      const ticket = slots.acquire();
      const dropWaiting = (): void => stop(new JobCancelledError(label, undefined, 'shutdown'));
      cancelWaiting.add(dropWaiting);
      const gotSlot = await new Promise<boolean>((resolve) => {
        onEnd = () => resolve(!ticket.cancel()); // still waiting: leave the queue; granted meanwhile: keep it to release
        ticket.ready.then(() => resolve(true), () => resolve(false));
      });
      cancelWaiting.delete(dropWaiting);
      if (ended !== undefined) {
        if (gotSlot) release();
        throw ended;
      }
      try {
        return (await runChild(label, url, exportName, input, killWaitMs, clock, (kill) => (onEnd = kill), () => ended)) as R;
      } finally {
        release();
      }
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  function release(): void {
    slots.release();
    if (slots.used === 0) for (const done of idle) done();
  }

  return {
    run,
    get running() {
      return slots.used;
    },
    get waiting() {
      return slots.waiting;
    },
    async close() {
      closed = true;
      for (const drop of [...cancelWaiting]) drop();
      if (slots.used === 0) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          idle.delete(done);
          resolve();
        };
        idle.add(done);
      });
    },
  };
}

/** One child process's life: spawn, send the call, first outcome wins, settle once it has exited. */
function runChild(
  label: string,
  url: string,
  exportName: string,
  input: unknown,
  killWaitMs: number,
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  onKill: (kill: () => void) => void,
  endedBy: () => Error | undefined,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['-e', BOOTSTRAP], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    } catch (error) {
      reject(new WorkerJobError(label, 'load', error));
      return;
    }
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
    let killTimer: TimerHandle | undefined;
    const settle = (): void => {
      if (killTimer !== undefined) clock.clearTimeout(killTimer);
      const why = endedBy();
      if (why !== undefined) reject(why);
      else if (outcome?.ok === true) resolve(outcome.value);
      else if (outcome !== undefined) reject(outcome.error);
      else reject(new WorkerExitedError(label, child.exitCode ?? -1));
    };
    const kill = (): void => {
      child.kill('SIGKILL');
      // `exit` follows the kill; if it never came, settle anyway after killWaitMs.
      killTimer = clock.setTimeout(settle, killWaitMs);
    };
    onKill(kill);
    child.on('message', (m: ChildMessage) => {
      outcome ??= m.ok ? { ok: true, value: m.value } : { ok: false, error: new WorkerJobError(label, m.phase, m.error) };
    });
    // `on`, not `once`: a child process may emit 'error' again (a failed kill after a failed
    // spawn), and a second one with no listener would end this process.
    child.on('error', (error) => {
      outcome ??= { ok: false, error: new WorkerJobError(label, 'load', error) };
    });
    // `close`, not `exit`: it comes after the IPC channel has delivered the last message.
    child.once('close', settle);
    const unsendable = (error: Error): void => {
      outcome ??= { ok: false, error: new WorkerJobError(label, 'load', new Error(`the input could not be sent to the process: ${error.message}`)) };
      child.kill('SIGKILL');
    };
    try {
      child.send({ url, exportName, input }, (error) => {
        if (error) unsendable(error);
      });
    } catch (error) {
      unsendable(error instanceof Error ? error : new Error(String(error)));
    }
    if (endedBy() !== undefined) kill();
  });
}
