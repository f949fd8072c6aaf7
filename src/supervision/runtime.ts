import { createActor, type InspectionEvent, type Observer } from 'xstate';
import type { Logger } from 'pino';
import type { Account, AccountStatus } from '../account.js';
import { checkAccountRecord } from '../accountSchema.js';
import type { Clock } from '../clock/clock.js';
import type { AdmissionGate, AdmissionTicket } from '../admission/admissionGate.js';
import { assertStartableSettings, assertValidSettings } from '../settingsSchema.js';
import type { TaskError } from '../worker/describeError.js';
import type { WorkerLogic } from '../worker/worker.js';
import { WorkerHandle } from '../worker/workerHandle.js';
import { TrackedJobs } from '../worker/accountJobs.js';
import type { JobRunner } from '../jobs/runner.js';
import type { ScopeLimits } from '../jobs/types.js';
import { AccountNotFoundError, EscalationError, InvalidAccountError } from '../errors.js';
import { supervisorLogger, taskLogEnabled, taskLogger } from '../logging/redaction.js';
import { accountTaskMachine, type AccountTaskOutput } from '../machines/accountTask.js';
import type { SupervisionEvent, SupervisorRuntime, TaskEndedEvent } from '../machines/supervisor.js';
import type { SupervisionRecord } from '../persistence/accountStore.js';
import { StatusPublisher } from '../status/statusPublisher.js';
import type { StatusModel } from '../status/statusBoard.js';
import { AccountSlot, type LiveTask } from './accountSlot.js';
import { closeResources } from './closeResources.js';
import { decideRestart, type RestartDecision, type TaskEnd } from './decideRestart.js';
import { KeyedQueue } from './keyedQueue.js';
import { LeakTracker } from './leakTracker.js';
import { resolveRestartPolicy, type RestartPolicy } from './restartPolicy.js';
import { RootLink } from './rootLink.js';
import type { ShutdownStats } from './shutdownStats.js';
import { ShutdownTally } from './shutdownTally.js';
import { publicError } from './statusOf.js';
import type { StoreHandle } from './storeHandle.js';
import { restoreSupervision, SupervisionRecords } from './supervisionRecords.js';
import { FlightRecorder, type HistoryLimits, type Unstamped } from './flightRecorder.js';
import type { HistoryCommand, HistoryEntry } from '../history/historyEntry.js';
import { taskTransitionEvent } from '../machines/taskTransitionEvent.js';
import type { AccountTaskContext } from '../machines/accountTask.js';

/** What the runtime is built from; `createSupervisor()` fills it in from its options. */
export interface RuntimeOptions {
  store: StoreHandle;
  logicFor: (account: Account) => WorkerLogic;
  policy: RestartPolicy;
  cancelTimeoutMs: number;
  loadTimeoutMs: number;
  logger: Logger;
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  status: StatusModel;
  /** Backoff jitter, one draw at a time, for the account named. */
  random: (accountId: string) => number;
  /** Every timer and time read of the runtime and of its tasks. */
  clock: Clock;
  /** The runner every task's `ctx.jobs` submits to, and the limits of each task's scope. */
  jobs: JobRunner;
  jobLimits: ScopeLimits;
  /** Admission control: every start waits its turn here first. Absent = start at once. */
  admission: AdmissionGate | undefined;
  /** Per-account flight recorder limits (`history` option). */
  history: HistoryLimits;
}

/**
 * The account operations a command or a reload uses, each on a slot it got from `slot(id)`, inside
 * that account's queue (`queue.run(id, …)`).
 */
export interface AccountOps {
  slot(id: string): AccountSlot | undefined;
  ids(): IterableIterator<string>;
  /**
   * Rejects settings the account's worker would not accept (beyond the settings limits, or refused
   * by its declared `settingsSchema`) with `InvalidAccountError` naming the field; changes nothing.
   * Returns a promise only when the schema validates asynchronously.
   */
  assertValidSettings(account: Account): void | Promise<void>;
  /** Holds a new account (with what the store remembers of its supervision), starts it if it should run, publishes it. */
  addSlot(account: Account, record?: SupervisionRecord): AccountStatus;
  /** Gives a stopped account its new configuration and a fresh start. */
  reconfigure(slot: AccountSlot, account: Account): AccountStatus;
  /** Records a new configuration without starting anything (disable). */
  keep(slot: AccountSlot, account: Account): AccountStatus;
  /** Forgets suspension and restart history (saving that), then starts a new incarnation. */
  freshStart(slot: AccountSlot): AccountStatus;
  /** Starts the account again as it was (after a store write failed), publishes it. */
  resume(slot: AccountSlot): AccountStatus;
  /** Cancels the live task (or the pending restart) and resolves once it is `cleaned`. */
  stopTask(slot: AccountSlot): Promise<void>;
  /** Forgets a removed account: its slot and its status. The task must be stopped already. */
  dropSlot(slot: AccountSlot): void;
  publish(slot: AccountSlot): AccountStatus;
  /** Records a command's outcome in the account's history (if the account exists); a successful one is saved with the supervision record. */
  recordCommand(id: string, command: HistoryCommand, error?: unknown): void;
}

/**
 * The supervisor's runtime: the account registry (a `Map` of {@link AccountSlot}s), the task
 * actors it spawns, and the side of every supervision decision. The root machine decides and owns
 * the lifecycle; this carries the decisions out. Its public surface is the machine's contract
 * ({@link SupervisorRuntime}) and the account operations ({@link AccountOps}); the per-account
 * queue, leak tracking, the shutdown tally, supervision records and the status publisher are
 * small owners of their own. See the header of `src/machines/supervisor.ts` for the design.
 */
export class Runtime implements SupervisorRuntime, AccountOps {
  readonly #slots = new Map<string, AccountSlot>();
  readonly #o: RuntimeOptions;
  readonly #log: Logger;
  readonly #root: RootLink;
  readonly #queue: KeyedQueue;
  readonly #leaks: LeakTracker;
  readonly #records: SupervisionRecords;
  readonly #publisher: StatusPublisher;
  readonly #tally = new ShutdownTally();
  readonly #recorder: FlightRecorder;

  constructor(options: RuntimeOptions, root: RootLink, queue: KeyedQueue) {
    this.#o = options;
    this.#root = root;
    this.#queue = queue;
    this.#log = supervisorLogger(options.logger);
    this.#leaks = new LeakTracker(this.#log);
    this.#recorder = new FlightRecorder(options.history, options.clock, (err) => this.#log.error({ err }, 'the history.onEntry listener threw; the entry is kept and the supervisor goes on'));
    this.#records = new SupervisionRecords(options.store, this.#log, (slot) => this.#recorder.persisted(slot));
    this.#publisher = new StatusPublisher(options.status, options.clock, this.#log, (id) => this.#leaks.has(id));
  }

  /** The supervisor's own logger (`component: 'supervisor'`); tasks log through children of `options.logger`. */
  get log(): Logger {
    return this.#log;
  }

  /** Per-account status watchers, for `waitFor`. */
  get statuses(): Pick<StatusPublisher, 'watch' | 'current'> {
    return this.#publisher;
  }

  now(): number {
    return this.#o.clock.now();
  }

  // ── lifecycle steps (the root machine invokes them) ────────────────────────────────────────

  openStore(): Promise<void> {
    return this.#o.store.open();
  }

  async startAccounts(signal: AbortSignal): Promise<void> {
    const store = this.#o.store.current;
    const [accounts, supervision] = await Promise.all([store.loadAll(), store.loadSupervision()]);
    let i = 0;
    for (const account of accounts) {
      if (signal.aborted) return;
      // Own keys only: an id such as `toString` must not find Object.prototype's member.
      this.addSlot(account, Object.hasOwn(supervision, account.id) ? supervision[account.id] : undefined);
      // Yield now and then so a 100,000-account start does not freeze the event loop.
      if (++i % 1000 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  close(deadlineAt: number): Promise<void> {
    const o = this.#o;
    return closeResources({ jobs: o.jobs, records: this.#records, store: o.store, clock: o.clock, log: this.#log }, deadlineAt);
  }

  // ── account operations ──────────────────────────────────────────────────────────────────

  slot(id: string): AccountSlot | undefined {
    return this.#slots.get(id);
  }

  ids(): IterableIterator<string> {
    return this.#slots.keys();
  }

  assertValidSettings(account: Account): void | Promise<void> {
    return assertValidSettings(() => this.#o.logicFor(account), account);
  }

  addSlot(account: Account, record?: SupervisionRecord): AccountStatus {
    const slot = new AccountSlot(account, resolveRestartPolicy(this.#o.policy, account.restart));
    this.#slots.set(account.id, slot);
    restoreSupervision(slot, record);
    this.#recorder.restore(slot, record?.history);
    this.#startTask(slot);
    return this.publish(slot);
  }

  reconfigure(slot: AccountSlot, account: Account): AccountStatus {
    slot.account = account;
    slot.policy = resolveRestartPolicy(this.#o.policy, account.restart);
    return this.freshStart(slot);
  }

  keep(slot: AccountSlot, account: Account): AccountStatus {
    slot.account = account;
    return this.publish(slot);
  }

  freshStart(slot: AccountSlot): AccountStatus {
    const hadHistory = slot.run.kind === 'suspended' || slot.memory.history.length > 0;
    slot.resetSupervision();
    if (hadHistory) this.#records.save(slot);
    this.#startTask(slot);
    return this.publish(slot);
  }

  resume(slot: AccountSlot): AccountStatus {
    this.#startTask(slot);
    return this.publish(slot);
  }

  async stopTask(slot: AccountSlot): Promise<void> {
    this.#cancelPending(slot);
    const task = slot.task;
    if (!task) return;
    task.commanded = true;
    // Never send to a task that already stopped: the development build warns, and the runtime
    // holds refs of live tasks only (docs/xstate-facts.md, fact 4).
    if (task.actor.getSnapshot().status === 'active') task.actor.send({ type: 'CANCEL' });
    await task.ended;
  }

  dropSlot(slot: AccountSlot): void {
    slot.remove();
    this.#slots.delete(slot.id);
    this.#publisher.unpublish(slot.id);
  }

  publish(slot: AccountSlot): AccountStatus {
    return this.#publisher.publish(slot);
  }

  recordCommand(id: string, command: HistoryCommand, error?: unknown): void {
    const slot = this.#slots.get(id);
    if (!slot || !this.#recorder.enabled) return;
    this.#recorder.record(slot, { kind: 'command', command, outcome: error === undefined ? 'ok' : 'failed', ...(error === undefined ? {} : { error: errorInfo(error) }) });
    // A rejected command changes nothing in the store; its entry is saved with the next change.
    if (error === undefined) this.#records.save(slot);
  }

  /** The account's flight recorder, oldest entry first. Unknown id → `AccountNotFoundError`. */
  history(id: string): HistoryEntry[] {
    const slot = this.#slots.get(id);
    if (!slot) throw new AccountNotFoundError(id);
    return this.#recorder.entries(slot);
  }

  // ── tasks ────────────────────────────────────────────────────────────────────────────────

  /** Starts a new incarnation if the account should run and nothing of it is alive. */
  #startTask(slot: AccountSlot): void {
    const kind = slot.run.kind;
    if (!this.#root.supervising || kind === 'live' || kind === 'suspended' || kind === 'removed' || !slot.enabled) return;
    if (this.#leaks.has(slot.id) && slot.policy.onLeak === 'wait') {
      this.#cancelPending(slot);
      slot.awaitingLeak();
      this.publish(slot);
      return;
    }
    this.#cancelPending(slot);
    const gate = this.#o.admission;
    if (!gate) return this.#launch(slot, undefined);
    // Not throttled right now: start at once, as without admission control.
    const ticket = gate.tryEnter();
    if (ticket) return this.#launch(slot, ticket);
    this.#awaitAdmission(slot, gate);
  }

  /**
   * Parks the start until the admission gate gives it a turn (the account shows `loading` with
   * `waitingForAdmission`). The turn is taken inside the account's queue, so a command queued
   * meanwhile (remove, disable, update) goes first and the start, finding the account no longer
   * waiting, hands its turn back: a cancelled wait never starts a task.
   */
  #awaitAdmission(slot: AccountSlot, gate: AdmissionGate): void {
    const cancel = new AbortController();
    slot.admitting(cancel);
    this.publish(slot);
    gate.enter(slot.id, { priority: slot.account.priority === true, signal: cancel.signal }).then(
      (ticket) =>
        this.detach(
          this.#queue.run(slot.id, () => {
            const run = slot.run;
            if (run.kind !== 'admitting' || run.cancel !== cancel || !this.#root.supervising) return ticket.release();
            this.#launch(slot, ticket);
            this.publish(slot);
          }),
        ),
      () => undefined, // cancelled or dropped at shutdown: whoever did it has moved the slot on
    );
  }

  /** Spawns the next incarnation now; `ticket` (admission) is released once it runs (or is ready) or ends. */
  #launch(slot: AccountSlot, ticket: AdmissionTicket | undefined): void {
    slot.report = undefined;
    slot.incarnation += 1;
    if (slot.incarnation > 1) this.#log.info({ accountId: slot.id, incarnation: slot.incarnation }, `account ${slot.id}: starting incarnation ${slot.incarnation}`);
    const task = this.#spawnTask(slot);
    task.ticket = ticket;
    slot.started(task);
    this.#recorder.record(slot, { kind: 'transition', incarnation: slot.incarnation, from: null, to: 'loading', event: 'start' });
    task.actor.start();
  }

  /** A scheduled restart or an owed start is called off (the account goes back to `idle`). */
  #cancelPending(slot: AccountSlot): void {
    const run = slot.run;
    if (run.kind === 'backoff') this.#o.clock.clearTimeout(run.timer);
    if (run.kind === 'admitting') run.cancel.abort();
    if (run.kind === 'backoff' || run.kind === 'awaitingLeak' || run.kind === 'admitting') slot.stopped();
  }

  #spawnTask(slot: AccountSlot): LiveTask {
    const { id, incarnation } = slot;
    const o = this.#o;
    const handle: WorkerHandle = new WorkerHandle({
      accountId: id,
      incarnation,
      log: () => taskLogger(o.logger, id, incarnation),
      logEnabled: (level) => taskLogEnabled(o.logger, level),
      logicFor: o.logicFor,
      load: () => this.#loadAccount(id),
      report: (details) => this.#onReport(slot, handle, details),
      // With `holdUntil: 'ready'`, the admission ticket is held through `running` until this.
      ready: () => {
        if (slot.task?.handle === handle) slot.task.ticket?.release();
      },
      // One scope per incarnation: a leaked incarnation's jobs never share limits with the next one's.
      jobs: new TrackedJobs(() => o.jobs.scope(`${id}#${incarnation}`, { limits: o.jobLimits })),
      cancelTimeoutMs: o.cancelTimeoutMs,
      clock: o.clock,
    });
    const actor = createActor(accountTaskMachine, {
      input: { worker: handle, loadTimeoutMs: o.loadTimeoutMs, cancelTimeoutMs: o.cancelTimeoutMs, clock: o.clock },
      clock: o.clock,
      ...(o.inspect ? { inspect: o.inspect } : {}),
    });
    let resolveEnded!: (output: AccountTaskOutput) => void;
    const ended = new Promise<AccountTaskOutput>((resolve) => (resolveEnded = resolve));
    const task: LiveTask = { actor, handle, state: 'loading', runningSince: undefined, commanded: false, inShutdown: false, ended, ticket: undefined };
    const finish = (output: AccountTaskOutput) => {
      this.#onTaskEnded(slot, task, output);
      resolveEnded(output);
    };
    actor.subscribe({
      next: (snapshot) => this.#onTaskState(slot, task, snapshot.value, snapshot.context),
      complete: () => finish(actor.getSnapshot().output ?? brokenOutput(slot, task, 'task ended without output', o.clock.now())),
      error: (err) => finish(brokenOutput(slot, task, err, o.clock.now())),
    });
    return task;
  }

  async #loadAccount(id: string): Promise<Account> {
    const stored = await this.#o.store.current.get(id);
    if (!stored) throw new AccountNotFoundError(id);
    const checked = checkAccountRecord(stored);
    if (!checked.ok) throw new InvalidAccountError(checked.field, checked.reason);
    const checking = assertStartableSettings(() => this.#o.logicFor(checked.account), checked.account);
    if (checking) await checking;
    return checked.account;
  }

  #onTaskState(slot: AccountSlot, task: LiveTask, value: LiveTask['state'], context: AccountTaskContext): void {
    if (slot.task !== task || task.state === value) return;
    const from = task.state;
    task.state = value;
    if (value !== 'loading' && !(value === 'running' && this.#o.admission?.holdUntil === 'ready')) task.ticket?.release();
    const incarnation = slot.incarnation;
    this.#recorder.record(slot, { kind: 'transition', incarnation, from, to: value, event: taskTransitionEvent(from, value, context) });
    if (value === 'running') task.runningSince = this.#o.clock.now();
    const error = context.error;
    if (value === 'failed' && error) {
      slot.lastError = error;
      this.#recordError(slot, incarnation, error);
    }
    if (value !== 'cleaned') this.publish(slot);
  }

  #onReport(slot: AccountSlot, handle: WorkerHandle, details: Record<string, unknown>): void {
    if (slot.task?.handle !== handle) return;
    slot.report = { ...slot.report, ...details };
    this.publish(slot);
  }

  #onTaskEnded(slot: AccountSlot, task: LiveTask, output: AccountTaskOutput): void {
    task.ticket?.release();
    if (slot.task !== task) return;
    slot.stopped();
    slot.lastEnd = output.reason;
    // An error first seen here (a crashed task) was not recorded when the task entered `failed`.
    if (output.error && output.error !== slot.lastError) this.#recordError(slot, output.incarnation, output.error);
    if (output.error) slot.lastError = output.error;
    if (task.handle.alive) this.#trackLeak(slot, task);
    if (task.inShutdown) this.#tally.countEnd(output, task.handle.alive);
    if (task.commanded || !this.#root.supervising) {
      this.publish(slot);
      return;
    }
    // The root decides synchronously, inside `report`, and a restart or a suspension publishes
    // the account's next status itself; publishing the ended task's status first only to replace
    // it in the same call stack was one of five publications per simulated restart cycle. A
    // decision that publishes nothing (`TASK_FINISHED`, or none when the root no longer
    // supervises) leaves the board as it was, and the ended status is published then.
    const shown = this.#publisher.current(slot.id);
    const ranMs = task.runningSince === undefined ? 0 : output.endedAt - task.runningSince;
    this.#root.report({ type: 'TASK_ENDED', accountId: slot.id, incarnation: output.incarnation, output, ranMs });
    if (this.#publisher.current(slot.id) === shown) this.publish(slot);
  }

  #recordError(slot: AccountSlot, incarnation: number, error: TaskError): void {
    // Fields written out, no `...publicError(error)`: see `FlightRecorder.record` on spreads.
    const entry: Unstamped & { kind: 'error' } = { kind: 'error', incarnation, message: error.message };
    if (error.code !== undefined) entry.code = error.code;
    this.#recorder.record(slot, entry);
  }

  #trackLeak(slot: AccountSlot, task: LiveTask): void {
    this.#leaks.track(slot.id, task.handle, slot.policy.onLeak, (id) => this.#onLeakSettled(id));
  }

  #onLeakSettled(id: string): void {
    const slot = this.#slots.get(id);
    if (!slot) return;
    if (slot.run.kind === 'awaitingLeak' && !this.#leaks.has(id)) this.detach(this.#queue.run(id, () => this.#startTask(slot)));
    else this.publish(slot);
  }

  // ── decisions (called by the root machine's actions; must not throw) ───────────────────────

  decide(event: TaskEndedEvent): SupervisionEvent {
    const slot = this.#slots.get(event.accountId);
    const { reason, error } = event.output;
    // The decision object gets the event's fields set on it, no spreads: `{ ...decision, ...base }`
    // and the conditional `...(error ? { error } : {})` copies were 1.5 % of a simulated restart
    // storm's CPU profile (self time of `decide`), for objects that live one root macrostep.
    const answer = (decision: RestartDecision): SupervisionEvent => {
      const e = decision as SupervisionEvent;
      e.accountId = event.accountId;
      e.incarnation = event.incarnation;
      e.reason = reason;
      if (error) e.error = publicError(error);
      return e;
    };
    if (!slot || slot.incarnation !== event.incarnation || slot.run.kind !== 'idle') return answer({ type: 'TASK_FINISHED' });
    const end: TaskEnd = { reason, ranMs: event.ranMs };
    if (error) end.error = error;
    const random = this.#o.random;
    try {
      return answer(decideRestart(slot.policy, end, slot.memory, this.#o.clock.now(), () => random(slot.id)));
    } catch (err) {
      // Only a user-supplied `random` can throw here; the account is left as it ended.
      this.#log.error({ accountId: slot.id, err }, `account ${slot.id}: the restart decision failed`);
      return answer({ type: 'TASK_FINISHED' });
    }
  }

  scheduleRestart(event: SupervisionEvent & { type: 'RESTART_SCHEDULED' }): void {
    const slot = this.#slots.get(event.accountId);
    if (!slot || slot.run.kind !== 'idle' || !this.#root.supervising) return;
    slot.memory = { history: event.history, attempt: event.attempt + 1, previousDelayMs: event.delayMs };
    slot.restarts += 1;
    const clock = this.#o.clock;
    const at = clock.now() + event.delayMs;
    const timer = clock.setTimeout(() => this.#fireRestart(slot, timer), event.delayMs);
    slot.backingOff(timer, at);
    this.#recorder.record(slot, { kind: 'restartScheduled', incarnation: event.incarnation, delayMs: event.delayMs, attempt: event.attempt, restartAt: at });
    this.#log.info({ accountId: slot.id, delayMs: event.delayMs, attempt: event.attempt }, `account ${slot.id}: restart in ${event.delayMs} ms`);
    this.publish(slot);
    this.#records.save(slot);
  }

  #fireRestart(slot: AccountSlot, timer: unknown): void {
    this.detach(
      this.#queue.run(slot.id, () => {
        const run = slot.run;
        if (run.kind !== 'backoff' || run.timer !== timer) return;
        slot.stopped();
        this.#startTask(slot);
        this.publish(slot);
      }),
    );
  }

  suspend(event: SupervisionEvent & { type: 'SUSPENDED' }): void {
    const slot = this.#slots.get(event.accountId);
    if (!slot || slot.run.kind === 'removed') return;
    const error = event.error ?? { message: 'task ended' };
    slot.suspend({ at: this.#o.clock.now(), cause: event.cause, error });
    const { type: _type, accountId: _id, reason: _reason, error: _error, ...details } = event;
    this.#recorder.record(slot, { kind: 'suspended', ...details, error: publicError(error) });
    const why = event.cause === 'intensity'
      ? `needed more than ${slot.policy.intensity.maxRestarts} restarts within ${slot.policy.intensity.withinMs} ms`
      : 'failed with a non-retryable error';
    this.#log.warn({ accountId: slot.id, cause: event.cause, err: { ...(slot.lastError?.name ? { name: slot.lastError.name } : {}), ...publicError(error) } }, `account ${slot.id} suspended: it ${why} (${error.message.replace(/\.$/, '')}). Once the cause is fixed, resume it with \`statevisor accounts restart ${slot.id}\`.`);
    this.publish(slot);
    this.#records.save(slot);
  }

  /** Nothing to carry out: the account's status was published when its task ended. */
  finish(event: SupervisionEvent): void {
    const slot = this.#slots.get(event.accountId);
    if (slot && slot.incarnation === event.incarnation) this.#recorder.record(slot, { kind: 'finished', incarnation: event.incarnation, reason: event.reason ?? 'failed' });
    this.#log.debug({ accountId: event.accountId, incarnation: event.incarnation }, `account ${event.accountId}: ended, no restart`);
  }

  escalate(event: SupervisionEvent & { type: 'ESCALATED' }): EscalationError {
    const slot = this.#slots.get(event.accountId);
    const { maxRestarts, withinMs } = event;
    const error = new EscalationError(event.accountId, maxRestarts, withinMs);
    if (slot) {
      this.#recorder.record(slot, { kind: 'escalated', incarnation: event.incarnation, restartsInWindow: event.restartsInWindow, maxRestarts, withinMs, ...(event.error ? { error: event.error } : {}) });
      this.#records.save(slot);
    }
    this.#log.fatal({ accountId: event.accountId, err: event.error }, error.message);
    return error;
  }

  // ── shutdown ─────────────────────────────────────────────────────────────────────────────

  stopAccepting(): void {
    this.#tally.begin(this.#o.clock.now(), this.#leaks.handles());
    // Shutdown never waits for a turn: starts still waiting are dropped, and said so.
    const dropped = this.#o.admission?.close() ?? [];
    if (dropped.length > 0) this.#log.info({ dropped: dropped.length, accountIds: dropped.slice(0, 20) }, `shutdown: ${dropped.length} start(s) waiting for admission dropped, never started`);
    for (const slot of this.#slots.values()) {
      const pending = slot.run.kind === 'backoff' || slot.run.kind === 'awaitingLeak';
      this.#cancelPending(slot);
      const task = slot.task;
      if (task) task.inShutdown = true;
      // Only a called-off restart changes a status here; a live task's changes with its CANCEL
      // (published then). Republishing every slot cost one status publication per account per
      // shutdown (publications were about 5 % of a shutdown's profile, three per task).
      if (pending) this.publish(slot);
    }
  }

  async drain(): Promise<ShutdownStats> {
    const ends: Promise<unknown>[] = [];
    for (const slot of this.#slots.values()) if (slot.task) ends.push(this.stopTask(slot));
    await Promise.all(ends);
    return this.#tally.result(this.#o.clock.now());
  }

  forceRemaining(): ShutdownStats {
    for (const slot of this.#slots.values()) {
      const task = slot.task;
      if (!task) continue;
      slot.stopped();
      this.#recorder.record(slot, { kind: 'transition', incarnation: slot.incarnation, from: task.state, to: 'cleaned', event: 'shutdown deadline' });
      this.#tally.countForced();
      // An actor-logic worker's cleanup may throw; this runs in a root action and must not.
      this.#guard(() => task.handle.abort());
      this.#guard(() => task.actor.stop());
      if (task.handle.alive) this.#trackLeak(slot, task);
      this.publish(slot);
    }
    return this.#tally.result(this.#o.clock.now());
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'stopping a task threw; the supervisor goes on');
    }
  }

  /** Runs a promise nobody awaits, logging its failure instead of losing it. */
  detach(promise: Promise<unknown>): void {
    promise.catch((err: unknown) => this.#log.error({ err }, 'supervisor background step failed'));
  }

  /** What inspection and snapshots see of the runtime: counts, never accounts. */
  toJSON(): { accounts: number } {
    return { accounts: this.#slots.size };
  }
}

function errorInfo(error: unknown): { message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { message: error.message, code } : { message: error.message };
  }
  return { message: String(error) };
}

function brokenOutput(slot: AccountSlot, task: LiveTask, err: unknown, now: number): AccountTaskOutput {
  const error: TaskError = { message: `account task crashed: ${err instanceof Error ? err.message : String(err)}`, code: 'TASK_CRASHED' };
  return { accountId: slot.id, incarnation: task.handle.incarnation, reason: 'failed', forced: task.handle.alive, error, startedAt: now, endedAt: now };
}
