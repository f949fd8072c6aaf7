import { createActor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { Logger } from 'pino';
import type { Account } from '../account.js';
import { withTimeout } from '../withTimeout.js';
import { systemClock, type Clock } from '../clock/clock.js';
import type { TrackedJobs } from './accountJobs.js';
import type { WorkerContext, WorkerLogic } from './worker.js';

/** How a worker ended: it resolved, or it threw / rejected with `error`. */
export type WorkerOutcome = { ok: true } | { ok: false; error: unknown };

/** What a {@link WorkerHandle} needs from its owner. */
export interface WorkerHandleOptions {
  accountId: string;
  incarnation: number;
  /** Chooses the worker for the loaded account (the supervisor's `worker` or `workerFor`). */
  logicFor: (account: Account) => WorkerLogic;
  /** Reads and validates the account. */
  load: () => Promise<Account>;
  /** Makes the task's logger; called at most once, when something first logs. */
  log: () => Logger;
  /** Whether the task's logger would write at `level` (asked before making it). Default: always. */
  logEnabled?: (level: 'warn') => boolean;
  report: (details: Record<string, unknown>) => void;
  /** The worker called `ctx.ready()` (its login is done); see `WorkerContext.ready`. */
  ready?: () => void;
  /** This incarnation's jobs. */
  jobs: TrackedJobs;
  /** How long a worker that resolved waits for its cancelled jobs; see `run()`. */
  cancelTimeoutMs: number;
  /** Times the wait for cancelled jobs; handed to the worker as `ctx.clock`. Default: real time. */
  clock?: Clock;
}

/**
 * One incarnation's worker, from load to settle. The account task statechart drives it
 * (`load` in `loading`, `run` in `running`, `abort` + `settled` in `cancelling` and `failed`),
 * and the supervisor keeps it after the task ends if the worker leaked, to know when it is gone.
 *
 * It lives outside the statechart because a worker outlives the states that observe it: the
 * `running` state's invoke is stopped on `CANCEL`, yet the worker is still running until it
 * settles, and a leaked one outlives the whole task.
 *
 * Private fields keep the account (and its credentials) out of `JSON.stringify`, so the handle
 * is safe in a machine's context, in persisted snapshots and in inspection events.
 */
export class WorkerHandle {
  readonly accountId: string;
  readonly incarnation: number;
  readonly #options: WorkerHandleOptions;
  readonly #controller = new AbortController();
  #account: Account | undefined;
  #outcome: Promise<WorkerOutcome> | undefined;
  #stopActor: (() => void) | undefined;
  #settled = false;
  #log: Logger | undefined;

  constructor(options: WorkerHandleOptions) {
    this.#options = options;
    this.accountId = options.accountId;
    this.incarnation = options.incarnation;
  }

  /**
   * The task's child logger, made on first use: most tasks of a large, healthy fleet never log,
   * and a pino child per task is measurable at 100,000 accounts. A getter, so snapshots do not copy it.
   */
  get log(): Logger {
    return (this.#log ??= this.#options.log());
  }

  /** Whether {@link log} would write at `level`; asks without making the logger when it was not made yet. */
  logs(level: 'warn'): boolean {
    return this.#log ? this.#log.isLevelEnabled(level) : (this.#options.logEnabled?.(level) ?? true);
  }

  /** True from `run()` until the worker and every one of its job functions settled. */
  get alive(): boolean {
    return (this.#outcome !== undefined && !this.#settled) || this.#options.jobs.live > 0;
  }

  /** True once `abort()` was called. */
  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Loads the account the worker will receive. Rejects if it is missing or invalid. */
  async load(): Promise<void> {
    this.#account = await this.#options.load();
  }

  /**
   * Starts the worker (once) and resolves when it resolves; rejects with what it threw. A worker
   * that resolved is done only when its jobs are: the ones still queued or running are cancelled
   * and awaited up to `cancelTimeoutMs` (after that they count as leaked, see `alive`).
   */
  async run(): Promise<void> {
    this.#outcome ??= this.#start();
    const outcome = await this.#outcome;
    if (!outcome.ok) throw outcome.error;
    const jobs = this.#options.jobs;
    // Closed even with nothing running, so leftover code of this worker cannot submit more.
    jobs.closeAndCancel(this.#options.cancelTimeoutMs);
    if (jobs.live > 0) await withTimeout(jobs.idle(), this.#options.cancelTimeoutMs, this.#options.clock ?? systemClock);
  }

  /** Resolves once the worker and all of its job functions have settled; at once if it never started. */
  async settled(): Promise<void> {
    if (this.#outcome) await this.#outcome;
    await this.#options.jobs.idle();
  }

  /** Tells the worker to stop: aborts its signal, stops an actor-logic worker, cancels its jobs. */
  abort(): void {
    this.#options.jobs.closeAndCancel(this.#options.cancelTimeoutMs);
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(stacklessError(`account ${this.accountId} task cancelled`));
    this.#stopActor?.();
  }

  /** What inspection and snapshots see: never the account. */
  toJSON(): { accountId: string; incarnation: number; alive: boolean } {
    return { accountId: this.accountId, incarnation: this.incarnation, alive: this.alive };
  }

  #start(): Promise<WorkerOutcome> {
    const account = this.#account;
    if (!account || this.#controller.signal.aborted) return Promise.resolve({ ok: true });
    const ready = this.#options.ready ?? noop;
    const ctx: WorkerContext = { account, signal: this.#controller.signal, log: undefined as never, report: this.#report, jobs: this.#options.jobs, clock: this.#options.clock ?? systemClock, ready };
    // The logger is made when the worker first reads `ctx.log` (see `log`).
    Object.defineProperty(ctx, 'log', { get: () => this.log, enumerable: true });
    let logic: WorkerLogic;
    try {
      logic = this.#options.logicFor(account);
    } catch (error) {
      return Promise.resolve({ ok: false, error });
    }
    const outcome = typeof logic === 'function' ? runFunction(logic, ctx) : this.#runActor(logic, ctx);
    return outcome.then((o) => {
      this.#settled = true;
      return o;
    });
  }

  #report = (details: Record<string, unknown>): void => {
    if (!this.#settled) this.#options.report(details);
  };

  // XState gives no way to observe a stopped actor settle: stop() is synchronous and final, so an
  // actor-logic worker counts as settled the moment it is stopped.
  #runActor(logic: AnyActorLogic, ctx: WorkerContext): Promise<WorkerOutcome> {
    return new Promise((resolve) => {
      const actor: AnyActorRef = createActor(logic, { input: ctx });
      actor.subscribe({ complete: () => resolve({ ok: true }), error: (error) => resolve({ ok: false, error }) });
      this.#stopActor = () => {
        actor.stop();
        resolve({ ok: true });
      };
      actor.start();
    });
  }
}

// The abort reason is read for its message, never its stack; capturing one per task cost about
// 9 µs, 90 ms of a 10,000-account shutdown.
function stacklessError(message: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Error(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}


function runFunction(worker: (ctx: WorkerContext) => unknown, ctx: WorkerContext): Promise<WorkerOutcome> {
  let result: unknown;
  try {
    result = worker(ctx);
  } catch (error) {
    return Promise.resolve({ ok: false, error });
  }
  return Promise.resolve(result).then(
    (): WorkerOutcome => ({ ok: true }),
    (error: unknown): WorkerOutcome => ({ ok: false, error }),
  );
}

function noop(): void {}
