import type { TimerHandle } from '../clock/clock.js';
import type { CancelReason } from './errors.js';
import type { ListNode } from './list.js';
import type { LaneGroup, ScopeState } from './scopeState.js';
import type { JobFn, JobHandle, JobState, JobStatus } from './types.js';

const noop = (): void => undefined;

/**
 * The runner's internal record of one job. Its list links are used by exactly one list at a time:
 * its lane queue while queued, its run-time limit's list (`Deadlines`) while running, the
 * retention list once it has finished and released its slot. @internal
 *
 * @example
 * ```ts
 * const rec = new JobRecord('id', scope, scope.groupFor(undefined), undefined, 0, 1_000, fn);
 * rec.toStatus().state; // 'queued'
 * ```
 */
export class JobRecord implements ListNode<JobRecord> {
  prev: JobRecord | undefined = undefined;
  next: JobRecord | undefined = undefined;
  list: object | undefined = undefined;

  state: JobState = 'queued';
  startedAt: number | undefined = undefined;
  finishedAt: number | undefined = undefined;
  /** When its signal was aborted (cancel/timeout while running). */
  abortedAt: number | undefined = undefined;
  error: unknown = undefined;
  /** The abandon timer while stopping (run-time limits are kept by `Deadlines`, not a timer per job). */
  timer: TimerHandle | undefined = undefined;
  /** While running with a finite `timeoutMs`: the runner clock's time its limit passes. */
  dueAt: number | undefined = undefined;
  controller: AbortController | undefined = undefined;
  holdsSlot = false;
  abandoned = false;
  fn: JobFn<unknown> | undefined;
  /** Whether this record is the one `scope.jobs` holds under its id (a later job may reuse the id). */
  indexed = false;
  /** A completed job's value, for a `result` asked for after it ended. */
  value: unknown = undefined;
  // `result` is made on first use: most callers of a busy runner never read it, and a promise,
  // its two resolvers and its catch handler are four allocations per job (the jobs bench spends
  // about a third of its time collecting garbage).
  #result: Promise<unknown> | undefined = undefined;
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((error: unknown) => void) | undefined = undefined;

  constructor(
    readonly id: string,
    readonly scope: ScopeState,
    readonly group: LaneGroup,
    readonly lane: string | undefined,
    readonly seq: number,
    readonly timeoutMs: number,
    fn: JobFn<unknown>,
    /** The runner clock's time of the submit. */
    readonly submittedAt: number = Date.now(),
  ) {
    this.fn = fn;
  }

  /** The job's outcome as a promise; marked handled, so ignoring it never causes an `unhandledRejection`. */
  get result(): Promise<unknown> {
    if (this.#result !== undefined) return this.#result;
    if (this.state === 'completed') this.#result = Promise.resolve(this.value);
    else if (isLive(this.state)) {
      this.#result = new Promise<unknown>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    } else this.#result = Promise.reject(this.error);
    this.#result.catch(noop);
    return this.#result;
  }

  /** Settles `result` (made now or later) with the job's value or error; the state is already final. */
  settle(ok: boolean, payload: unknown): void {
    if (ok) {
      this.value = payload;
      this.#resolve?.(payload);
    } else {
      this.error = payload;
      this.#reject?.(payload);
    }
    this.#resolve = this.#reject = undefined;
  }

  /** A plain snapshot for `status()` and `list()`. */
  toStatus(): JobStatus {
    return {
      id: this.id,
      scope: this.scope.ownerId,
      lane: this.lane,
      state: this.state,
      submittedAt: this.submittedAt,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      error: this.error,
      stopping: this.holdsSlot && this.state !== 'running',
      abandoned: this.abandoned,
    };
  }
}

/**
 * `queued` or `running`: the id is taken. @internal
 *
 * @example
 * ```ts
 * isLive('completed'); // false
 * ```
 */
export function isLive(state: JobState): boolean {
  return state === 'queued' || state === 'running';
}

/**
 * What a handle needs from the runner. @internal
 *
 * @example
 * ```ts
 * const handle = new JobHandleImpl(engine, rec); // engine: a RecordCanceller
 * ```
 */
export interface RecordCanceller {
  cancelRecord(rec: JobRecord, reason: CancelReason): boolean;
}

/**
 * The {@link JobHandle} given back by `submit()`. @internal
 *
 * @example
 * ```ts
 * const handle: JobHandle<number> = new JobHandleImpl<number>(engine, rec); // in the engine's submit()
 * ```
 */
export class JobHandleImpl<T> implements JobHandle<T> {
  readonly #engine: RecordCanceller;
  readonly #rec: JobRecord;

  constructor(engine: RecordCanceller, rec: JobRecord) {
    this.#engine = engine;
    this.#rec = rec;
  }

  get id(): string {
    return this.#rec.id;
  }

  get scope(): string | undefined {
    return this.#rec.scope.ownerId;
  }

  get result(): Promise<T> {
    return this.#rec.result as Promise<T>;
  }

  cancel(): boolean {
    return this.#engine.cancelRecord(this.#rec, 'cancel');
  }

  status(): JobStatus {
    return this.#rec.toStatus();
  }
}
