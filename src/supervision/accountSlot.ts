import type { Actor } from 'xstate';
import type { Account, AccountState, AccountStatus } from '../account.js';
import type { TaskError } from '../worker/describeError.js';
import type { WorkerHandle } from '../worker/workerHandle.js';
import type { accountTaskMachine, AccountTaskOutput, TaskEndReason } from '../machines/accountTask.js';
import type { RestartMemory } from './decideRestart.js';
import type { RestartPolicy } from './restartPolicy.js';
import type { TimerHandle } from '../clock/clock.js';

/** The live task of an account: one incarnation, from spawn until `cleaned`. */
export interface LiveTask {
  readonly actor: Actor<typeof accountTaskMachine>;
  readonly handle: WorkerHandle;
  /** The task machine's current top-level state. */
  state: 'loading' | 'running' | 'cancelling' | 'failed' | 'cleaned';
  runningSince: number | undefined;
  /** Set when a command or the shutdown cancelled it: its end is theirs to handle, not the restart policy's. */
  commanded: boolean;
  /** Alive when shutdown began: counted in the shutdown stats. */
  inShutdown: boolean;
  /** Resolves with the task's output once it is `cleaned`; never rejects. */
  readonly ended: Promise<AccountTaskOutput>;
}

/** Why an account is suspended. */
export type SuspendCause = 'intensity' | 'nonRetryable';

/**
 * Everything the supervisor holds for one account, outside any XState snapshot. A slot lives from
 * the `add` (or the start) that created it until the `remove` that deleted it; commands reach it
 * through the runtime's per-account queue (`Runtime.serial`), which outlives slots.
 */
export class AccountSlot {
  readonly id: string;
  #account: Account;
  policy: RestartPolicy;
  incarnation = 0;
  restarts = 0;
  memory: RestartMemory = { history: [], attempt: 0, previousDelayMs: 0 };
  task: LiveTask | undefined;
  backoff: { timer: TimerHandle; at: number } | undefined;
  suspended: { at: number; cause: SuspendCause; error: TaskError } | undefined;
  lastError: TaskError | undefined;
  lastEnd: TaskEndReason | undefined;
  /** A start is owed once the leaked worker of this account settles. */
  pendingStart = false;
  removed = false;
  report: Record<string, unknown> | undefined;
  /** The last published status, for `since`. */
  published: AccountStatus | undefined;

  constructor(account: Account, policy: RestartPolicy) {
    this.id = account.id;
    this.#account = account;
    this.policy = policy;
  }

  /** The account's configuration, credentials included: never serialise the slot. */
  get account(): Account {
    return this.#account;
  }

  set account(next: Account) {
    this.#account = next;
  }

  get enabled(): boolean {
    return this.#account.enabled;
  }

  /** Forgets suspension and restart history: an operator's command gives the account a fresh start. */
  resetSupervision(): void {
    this.suspended = undefined;
    this.memory = { history: [], attempt: 0, previousDelayMs: 0 };
  }

  /** The account's state as the status shows it; see `AccountState`. */
  state(leaked: boolean): AccountState {
    if (this.task) return this.task.state;
    if (leaked) return 'cancelling';
    if (!this.enabled) return 'disabled';
    if (this.suspended) return 'suspended';
    if (this.backoff) return 'backoff';
    if (this.pendingStart) return 'cancelling';
    return this.lastEnd === 'failed' ? 'failed' : 'cleaned';
  }

  toJSON(): { id: string; incarnation: number } {
    return { id: this.id, incarnation: this.incarnation };
  }
}
