import type { Actor } from 'xstate';
import type { Account, AccountState } from '../account.js';
import type { TaskError } from '../worker/describeError.js';
import type { WorkerHandle } from '../worker/workerHandle.js';
import type { accountTaskMachine, AccountTaskOutput, TaskEndReason } from '../machines/accountTask.js';
import type { TimerHandle } from '../clock/clock.js';
import type { RestartMemory } from './decideRestart.js';
import type { RestartPolicy } from './restartPolicy.js';
import type { HistoryRing } from '../history/historyRing.js';
import type { AdmissionRequest, AdmissionTicket } from '../admission/admission.js';

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
  /** The admission ticket of this start, released when the task leaves `loading`. */
  readonly ticket: AdmissionTicket | undefined;
}

/** Why an account is suspended. */
export type SuspendCause = 'intensity' | 'nonRetryable';

/** A suspension: when, why, and the error that ended the last task. */
export interface Suspension {
  at: number;
  cause: SuspendCause;
  error: TaskError;
}

/**
 * Where an account's run stands: exactly one of these at a time, so "a live task and a pending
 * restart" or "removed but restarting" cannot be written down.
 *
 * - `idle`: nothing alive and nothing owed (never started, ended for good, disabled, stopped by shutdown).
 * - `admitting`: a start waits for admission (the `admission` option); it shows as `loading`.
 * - `live`: a task (one incarnation) runs, from spawn until it is `cleaned`.
 * - `backoff`: the task ended on its own and a restart is scheduled at `at`.
 * - `awaitingLeak`: a start is owed once the account's leaked worker settles (`onLeak: 'wait'`).
 * - `suspended`: the restart policy gave up; only a command starts it again.
 * - `removed`: the account was removed; a late queued step finds it here and does nothing.
 */
export type SlotRun =
  | { readonly kind: 'idle' }
  | { readonly kind: 'admitting'; readonly request: AdmissionRequest }
  | { readonly kind: 'live'; readonly task: LiveTask }
  | { readonly kind: 'backoff'; readonly timer: TimerHandle; readonly at: number }
  | { readonly kind: 'awaitingLeak' }
  | ({ readonly kind: 'suspended' } & Readonly<Suspension>)
  | { readonly kind: 'removed' };

const IDLE: SlotRun = Object.freeze({ kind: 'idle' });

/**
 * Everything the supervisor holds for one account, outside any XState snapshot. A slot lives from
 * the `add` (or the start) that created it until the `remove` that deleted it; commands reach it
 * through the runtime's per-account queue, which outlives slots. Its lifecycle is the one
 * variable `run`; the other fields are facts about the account (configuration, counters, the
 * last error and report).
 */
export class AccountSlot {
  readonly id: string;
  #account: Account;
  policy: RestartPolicy;
  incarnation = 0;
  restarts = 0;
  memory: RestartMemory = { history: [], attempt: 0, previousDelayMs: 0 };
  #run: SlotRun = IDLE;
  lastError: TaskError | undefined;
  lastEnd: TaskEndReason | undefined;
  report: Record<string, unknown> | undefined;
  /** The flight recorder's ring, made on the first entry (see `FlightRecorder`). */
  history: HistoryRing | undefined;

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

  get run(): SlotRun {
    return this.#run;
  }

  /** The live task, if any. */
  get task(): LiveTask | undefined {
    return this.#run.kind === 'live' ? this.#run.task : undefined;
  }

  // Each transition below names the run it leaves; the runtime checks `run.kind` before calling.

  /** idle → admitting. */
  admitting(request: AdmissionRequest): void {
    this.#run = { kind: 'admitting', request };
  }

  /** idle | admitting → live. */
  started(task: LiveTask): void {
    this.#run = { kind: 'live', task };
  }

  /** live → idle (the task is cleaned, or was let go of at the shutdown deadline); backoff | awaitingLeak → idle (cancelled). */
  stopped(): void {
    if (this.#run.kind !== 'suspended' && this.#run.kind !== 'removed') this.#run = IDLE;
  }

  /** idle → backoff. */
  backingOff(timer: TimerHandle, at: number): void {
    this.#run = { kind: 'backoff', timer, at };
  }

  /** idle | backoff → awaitingLeak. */
  awaitingLeak(): void {
    this.#run = { kind: 'awaitingLeak' };
  }

  /** idle → suspended (a decision, or restored from the store). */
  suspend(suspension: Suspension): void {
    this.#run = { kind: 'suspended', ...suspension };
  }

  /** any → removed, for good. */
  remove(): void {
    this.#run = { kind: 'removed' };
  }

  /** Forgets suspension and restart history: an operator's command gives the account a fresh start. */
  resetSupervision(): void {
    if (this.#run.kind === 'suspended') this.#run = IDLE;
    this.memory = { history: [], attempt: 0, previousDelayMs: 0 };
  }

  /** The account's state as the status shows it; see `AccountState`. */
  state(leaked: boolean): AccountState {
    const run = this.#run;
    if (run.kind === 'live') return run.task.state;
    if (run.kind === 'admitting') return 'loading';
    if (leaked) return 'cancelling';
    if (!this.enabled) return 'disabled';
    switch (run.kind) {
      case 'suspended':
        return 'suspended';
      case 'backoff':
        return 'backoff';
      case 'awaitingLeak':
        return 'cancelling';
      default:
        return this.lastEnd === 'failed' ? 'failed' : 'cleaned';
    }
  }

  toJSON(): { id: string; incarnation: number; run: SlotRun['kind'] } {
    return { id: this.id, incarnation: this.incarnation, run: this.#run.kind };
  }
}
