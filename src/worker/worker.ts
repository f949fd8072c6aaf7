import type { AnyActorLogic } from 'xstate';
import type { Logger } from 'pino';
import type { Account } from '../account.js';
import type { AccountJobs } from './accountJobs.js';
import type { Clock } from '../clock/clock.js';

/**
 * What a worker receives: its account, the signal that tells it to stop, a logger and a way to
 * publish live details.
 */
export interface WorkerContext {
  account: Account;
  /** Aborted when the task is cancelled or fails: the worker must then stop and settle. */
  signal: AbortSignal;
  /** pino child logger bound to `accountId` and `incarnation`, with credentials redacted. */
  log: Logger;
  /** Live details merged into the account's status (for example `connected`, `lastHeartbeatAt`). */
  report: (status: Record<string, unknown>) => void;
  /** Short jobs owned by this task: cancelled and awaited when the task leaves `running`. */
  jobs: AccountJobs;
  /**
   * Says the worker is up: its login is done (a session registered). Admission control with
   * `holdUntil: 'ready'` counts the start as in flight until then; otherwise it does nothing.
   * Idempotent. Always set by the supervisor; optional so a context can be made by hand.
   */
  ready?: () => void;
  /**
   * The supervisor's clock (its `clock` option): a worker that waits or reads the time through it
   * runs on simulated time too. Always set by the supervisor; optional so a context can be made by hand.
   */
  clock?: Clock;
}

/**
 * The work an account task runs while `running`.
 *
 * Resolve = finished normally; reject (or throw) = failed. An error whose `retryable` property is
 * `false` suspends the account at once instead of spending restarts on it.
 *
 * @example
 * ```ts
 * const worker: Worker = async ({ account, signal, log }) => {
 *   log.info('session up');
 *   await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
 * };
 * ```
 */
export type Worker = (ctx: WorkerContext) => Promise<void>;

/**
 * Anything the supervisor accepts as a worker: a `Worker` function, or an XState actor logic
 * (`fromPromise`, `fromCallback`, a machine) that receives the `WorkerContext` as its input.
 */
export type WorkerLogic = Worker | AnyActorLogic;
