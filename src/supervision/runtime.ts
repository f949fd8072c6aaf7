import { createActor, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import type { Logger } from 'pino';
import type { Account, AccountStatus } from '../account.js';
import { checkAccountRecord } from '../accountSchema.js';
import { assertStartableSettings } from '../settingsSchema.js';
import type { TaskError } from '../worker/describeError.js';
import type { WorkerLogic } from '../worker/worker.js';
import { WorkerHandle } from '../worker/workerHandle.js';
import { TrackedJobs } from '../worker/accountJobs.js';
import type { JobRunner } from '../jobs/runner.js';
import type { ScopeLimits } from '../jobs/types.js';
import { AccountNotFoundError, EscalationError, InvalidAccountError } from '../errors.js';
import { supervisorLogger, taskLogger } from '../logging/redaction.js';
import { accountTaskMachine, type AccountTaskOutput } from '../machines/accountTask.js';
import type { SupervisionEvent, SupervisorRuntime, TaskEndedEvent } from '../machines/supervisor.js';
import type { AccountStore, SupervisionRecord } from '../persistence/accountStore.js';
import type { StatusModel } from '../status/statusBoard.js';
import { AccountSlot, type LiveTask } from './accountSlot.js';
import type { Random } from './backoff.js';
import { decideRestart } from './decideRestart.js';
import { resolveRestartPolicy, type RestartPolicy } from './restartPolicy.js';
import { emptyStats, type ShutdownStats } from './shutdownStats.js';
import { publicError, statusOf } from './statusOf.js';

/** What the runtime is built from; `createSupervisor()` fills it in from its options. */
export interface RuntimeOptions {
  store: AccountStore;
  logicFor: (account: Account) => WorkerLogic;
  policy: RestartPolicy;
  cancelTimeoutMs: number;
  loadTimeoutMs: number;
  logger: Logger;
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  status: StatusModel;
  random: Random;
  /** The runner every task's `ctx.jobs` submits to, and the limits of each task's scope. */
  jobs: JobRunner;
  jobLimits: ScopeLimits;
}

type Phase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The supervisor's runtime: the account registry (a `Map` of {@link AccountSlot}s), the task
 * actors it spawns, and the side of every supervision decision. The root machine decides; this
 * carries the decisions out. See the header of `src/machines/supervisor.ts` for the design.
 */
export class Runtime implements SupervisorRuntime {
  readonly slots = new Map<string, AccountSlot>();
  /** Workers that outlived their task (forced), by account id; they outlive a removed slot too. */
  readonly leaks = new Map<string, Set<WorkerHandle>>();
  phase: Phase = 'idle';
  escalation: EscalationError | undefined;
  /** The root actor, to which ended tasks are reported. Set right after it is created. */
  root: AnyActorRef | undefined;
  readonly options: RuntimeOptions;
  readonly #pendingWrites = new Set<Promise<void>>();
  readonly #queues = new Map<string, { tail: Promise<unknown>; pending: number }>();
  readonly #waiters = new Map<string, Set<(s: AccountStatus | undefined) => void>>();
  #stats: ShutdownStats = emptyStats();
  #shutdownStartedAt = 0;
  #leaksBeforeShutdown: WorkerHandle[] = [];

  readonly #log: Logger;

  constructor(options: RuntimeOptions) {
    this.options = options;
    this.#log = supervisorLogger(options.logger);
  }

  get accepting(): boolean {
    return this.phase === 'running' || this.phase === 'starting';
  }

  /** The supervisor's own logger (`component: 'supervisor'`); tasks log through children of `options.logger`. */
  get log(): Logger {
    return this.#log;
  }

  // ── start ────────────────────────────────────────────────────────────────────────────────

  async startAccounts(signal: AbortSignal): Promise<void> {
    this.phase = 'starting';
    const [accounts, supervision] = await Promise.all([this.options.store.loadAll(), this.options.store.loadSupervision()]);
    let i = 0;
    for (const account of accounts) {
      if (signal.aborted) return;
      // Own keys only: an id such as `toString` must not find Object.prototype's member.
      this.addSlot(account, Object.hasOwn(supervision, account.id) ? supervision[account.id] : undefined);
      // Yield now and then so a 100,000-account start does not freeze the event loop.
      if (++i % 1000 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!signal.aborted) this.phase = 'running';
  }

  /**
   * Runs `fn` after every earlier command and scheduled restart of account `id` has settled, in
   * the order they arrived. This per-account queue, keyed by id so it outlives a removed slot, is
   * what keeps "never two workers of one account" while an add, an update, a remove and a backoff
   * timer race each other. Queues of idle accounts are dropped, so memory follows activity.
   */
  serial<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
    let queue = this.#queues.get(id);
    if (!queue) this.#queues.set(id, (queue = { tail: Promise.resolve(), pending: 0 }));
    const q = queue;
    q.pending += 1;
    const run = q.tail.then(fn);
    q.tail = run.then(noop, noop).then(() => {
      q.pending -= 1;
      if (q.pending === 0 && this.#queues.get(id) === q) this.#queues.delete(id);
    });
    return run;
  }

  /** Holds a new account (with what the store remembers of its supervision), starts it if it should run, publishes it. */
  addSlot(account: Account, record?: SupervisionRecord): AccountSlot {
    const slot = new AccountSlot(account, resolveRestartPolicy(this.options.policy, account.restart));
    this.slots.set(account.id, slot);
    restoreSupervision(slot, record);
    this.startTask(slot);
    this.publish(slot);
    return slot;
  }

  /** Gives a stopped account its new configuration and a fresh start (see `freshStart`). */
  reconfigure(slot: AccountSlot, account: Account): void {
    slot.account = account;
    slot.policy = resolveRestartPolicy(this.options.policy, account.restart);
    this.freshStart(slot);
    this.publish(slot);
  }

  /** Forgets suspension and restart history (saving that), then starts a new incarnation: a fresh start. */
  freshStart(slot: AccountSlot): void {
    const hadHistory = slot.suspended !== undefined || slot.memory.history.length > 0;
    slot.resetSupervision();
    if (hadHistory) this.saveSupervision(slot);
    this.startTask(slot);
  }

  /** Forgets a removed account: its slot and its status. The task must be stopped already. */
  dropSlot(slot: AccountSlot): void {
    slot.removed = true;
    this.slots.delete(slot.id);
    this.unpublish(slot.id);
  }

  // ── tasks ────────────────────────────────────────────────────────────────────────────────

  /** Starts a new incarnation if the account should run and nothing of it is alive. */
  startTask(slot: AccountSlot): void {
    if (!this.accepting || slot.removed || slot.task || !slot.enabled || slot.suspended) return;
    if (this.hasLiveLeak(slot.id) && slot.policy.onLeak === 'wait') {
      slot.pendingStart = true;
      this.publish(slot);
      return;
    }
    slot.pendingStart = false;
    this.clearBackoff(slot);
    slot.report = undefined;
    slot.incarnation += 1;
    if (slot.incarnation > 1) this.log.info({ accountId: slot.id, incarnation: slot.incarnation }, `account ${slot.id}: starting incarnation ${slot.incarnation}`);
    slot.task = this.spawnTask(slot);
    slot.task.actor.start();
  }

  private spawnTask(slot: AccountSlot): LiveTask {
    const { id, incarnation } = slot;
    const handle: WorkerHandle = new WorkerHandle({
      accountId: id,
      incarnation,
      log: () => taskLogger(this.options.logger, id, incarnation),
      logicFor: this.options.logicFor,
      load: () => this.loadAccount(id),
      report: (details) => this.onReport(slot, handle, details),
      // One scope per incarnation: a leaked incarnation's jobs never share limits with the next one's.
      jobs: new TrackedJobs(() => this.options.jobs.scope(`${id}#${incarnation}`, { limits: this.options.jobLimits })),
      cancelTimeoutMs: this.options.cancelTimeoutMs,
    });
    const actor = createActor(accountTaskMachine, {
      input: { worker: handle, loadTimeoutMs: this.options.loadTimeoutMs, cancelTimeoutMs: this.options.cancelTimeoutMs },
      ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
    });
    let resolveEnded!: (output: AccountTaskOutput) => void;
    const ended = new Promise<AccountTaskOutput>((resolve) => (resolveEnded = resolve));
    const task: LiveTask = { actor, handle, state: 'loading', runningSince: undefined, commanded: false, inShutdown: false, ended };
    const finish = (output: AccountTaskOutput) => {
      this.onTaskEnded(slot, task, output);
      resolveEnded(output);
    };
    actor.subscribe({
      next: (snapshot) => this.onTaskState(slot, task, snapshot.value, snapshot.context.error),
      complete: () => finish(actor.getSnapshot().output ?? brokenOutput(slot, task, 'task ended without output')),
      error: (err) => finish(brokenOutput(slot, task, err)),
    });
    return task;
  }

  private async loadAccount(id: string): Promise<Account> {
    const stored = await this.options.store.get(id);
    if (!stored) throw new AccountNotFoundError(id);
    const checked = checkAccountRecord(stored);
    if (!checked.ok) throw new InvalidAccountError(checked.field, checked.reason);
    await assertStartableSettings(() => this.options.logicFor(checked.account), checked.account);
    return checked.account;
  }

  private onTaskState(slot: AccountSlot, task: LiveTask, value: LiveTask['state'], error: TaskError | undefined): void {
    if (slot.task !== task || task.state === value) return;
    task.state = value;
    if (value === 'running') task.runningSince = Date.now();
    if (value === 'failed' && error) slot.lastError = error;
    if (value !== 'cleaned') this.publish(slot);
  }

  private onReport(slot: AccountSlot, handle: WorkerHandle, details: Record<string, unknown>): void {
    if (slot.task?.handle !== handle) return;
    slot.report = { ...slot.report, ...details };
    this.publish(slot);
  }

  private onTaskEnded(slot: AccountSlot, task: LiveTask, output: AccountTaskOutput): void {
    if (slot.task !== task) return;
    slot.task = undefined;
    slot.lastEnd = output.reason;
    if (output.error) slot.lastError = output.error;
    if (task.handle.alive) this.trackLeak(slot, task.handle);
    if (task.inShutdown) this.countShutdownEnd(output, task.handle.alive);
    this.publish(slot);
    if (task.commanded || !this.accepting) return;
    const ranMs = task.runningSince === undefined ? 0 : output.endedAt - task.runningSince;
    this.root?.send({ type: 'TASK_ENDED', accountId: slot.id, incarnation: output.incarnation, output, ranMs } satisfies TaskEndedEvent);
  }

  /**
   * Cancels the live task (or the pending restart) and resolves once it is `cleaned`. The wait is
   * bounded by the task itself: `cancelling` ends by `cancelTimeoutMs` at the latest.
   */
  async stopTask(slot: AccountSlot): Promise<void> {
    this.clearBackoff(slot);
    slot.pendingStart = false;
    const task = slot.task;
    if (!task) return;
    task.commanded = true;
    // Never send to a task that already stopped: the development build warns, and the runtime
    // holds refs of live tasks only (xstate-facts.md, fact 4).
    if (task.actor.getSnapshot().status === 'active') task.actor.send({ type: 'CANCEL' });
    await task.ended;
  }

  clearBackoff(slot: AccountSlot): void {
    if (!slot.backoff) return;
    clearTimeout(slot.backoff.timer);
    slot.backoff = undefined;
  }

  // ── leaks ────────────────────────────────────────────────────────────────────────────────

  hasLiveLeak(id: string): boolean {
    return (this.leaks.get(id)?.size ?? 0) > 0;
  }

  private trackLeak(slot: AccountSlot, handle: WorkerHandle): void {
    const id = slot.id;
    let set = this.leaks.get(id);
    if (!set) this.leaks.set(id, (set = new Set()));
    set.add(handle);
    this.log.warn({ accountId: id, incarnation: handle.incarnation }, `account ${id}: leaked worker is still alive; no new incarnation starts until it settles`);
    void handle.settled().then(() => this.onLeakSettled(id, handle));
  }

  private onLeakSettled(id: string, handle: WorkerHandle): void {
    const set = this.leaks.get(id);
    set?.delete(handle);
    if (set?.size === 0) this.leaks.delete(id);
    this.log.info({ accountId: id, incarnation: handle.incarnation }, `account ${id}: leaked worker settled`);
    const slot = this.slots.get(id);
    if (!slot) return;
    if (slot.pendingStart && !this.hasLiveLeak(id)) this.detach(this.serial(id, () => this.startTask(slot)));
    else this.publish(slot);
  }

  // ── decisions (called by the root machine's actions; must not throw) ───────────────────────

  decide(event: TaskEndedEvent): SupervisionEvent {
    const slot = this.slots.get(event.accountId);
    const base = { accountId: event.accountId, incarnation: event.incarnation, ...(event.output.error ? { error: event.output.error } : {}) };
    if (!slot || slot.incarnation !== event.incarnation || slot.task) return { type: 'TASK_FINISHED', ...base };
    const end = { reason: event.output.reason, ranMs: event.ranMs, ...(event.output.error ? { error: event.output.error } : {}) };
    try {
      return { ...decideRestart(slot.policy, end, slot.memory, Date.now(), this.options.random), ...base };
    } catch (err) {
      // Only a user-supplied `random` can throw here; the account is left as it ended.
      this.log.error({ accountId: slot.id, err }, `account ${slot.id}: the restart decision failed`);
      return { type: 'TASK_FINISHED', ...base };
    }
  }

  scheduleRestart(event: SupervisionEvent & { type: 'RESTART_SCHEDULED' }): void {
    const slot = this.slots.get(event.accountId);
    if (!slot || slot.task || !this.accepting) return;
    slot.memory = { history: event.history, attempt: event.attempt + 1, previousDelayMs: event.delayMs };
    slot.restarts += 1;
    const at = Date.now() + event.delayMs;
    const timer = setTimeout(() => this.fireRestart(slot, timer), event.delayMs);
    slot.backoff = { timer, at };
    this.log.info({ accountId: slot.id, delayMs: event.delayMs, attempt: event.attempt }, `account ${slot.id}: restart in ${event.delayMs} ms`);
    this.publish(slot);
    this.saveSupervision(slot);
  }

  private fireRestart(slot: AccountSlot, timer: NodeJS.Timeout): void {
    this.detach(
      this.serial(slot.id, () => {
        if (slot.backoff?.timer !== timer) return;
        slot.backoff = undefined;
        this.startTask(slot);
        this.publish(slot);
      }),
    );
  }

  suspend(event: SupervisionEvent & { type: 'SUSPENDED' }): void {
    const slot = this.slots.get(event.accountId);
    if (!slot) return;
    const error = event.error ?? { message: 'task ended' };
    slot.suspended = { at: Date.now(), cause: event.cause, error };
    const why = event.cause === 'intensity'
      ? `needed more than ${slot.policy.intensity.maxRestarts} restarts within ${slot.policy.intensity.withinMs} ms`
      : 'failed with a non-retryable error';
    this.log.warn({ accountId: slot.id, cause: event.cause, err: publicError(error) }, `account ${slot.id} suspended: it ${why} (${error.message})`);
    this.publish(slot);
    this.saveSupervision(slot);
  }

  /** Nothing to carry out: the account's status was published when its task ended. */
  finish(event: SupervisionEvent): void {
    this.log.debug({ accountId: event.accountId, incarnation: event.incarnation }, `account ${event.accountId}: ended, no restart`);
  }

  escalate(event: SupervisionEvent): void {
    const slot = this.slots.get(event.accountId);
    const { maxRestarts, withinMs } = slot?.policy.intensity ?? this.options.policy.intensity;
    this.escalation = new EscalationError(event.accountId, maxRestarts, withinMs);
    this.log.fatal({ accountId: event.accountId, err: event.error }, this.escalation.message);
  }

  // ── shutdown ─────────────────────────────────────────────────────────────────────────────

  stopAccepting(): void {
    this.phase = 'stopping';
    this.#shutdownStartedAt = Date.now();
    this.#leaksBeforeShutdown = [...this.leaks.values()].flatMap((set) => [...set]);
    for (const slot of this.slots.values()) {
      this.clearBackoff(slot);
      slot.pendingStart = false;
      if (slot.task) slot.task.inShutdown = true;
      this.publish(slot);
    }
  }

  async drain(): Promise<ShutdownStats> {
    const ends: Promise<unknown>[] = [];
    for (const slot of this.slots.values()) if (slot.task) ends.push(this.stopTask(slot));
    await Promise.all(ends);
    return this.finalStats();
  }

  forceRemaining(): ShutdownStats {
    for (const slot of this.slots.values()) {
      const task = slot.task;
      if (!task) continue;
      slot.task = undefined;
      this.#stats.forced += 1;
      // An actor-logic worker's cleanup may throw; this runs in a root action and must not.
      this.#guard(() => task.handle.abort());
      this.#guard(() => task.actor.stop());
      if (task.handle.alive) this.trackLeak(slot, task.handle);
      this.publish(slot);
    }
    return this.finalStats();
  }

  // A task whose worker or jobs are still alive at its end counts as forced, whatever its reason.
  private countShutdownEnd(output: AccountTaskOutput, stillAlive: boolean): void {
    if (output.forced || stillAlive) this.#stats.forced += 1;
    else this.#stats[output.reason] += 1;
  }

  private finalStats(): ShutdownStats {
    this.phase = 'stopped';
    const stillLeaked = this.#leaksBeforeShutdown.filter((h) => h.alive).length;
    return {
      ...this.#stats,
      forced: this.#stats.forced + stillLeaked,
      durationMs: Date.now() - this.#shutdownStartedAt,
      ...(this.escalation ? { error: this.escalation } : {}),
    };
  }

  /** Resolves once every supervision write started so far has settled (each is already bounded by the store). */
  async flushWrites(): Promise<void> {
    await Promise.allSettled([...this.#pendingWrites]);
  }

  // ── status ───────────────────────────────────────────────────────────────────────────────

  // Publishing runs inside the root machine's actions: a throwing listener of the read model must
  // not reach them (an action that throws stops the root, xstate-facts.md fact 5).
  publish(slot: AccountSlot): void {
    const status = statusOf(slot, this.hasLiveLeak(slot.id));
    slot.published = status;
    this.#guard(() => this.options.status.trigger.upsert({ status }));
    this.#waiters.get(slot.id)?.forEach((notify) => notify(status));
  }

  unpublish(id: string): void {
    this.#guard(() => this.options.status.trigger.remove({ id }));
    this.#waiters.get(id)?.forEach((notify) => notify(undefined));
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'a status listener threw; the supervisor goes on');
    }
  }

  /** Calls `notify` on every new status of `id` (undefined when removed) until the returned function is called. */
  watch(id: string, notify: (s: AccountStatus | undefined) => void): () => void {
    let set = this.#waiters.get(id);
    if (!set) this.#waiters.set(id, (set = new Set()));
    set.add(notify);
    return () => {
      set.delete(notify);
      if (set.size === 0) this.#waiters.delete(id);
    };
  }

  // ── persistence of supervision state ─────────────────────────────────────────────────────

  saveSupervision(slot: AccountSlot): void {
    const record: SupervisionRecord = {
      restartHistory: [...slot.memory.history],
      restarts: slot.restarts,
      ...(slot.suspended
        ? { suspended: { at: slot.suspended.at, cause: slot.suspended.cause, error: publicError(slot.suspended.error) } }
        : {}),
      ...(slot.lastError ? { lastError: publicError(slot.lastError) } : {}),
    };
    const write = Promise.resolve()
      .then(() => this.options.store.saveSupervision(slot.id, record))
      .catch((err: unknown) => {
        this.log.error({ accountId: slot.id, err }, `account ${slot.id}: saving supervision state failed; it will be saved with the next change`);
      });
    this.#pendingWrites.add(write);
    void write.finally(() => this.#pendingWrites.delete(write));
  }

  /** Runs a promise nobody awaits, logging its failure instead of losing it. */
  detach(promise: Promise<unknown>): void {
    promise.catch((err: unknown) => this.log.error({ err }, 'supervisor background step failed'));
  }

  /** What inspection and snapshots see of the runtime: counts, never accounts. */
  toJSON(): { accounts: number; phase: Phase } {
    return { accounts: this.slots.size, phase: this.phase };
  }
}

function noop(): void {}

// Supervision state is saved as this small record rather than as XState persisted snapshots: a
// task's snapshot describes a live session that cannot be resumed after a restart (tasks start
// again at `loading`), and the root's snapshot holds no per-account data by design.
function restoreSupervision(slot: AccountSlot, record: SupervisionRecord | undefined): void {
  if (!record) return;
  slot.restarts = record.restarts;
  slot.memory = { history: [...record.restartHistory], attempt: 0, previousDelayMs: 0 };
  if (record.lastError) slot.lastError = record.lastError;
  if (record.suspended) {
    slot.suspended = { at: record.suspended.at, cause: record.suspended.cause ?? 'intensity', error: record.suspended.error };
  }
}

function brokenOutput(slot: AccountSlot, task: LiveTask, err: unknown): AccountTaskOutput {
  const error: TaskError = { message: `account task crashed: ${err instanceof Error ? err.message : String(err)}`, code: 'TASK_CRASHED' };
  return { accountId: slot.id, incarnation: task.handle.incarnation, reason: 'failed', forced: task.handle.alive, error, startedAt: Date.now(), endedAt: Date.now() };
}
