import { createActor, type Actor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { Account, AccountInput, AccountState, AccountStatus } from './account.js';
import { describeConfiguration, type AccountConfiguration } from './accountConfiguration.js';
import type { WorkerLogic } from './worker/worker.js';
import { createJobRunner } from './jobs/runner.js';
import { StatevisorError } from './errors.js';
import { inspectAsChildrenOf } from './inspect/supervisionTree.js';
import { defaultLogger } from './logging/redaction.js';
import { liveRef } from './machines/liveRef.js';
import { supervisorMachine, type SupervisorRuntime } from './machines/supervisor.js';
import { lowdbStore } from './persistence/lowdbStore.js';
import { DEFAULT_DATA_FILE } from './persistence/lowdbOptions.js';
import { createStatusModel, type StatusModel } from './status/statusBoard.js';
import { subscribeBatched } from './status/subscribeBatched.js';
import { waitForStatus } from './status/waitForStatus.js';
import { Lifecycle } from './supervision/lifecycle.js';
import * as commands from './supervision/commands.js';
import type { CommandDeps } from './supervision/commands.js';
import { KeyedQueue } from './supervision/keyedQueue.js';
import { RootLink } from './supervision/rootLink.js';
import { StoreHandle } from './supervision/storeHandle.js';
import type { HistoryLimits } from './supervision/flightRecorder.js';
import type { HistoryEntry } from './history/historyEntry.js';
import { DEFAULT_RESTART_POLICY, resolveRestartPolicy } from './supervision/restartPolicy.js';
import { reloadAccounts, type ReloadResult } from './supervision/reload.js';
import { Runtime } from './supervision/runtime.js';
import type { ShutdownStats } from './supervision/shutdownStats.js';
import { SUPERVISOR_DEFAULTS, type SupervisorOptions } from './supervisorOptions.js';
import { systemClock } from './clock/clock.js';
import { AdmissionGate, type AdmissionStats } from './admission/admissionGate.js';

/** What `update()` takes: any fields of an account, `null` removing `credentials`, `restart` or settings keys. */
export type AccountPatch = { [K in keyof AccountInput]?: AccountInput[K] | null };

/** A running supervisor: commands, status, and shutdown. See the README for the guarantees. */
export interface Supervisor {
  /** Loads the store and spawns every enabled account. Rejects if the store cannot be read. */
  start(): Promise<void>;
  /** Persists, then starts if enabled. Duplicate id → `AccountExistsError`; bad input → `InvalidAccountError`. */
  add(account: AccountInput): Promise<AccountStatus>;
  /**
   * Applies `patch` as a JSON merge patch (RFC 7396: `settings` and `restart` merge, `null`
   * deletes), then cancels the old task, waits until it is cleaned, persists, starts the new one.
   * A patch that changes nothing changes nothing (no restart). With `ifMatch` (an `If-Match` value,
   * `"<revision>"` or `*`), rejects with `RevisionMismatchError` unless the account is still at that revision.
   */
  update(id: string, patch: AccountPatch, options?: { ifMatch?: string }): Promise<AccountStatus>;
  /** The account's stored configuration, credentials left out (only whether some are set), with its revision. */
  configuration(id: string): AccountConfiguration | undefined;
  /** Cancels, waits until cleaned, deletes. Unknown id → `AccountNotFoundError`. */
  remove(id: string): Promise<void>;
  enable(id: string): Promise<AccountStatus>;
  disable(id: string): Promise<AccountStatus>;
  /** Cancels and starts a new incarnation; also resumes a suspended account. */
  restart(id: string): Promise<AccountStatus>;
  status(id: string): AccountStatus | undefined;
  /**
   * The account's flight recorder, oldest first: task transitions, supervision decisions,
   * commands and errors, each stamped with the clock's time. Unknown id → `AccountNotFoundError`.
   *
   * @example
   * ```ts
   * const last = supervisor.history('shop-42').at(-1);
   * if (last?.kind === 'suspended') console.log(`suspended: ${last.cause}`);
   * ```
   */
  history(id: string): HistoryEntry[];
  list(): AccountStatus[];
  /** Calls `listener` with every status after changes, at most once per microtask. Returns the unsubscribe. */
  subscribe(listener: (all: AccountStatus[]) => void): () => void;
  /** Resolves with the first status of `id` that matches; rejects with `WaitTimeoutError` or `AccountNotFoundError` (removed). */
  waitFor(id: string, state: AccountState | ((s: AccountStatus) => boolean), opts?: { timeoutMs?: number }): Promise<AccountStatus>;
  /**
   * Re-reads the store and reconciles: new accounts start, deleted ones stop, changed ones restart,
   * unchanged ones are not touched (their incarnation stays). With a store that reports external
   * changes (lowdb's `watch: true`), the supervisor calls this by itself.
   */
  reload(): Promise<ReloadResult>;
  /** Graceful shutdown: flushes and closes the store too. A second call returns the same promise. */
  shutdown(opts?: { timeoutMs?: number }): Promise<ShutdownStats>;
  /** Resolves when the supervisor has stopped, by `shutdown()` or by escalation (then `stats.error` is set). */
  readonly done: Promise<ShutdownStats>;
  /** Admission control's counters (waiting, starting, admitted and dropped totals); `undefined` when the `admission` option is off. */
  admission(): AdmissionStats | undefined;
  /**
   * Cluster mode: this node admits `1/nodes` of the fleet-wide admission limits. A no-op without
   * the `admission` option.
   */
  shareAdmission(nodes: number): void;
  /** The status read model (`@xstate/store`) the API, CLI and metrics read. */
  readonly statusModel: StatusModel;
  /** The root actor. */
  readonly actor: Actor<typeof supervisorMachine>;
}

/**
 * Creates a supervisor. Nothing runs until `start()`.
 *
 * @example
 * ```ts
 * const supervisor = createSupervisor({ worker: async ({ signal }) => { await once(signal, 'abort'); } });
 * await supervisor.start();
 * await supervisor.add({ id: 'a', credentials: 'token' });
 * await supervisor.waitFor('a', 'running');
 * await supervisor.shutdown();
 * ```
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const logicFor = chooseLogic(options);
  const logger = options.logger ?? defaultLogger();
  // The default store is the lowdb file, opened (and locked) by start(), not here: creating a
  // supervisor touches no disk.
  const store = new StoreHandle(async () => options.store ?? (await lowdbStore({ file: DEFAULT_DATA_FILE, logger })));
  const statusModel = createStatusModel();
  const clock = options.clock ?? systemClock;
  const { perAccount, ...runnerOptions } = options.jobs ?? {};
  const jobs = createJobRunner({ clock, ...runnerOptions, logger: logger.child({ component: 'jobs' }) });
  // Created here so that bad limits throw from createSupervisor(), before anything runs.
  const admission = options.admission ? new AdmissionGate(options.admission, clock) : undefined;
  const root = new RootLink();
  const queue = new KeyedQueue();
  const runtime = new Runtime(
    {
      store,
      logicFor,
      policy: resolveRestartPolicy(DEFAULT_RESTART_POLICY, options.restart),
      cancelTimeoutMs: options.cancelTimeoutMs ?? SUPERVISOR_DEFAULTS.cancelTimeoutMs,
      loadTimeoutMs: options.loadTimeoutMs ?? SUPERVISOR_DEFAULTS.loadTimeoutMs,
      logger,
      // Tasks are standalone actors; this shows them under the supervisor in the inspector's tree.
      inspect: options.inspect ? inspectAsChildrenOf((): AnyActorRef => actor, options.inspect) : undefined,
      status: statusModel,
      random: options.random ?? Math.random,
      clock,
      jobs,
      jobLimits: perAccount ?? SUPERVISOR_DEFAULTS.jobsPerAccount,
      admission,
      history: historyLimits(options.history),
    },
    root,
    queue,
  );
  const defaultShutdownTimeoutMs = options.shutdownTimeoutMs ?? SUPERVISOR_DEFAULTS.shutdownTimeoutMs;
  const actor = createActor(supervisorMachine, {
    input: { runtime: liveRef<SupervisorRuntime>(runtime), defaultShutdownTimeoutMs },
    clock,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  root.attach(actor);
  // Started now, idle until START: the root is the one record of the lifecycle from the beginning.
  actor.start();
  const lifecycle = new Lifecycle(actor);
  const deps: CommandDeps = { gate: root, queue, store, accounts: runtime };
  const waitTimeoutMs = options.waitTimeoutMs ?? SUPERVISOR_DEFAULTS.waitTimeoutMs;
  // A store that reports changes made by other programs (lowdb's `watch: true`) triggers a reload.
  const followExternalChanges = () => {
    const stop = store.current.onExternalChange?.(() => {
      if (root.accepting) runtime.detach(reloadAccounts(deps, runtime.log));
    });
    if (stop) void lifecycle.done.then(stop);
  };
  let started: Promise<void> | undefined;

  return {
    start: () =>
      (started ??= lifecycle.start().then(followExternalChanges)),
    add: (account) => commands.addAccount(deps, account),
    update: (id, patch, opts) => commands.updateAccount(deps, id, patch, opts),
    configuration: (id) => {
      const slot = runtime.slot(id);
      return slot && describeConfiguration(structuredClone(slot.account));
    },
    remove: (id) => commands.removeAccount(deps, id),
    enable: (id) => commands.enableAccount(deps, id),
    disable: (id) => commands.disableAccount(deps, id),
    restart: (id) => commands.restartAccount(deps, id),
    status: (id) => statusModel.getSnapshot().context.statuses.get(id),
    history: (id) => runtime.history(id),
    list: () => [...statusModel.getSnapshot().context.statuses.values()],
    subscribe: (listener) => subscribeBatched(statusModel, listener),
    waitFor: (id, state, opts) => waitForStatus(runtime.statuses, clock, id, state, opts?.timeoutMs ?? waitTimeoutMs),
    reload: () => reloadAccounts(deps, runtime.log),
    shutdown: (opts) => lifecycle.shutdown(opts?.timeoutMs ?? defaultShutdownTimeoutMs),
    done: lifecycle.done,
    admission: () => admission?.stats(),
    shareAdmission: (nodes) => admission?.shareAmong(nodes),
    statusModel,
    actor,
  };
}

function historyLimits(option: SupervisorOptions['history']): HistoryLimits {
  const d = SUPERVISOR_DEFAULTS.history;
  const size = option?.size ?? d.size;
  const persisted = Math.min(option?.persisted ?? d.persisted, size);
  for (const [field, value] of [['size', size], ['persisted', persisted]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new StatevisorError('INVALID_OPTIONS', `createSupervisor(): history.${field} must be an integer ≥ 0 (got ${String(value)}); use history: { size: 0 } to turn the flight recorder off.`);
    }
  }
  const onEntry = option?.onEntry;
  if (onEntry !== undefined && typeof onEntry !== 'function') {
    throw new StatevisorError('INVALID_OPTIONS', `createSupervisor(): history.onEntry must be a function (got ${typeof onEntry}).`);
  }
  return { size, persisted, onEntry };
}

function chooseLogic(options: SupervisorOptions): (account: Account) => WorkerLogic {
  const { worker, workerFor } = options;
  if ((worker === undefined) === (workerFor === undefined)) {
    throw new StatevisorError('INVALID_OPTIONS', 'createSupervisor() needs exactly one of the options "worker" and "workerFor".');
  }
  if (workerFor) return workerFor;
  const fixed = worker as WorkerLogic | AnyActorLogic;
  return () => fixed;
}
