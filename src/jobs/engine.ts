import type { TimerHandle } from '../clock/clock.js';
import {
  InvalidJobOptionsError,
  JobCancelledError,
  JobExistsError,
  JobTimeoutError,
  QueueFullError,
  RunnerShutDownError,
  ScopeClosedError,
  ScopeExistsError,
  type CancelReason,
} from './errors.js';
import { Deadlines } from './deadlines.js';
import { IntrusiveList } from './list.js';
import { defaultJobLogger, type JobLogger } from './logger.js';
import { JOB_RUNNER_DEFAULTS, durationMs, jobId, nonNegativeMs, type ResolvedRunnerOptions } from './options.js';
import { JobHandleImpl, JobRecord, isLive, type RecordCanceller } from './record.js';
import { Retention } from './retention.js';
import { createScopeState, ScopeState, type LaneGroup, type OwnedScopeState } from './scopeState.js';
import type {
  CancelAllOptions,
  CancelAllReport,
  FinalJobState,
  JobCounts,
  JobFn,
  JobHandle,
  JobStatus,
  ScopeOptions,
  ShutdownOptions,
  ShutdownReport,
  SubmitOptions,
} from './types.js';

type Totals = Record<FinalJobState | 'abandoned', number>;

/**
 * The scheduler behind `JobRunner` and `JobScope`: admission, queues, slots, timeouts, cancellation,
 * abandonment, retention and shutdown. Not exported from the package. @internal
 *
 * Slots go round robin across scopes with a job that may start (one account's burst cannot starve
 * the others), oldest first within a scope, FIFO within a lane. A slot is held from a job's start
 * until its function settles, or until it is abandoned after ignoring its aborted signal.
 *
 * @example
 * ```ts
 * const engine = new JobEngine(resolveRunnerOptions({ concurrency: 4 }));
 * engine.submit(engine.root, 'id', (signal) => work(signal));
 * ```
 */
export class JobEngine implements RecordCanceller {
  readonly root = new ScopeState(undefined, Infinity, Infinity, {});
  readonly #o: ResolvedRunnerOptions;
  readonly #open = new Map<string, ScopeState>();
  /** Every scope that may hold records: the root, open scopes, closed scopes not yet empty. */
  readonly #scopes = new Set<ScopeState>([this.root]);
  readonly #ready = new IntrusiveList<ScopeState>();
  readonly #active = new Set<JobRecord>();
  readonly #retention: Retention;
  readonly #deadlines: Deadlines<JobRecord>;
  readonly #waiters = new Set<() => void>();
  readonly #totals: Totals = { completed: 0, failed: 0, cancelled: 0, timeout: 0, abandoned: 0 };
  #queued = 0;
  #running = 0;
  #seq = 0;
  #pumping = false;
  #accepting = true;
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: ResolvedRunnerOptions) {
    this.#o = options;
    this.#retention = new Retention(options.retainFinished.count, options.retainFinished.ageMs, (rec) => this.#forget(rec));
    this.#deadlines = new Deadlines(options.clock, this.#onTimeout);
  }

  /** Logs through the configured logger; a logger that throws must not break the scheduler. */
  #log(level: keyof JobLogger, obj: object, msg: string): void {
    try {
      (this.#o.logger ?? defaultJobLogger())[level](obj, msg);
    } catch {
      // nothing sensible to do: the report is lost, the runner keeps its invariants
    }
  }

  // ---- submission -------------------------------------------------------------------------------

  submit<T>(scope: ScopeState, id: string, fn: JobFn<T>, options: SubmitOptions = {}): JobHandle<T> {
    const old = this.#admit(scope, id, fn);
    const timeoutMs = options.timeoutMs === undefined ? this.#o.defaultTimeoutMs : durationMs('timeoutMs', options.timeoutMs);
    const group = scope.groupFor(options.lane);
    const startNow = this.#active.size < this.#o.concurrency && group.queue.size === 0 && scope.hasRoom(group);
    if (!startNow) this.#checkQueueRoom(scope, id);
    const rec = new JobRecord(id, scope, group, options.lane, this.#seq++, timeoutMs, fn, this.#o.clock.now());
    if (old !== undefined) {
      this.#retention.remove(old);
      old.indexed = false;
    }
    scope.jobs.set(id, rec);
    rec.indexed = true;
    if (startNow) this.#start(rec);
    else this.#enqueue(rec);
    return new JobHandleImpl<T>(this, rec);
  }

  /** Checks a submit; returns the finished record that holds `id` in the scope, if any (it will be replaced). */
  #admit(scope: ScopeState, id: string, fn: unknown): JobRecord | undefined {
    if (!this.#accepting) throw new RunnerShutDownError(id);
    if (scope.closed) throw new ScopeClosedError(scope.ownerId ?? '', id);
    jobId('id', id);
    if (typeof fn !== 'function') throw new InvalidJobOptionsError('fn', `must be a function (got ${typeof fn})`);
    const existing = scope.jobs.get(id);
    if (existing !== undefined && isLive(existing.state)) throw new JobExistsError(id, scope.ownerId, existing.state);
    return existing;
  }

  #checkQueueRoom(scope: ScopeState, id: string): void {
    if (this.#queued >= this.#o.maxQueue) throw new QueueFullError(id, scope.ownerId, this.#o.maxQueue, 'runner');
    if (scope.queued >= scope.maxQueue) throw new QueueFullError(id, scope.ownerId, scope.maxQueue, 'scope');
  }

  // ---- scheduling -------------------------------------------------------------------------------

  #enqueue(rec: JobRecord): void {
    rec.group.queue.push(rec);
    rec.scope.queued++;
    this.#queued++;
    this.#markReady(rec.scope);
    this.#pump();
  }

  /** Puts `scope` in the round robin if it has a job that may start and is not there yet. */
  #markReady(scope: ScopeState): void {
    if (scope.list === undefined && scope.nextGroup() !== undefined) this.#ready.push(scope);
  }

  /** Starts queued jobs while slots are free. Re-entrant calls (a job submitting a job) fold into the running loop. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#active.size < this.#o.concurrency) {
        const scope = this.#ready.shift();
        if (scope === undefined) break;
        const group: LaneGroup | undefined = scope.nextGroup();
        if (group === undefined) continue; // stale entry: it lost its startable job since
        const rec = group.queue.shift() as JobRecord;
        scope.queued--;
        this.#queued--;
        this.#start(rec);
        this.#markReady(scope); // back of the round robin
      }
    } finally {
      this.#pumping = false;
    }
  }

  #start(rec: JobRecord): void {
    rec.state = 'running';
    const now = this.#o.clock.now();
    rec.startedAt = now;
    rec.holdsSlot = true;
    this.#running++;
    this.#active.add(rec);
    rec.scope.active.add(rec);
    rec.group.active++;
    if (rec.timeoutMs !== Infinity) this.#deadlines.add(rec, now);
    const fn = rec.fn as JobFn<unknown>;
    rec.fn = undefined;
    let promise: Promise<unknown>;
    try {
      // An AbortSignal only for a function that declares a parameter to receive it (Effect's
      // `Effect.tryPromise` decides the same way): creating the signal is about 2.3 µs, most of
      // what separated this runner from p-queue (0.56× on the jobs bench). A function without one
      // cannot see it, so cancel and timeout treat it as any job that ignores its signal: final
      // state at once, slot held until it settles or `abandonAfterMs`.
      if (fn.length === 0) promise = Promise.resolve((fn as () => Promise<unknown>)());
      else {
        const controller = new AbortController();
        rec.controller = controller;
        promise = Promise.resolve(fn(controller.signal));
      }
    } catch (error) {
      promise = Promise.reject(error); // a synchronous throw is a failure like any other
    }
    promise.then(
      (value) => this.#settled(rec, true, value),
      (error) => this.#settled(rec, false, error),
    );
  }

  // ---- endings ----------------------------------------------------------------------------------

  #settled(rec: JobRecord, ok: boolean, value: unknown): void {
    if (rec.state === 'running') this.#end(rec, ok ? 'completed' : 'failed', value);
    else if (rec.abandoned) {
      const ms = this.#o.clock.now() - (rec.abortedAt ?? 0);
      this.#log('debug', { jobId: rec.id, scope: rec.scope.ownerId, ms }, `Abandoned job "${rec.id}" settled ${ms} ms after its abort.`);
      return;
    }
    this.#exit(rec);
  }

  /** Records the final state and settles `result`. The slot is released separately, by `#exit`. */
  #end(rec: JobRecord, state: FinalJobState, payload: unknown): void {
    this.#deadlines.remove(rec);
    this.#clearTimer(rec);
    if (rec.state === 'running') this.#running--;
    rec.state = state;
    rec.finishedAt = this.#o.clock.now();
    this.#totals[state]++;
    rec.settle(state === 'completed', payload);
  }

  /** Aborts a running job: final state now, slot held until its function settles or it is abandoned. */
  #abort(rec: JobRecord, state: 'cancelled' | 'timeout', error: Error): void {
    this.#end(rec, state, error);
    rec.abortedAt = this.#o.clock.now();
    rec.timer = this.#o.clock.setTimeout(() => this.#onAbandonTimer(rec), this.#o.abandonAfterMs);
    rec.controller?.abort(error);
  }

  readonly #onTimeout = (rec: JobRecord): void => {
    if (rec.state === 'running') this.#abort(rec, 'timeout', new JobTimeoutError(rec.id, rec.scope.ownerId, rec.timeoutMs));
  };

  readonly #onAbandonTimer = (rec: JobRecord): void => {
    rec.timer = undefined;
    this.#abandon(rec, `ignored its aborted signal for ${this.#o.abandonAfterMs} ms`);
  };

  /** Reports a job that did not stop after its abort and releases its slot. Returns whether it held one. */
  #abandon(rec: JobRecord, why: string): boolean {
    if (!rec.holdsSlot) return false;
    rec.abandoned = true;
    this.#totals.abandoned++;
    const scope = rec.scope.ownerId;
    this.#log(
      'warn',
      { jobId: rec.id, scope, state: rec.state, abortedForMs: this.#o.clock.now() - (rec.abortedAt ?? this.#o.clock.now()) },
      `Job "${rec.id}"${scope === undefined ? '' : ` of scope "${scope}"`} ${why}; its slot was released and it was ` +
        'left behind (it may still be running). Make the job honour its AbortSignal.',
    );
    this.#exit(rec);
    return true;
  }

  /** Releases a job's slot, retains its record and lets the next jobs start. */
  #exit(rec: JobRecord): void {
    this.#clearTimer(rec);
    rec.holdsSlot = false;
    rec.controller = undefined;
    this.#active.delete(rec);
    rec.scope.active.delete(rec);
    rec.group.active--;
    this.#retain(rec);
    this.#markReady(rec.scope);
    this.#pump();
    this.#notify();
  }

  cancelRecord(rec: JobRecord, reason: CancelReason): boolean {
    if (rec.state === 'running') {
      this.#abort(rec, 'cancelled', new JobCancelledError(rec.id, rec.scope.ownerId, reason));
      return true;
    }
    if (rec.state !== 'queued') return false;
    rec.group.queue.remove(rec);
    rec.scope.queued--;
    this.#queued--;
    rec.fn = undefined;
    this.#end(rec, 'cancelled', new JobCancelledError(rec.id, rec.scope.ownerId, reason));
    this.#retain(rec);
    this.#notify();
    return true;
  }

  cancel(scope: ScopeState, id: string, reason: CancelReason = 'cancel'): boolean {
    const rec = scope.jobs.get(id);
    return rec !== undefined && this.cancelRecord(rec, reason);
  }

  // ---- records ----------------------------------------------------------------------------------

  #retain(rec: JobRecord): void {
    if (rec.indexed) this.#retention.add(rec, rec.finishedAt ?? this.#o.clock.now());
    else this.#prune(rec.scope);
  }

  #forget(rec: JobRecord): void {
    if (rec.indexed) {
      rec.scope.jobs.delete(rec.id);
      rec.indexed = false;
    }
    this.#prune(rec.scope);
  }

  #prune(scope: ScopeState): void {
    if (scope.closed && scope.jobs.size === 0 && scope.active.size === 0) this.#scopes.delete(scope);
  }

  status(scope: ScopeState, id: string): JobStatus | undefined {
    this.#retention.evict(this.#o.clock.now());
    return scope.jobs.get(id)?.toStatus();
  }

  list(scope?: ScopeState): JobStatus[] {
    this.#retention.evict(this.#o.clock.now());
    const scopes = scope === undefined ? [...this.#scopes] : [scope];
    return scopes.flatMap((s) => [...s.jobs.values()].map((rec) => rec.toStatus()));
  }

  counts(): JobCounts {
    return { queued: this.#queued, running: this.#running, stopping: this.#active.size - this.#running, ...this.#totals };
  }

  /**
   * How many scopes the engine still walks (the root, open scopes, closed scopes with records or
   * slots left). For tests only, so they can see that a closed scope's state is freed once it is
   * empty (one per task incarnation otherwise). @internal
   *
   * @example
   * ```ts
   * engine.scopeCount(); // 1: only the root
   * ```
   */
  scopeCount(): number {
    return this.#scopes.size;
  }

  // ---- scopes -----------------------------------------------------------------------------------

  openScope(ownerId: string, options: ScopeOptions = {}): OwnedScopeState {
    if (!this.#accepting) throw new RunnerShutDownError(undefined);
    const state = createScopeState(ownerId, options.limits);
    if (this.#open.has(ownerId)) throw new ScopeExistsError(ownerId);
    this.#open.set(ownerId, state);
    this.#scopes.add(state);
    return state;
  }

  /** Refuses further submits and cancels the scope's queued jobs; running ones are left alone. */
  closeScope(scope: OwnedScopeState): void {
    if (scope.closed) return;
    scope.closed = true;
    if (this.#open.get(scope.ownerId) === scope) this.#open.delete(scope.ownerId);
    for (const rec of scope.queuedRecords()) this.cancelRecord(rec, 'scope-closed');
    this.#prune(scope);
  }

  async cancelAll(scope: ScopeState, options: CancelAllOptions = {}): Promise<CancelAllReport> {
    const timeoutMs = nonNegativeMs('timeoutMs', options.timeoutMs ?? JOB_RUNNER_DEFAULTS.cancelAll.timeoutMs);
    const deadline = this.#o.clock.now() + timeoutMs;
    let cancelled = 0;
    for (const rec of [...scope.queuedRecords(), ...scope.active]) if (this.cancelRecord(rec, 'cancelAll')) cancelled++;
    const targets = [...scope.active];
    await this.#waitUntil(allReleased(targets), deadline);
    let abandoned = 0;
    for (const rec of targets) if (this.#abandon(rec, 'was still running at the cancelAll() deadline')) abandoned++;
    return { cancelled, abandoned };
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Resolves once nothing is queued and no slot is held. */
  async idle(): Promise<void> {
    await this.#waitUntil(() => this.#queued === 0 && this.#active.size === 0, Infinity);
  }

  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    const d = JOB_RUNNER_DEFAULTS.shutdown;
    const timeoutMs = nonNegativeMs('timeoutMs', options.timeoutMs ?? d.timeoutMs);
    const graceMs = Math.min(timeoutMs, nonNegativeMs('graceMs', options.graceMs ?? Math.min(d.maxGraceMs, timeoutMs / 4)));
    this.#accepting = false;
    const start = this.#o.clock.now();
    this.#shutdown = this.#drain({ ...this.#totals }, start + timeoutMs - graceMs, start + timeoutMs);
    return this.#shutdown;
  }

  async #drain(before: Totals, cancelAt: number, deadline: number): Promise<ShutdownReport> {
    for (const scope of this.#scopes) for (const rec of scope.queuedRecords()) this.cancelRecord(rec, 'shutdown');
    await this.#waitUntil(() => this.#active.size === 0, cancelAt);
    for (const rec of [...this.#active]) this.cancelRecord(rec, 'shutdown');
    await this.#waitUntil(() => this.#active.size === 0, deadline);
    for (const rec of [...this.#active]) this.#abandon(rec, 'was still running at the shutdown deadline');
    const t = this.#totals;
    return {
      completed: t.completed - before.completed,
      failed: t.failed - before.failed,
      cancelled: t.cancelled - before.cancelled,
      timeout: t.timeout - before.timeout,
      abandoned: t.abandoned - before.abandoned,
    };
  }

  /**
   * Resolves `true` once `done()` holds (checked after every slot release), or `false` at `deadline`
   * (a time of the runner's clock; `Infinity` = no deadline).
   */
  #waitUntil(done: () => boolean, deadline: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const clock = this.#o.clock;
      let timer: TimerHandle | undefined;
      const finish = (ok: boolean): void => {
        if (timer !== undefined) clock.clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(ok);
      };
      const check = (): void => {
        if (done()) finish(true);
      };
      if (deadline !== Infinity) timer = clock.setTimeout(() => finish(false), Math.max(0, deadline - clock.now()));
      this.#waiters.add(check);
    });
  }

  #clearTimer(rec: JobRecord): void {
    if (rec.timer !== undefined) this.#o.clock.clearTimeout(rec.timer);
    rec.timer = undefined;
  }

  #notify(): void {
    if (this.#waiters.size > 0) for (const check of this.#waiters) check();
  }
}


/** A check that every record in `recs` has released its slot; amortised O(1) per call. */
function allReleased(recs: readonly JobRecord[]): () => boolean {
  let i = 0;
  return () => {
    while (i < recs.length && !(recs[i] as JobRecord).holdsSlot) i++;
    return i === recs.length;
  };
}
