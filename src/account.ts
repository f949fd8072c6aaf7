import type { RestartPolicyInput } from './supervision/restartPolicy.js';

/**
 * What a caller gives to `add()`: an account's configuration.
 *
 * @example
 * ```ts
 * await supervisor.add({ id: 'shop-42', credentials: process.env.SHOP_42_TOKEN, settings: { region: 'eu' } });
 * ```
 */
export interface AccountInput {
  /** Unique, 1–128 characters, no control characters. */
  id: string;
  /** Default `true`. A disabled account is stored but never started. */
  enabled?: boolean;
  /** Secret handed to the worker only; never logged, never in a status, never in an inspection event. */
  credentials?: string;
  /** Free-form, JSON-serialisable settings the worker reads (for example keyword replies). */
  settings?: Record<string, unknown>;
  /** Per-account override of the supervisor's restart policy; any subset. */
  restart?: RestartPolicyInput;
  /** With admission control on: this account's starts go ahead of the others' (default `false`). */
  priority?: boolean;
}

/** An account as stored and as handed to a worker: `AccountInput` with its defaults applied. */
export interface Account {
  id: string;
  enabled: boolean;
  credentials?: string;
  settings: Record<string, unknown>;
  restart?: RestartPolicyInput;
  priority?: boolean;
}

/**
 * What an account is doing, as shown by `status()`, `list()` and `subscribe()`.
 *
 * - `loading`, `running`, `cancelling`, `failed`: the live task's lifecycle state.
 * - `backoff`: the task ended and a restart is scheduled at `nextRestartAt`.
 * - `suspended`: restart intensity exceeded, or the worker failed with `retryable: false`.
 * - `disabled`: the account is disabled.
 * - `failed` / `cleaned` with no live task: it ended (by failure / by completion or cancel) and nothing will restart it.
 */
export type AccountState =
  | 'loading'
  | 'running'
  | 'cancelling'
  | 'failed'
  | 'cleaned'
  | 'backoff'
  | 'suspended'
  | 'disabled';

/** A read-only view of one account. Never carries credentials. */
export interface AccountStatus {
  id: string;
  enabled: boolean;
  state: AccountState;
  /** Increases by one each time a new task (worker) starts for this account; 0 before the first. */
  incarnation: number;
  /** Restarts made by the supervisor (not by commands) over the account's life in this process. */
  restarts: number;
  /** Epoch milliseconds of the last change of `state`. */
  since: number;
  /**
   * A worker of this account ignored cancellation and is still alive. With `onLeak: 'wait'` (the
   * default) no new incarnation starts until it settles; with `'proceed'` one runs beside it.
   */
  leaked?: boolean;
  lastError?: { message: string; code?: string };
  nextRestartAt?: number;
  /** While `loading`: the start waits for its turn under admission control (`admission` option); no task runs yet. */
  waitingForAdmission?: boolean;
  /** While `suspended`: the restart intensity was exceeded, or the worker failed with `retryable: false`. */
  suspendedBecause?: 'intensity' | 'nonRetryable';
  /** The last details the worker gave through `report()`, merged. */
  report?: Record<string, unknown>;
}
