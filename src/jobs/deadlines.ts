import type { Clock, TimerHandle } from '../clock/clock.js';
import { IntrusiveList, type ListNode } from './list.js';

/**
 * What {@link Deadlines} keeps: a node with its limit, and the time it is due while counted
 * (a job's `JobRecord`, an offloaded call's stop). @internal
 *
 * @example
 * ```ts
 * class Call implements Deadlined<Call> { prev; next; list; dueAt; constructor(readonly timeoutMs: number) {} }
 * ```
 */
export interface Deadlined<T> extends ListNode<T> {
  readonly timeoutMs: number;
  dueAt: number | undefined;
}

/**
 * The run-time limits of running jobs (and of offloaded calls, `offload/workerPool.ts`), with one
 * clock timer per distinct `timeoutMs` instead of one per job. @internal
 *
 * Jobs with the same `timeoutMs` expire in the order they started, so each distinct limit keeps
 * its running jobs in a FIFO list (the record's own links: a running job is in no lane queue and
 * not yet in the retention list) and one timer armed for the oldest. A job that ends is unlinked
 * in O(1) and its timer is left alone: when it fires, jobs not yet due re-arm it for the new
 * oldest. Measured on the jobs bench (100,000 trivial jobs): a `setTimeout` + `clearTimeout` and
 * the closure per job cost about 0.3 µs and 100 bytes each; this costs a time read and two link
 * writes. Node's own timer lists work the same way inside, but still allocate a `Timeout` per call.
 *
 * @example
 * ```ts
 * const deadlines = new Deadlines(clock, (rec) => onTimeout(rec));
 * deadlines.add(rec, clock.now()); // when it starts
 * deadlines.remove(rec);  // when it ends first
 * ```
 */
export class Deadlines<T extends Deadlined<T>> {
  readonly #byLimit = new Map<number, Lane<T>>();

  constructor(
    readonly clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>,
    /** Called once for each job whose limit passed, after it was removed. */
    readonly onDue: (rec: T) => void,
  ) {}

  /** Starts counting `rec.timeoutMs` from `now` (the clock's time). `rec` must be in no list. */
  add(rec: T, now: number): void {
    let lane = this.#byLimit.get(rec.timeoutMs);
    if (lane === undefined) {
      lane = new Lane<T>(rec.timeoutMs);
      this.#byLimit.set(rec.timeoutMs, lane);
    }
    rec.dueAt = now + rec.timeoutMs;
    lane.jobs.push(rec);
    if (lane.timer === undefined) this.#arm(lane, rec.timeoutMs);
  }

  /**
   * Stops counting for `rec` (it ended first); returns whether it was counted. The timer stays
   * armed while other jobs of the same limit run (it re-arms itself when it fires early), and is
   * cleared with the last of them, so an idle runner holds no timer.
   */
  remove(rec: T): boolean {
    const lane = this.#byLimit.get(rec.timeoutMs);
    if (lane === undefined || !lane.jobs.remove(rec)) return false;
    if (lane.jobs.size === 0) {
      if (lane.timer !== undefined) this.clock.clearTimeout(lane.timer);
      this.#byLimit.delete(lane.limitMs);
    }
    return true;
  }

  #arm(lane: Lane<T>, ms: number): void {
    lane.timer = this.clock.setTimeout(() => this.#fire(lane), Math.max(1, ms));
  }

  #fire(lane: Lane<T>): void {
    lane.timer = undefined;
    const now = this.clock.now();
    let head = lane.jobs.head;
    while (head !== undefined && (head.dueAt ?? 0) <= now) {
      lane.jobs.remove(head);
      this.onDue(head);
      head = lane.jobs.head;
    }
    if (head !== undefined && lane.timer === undefined) this.#arm(lane, (head.dueAt ?? now) - now);
    else if (head === undefined && lane.timer === undefined && this.#byLimit.get(lane.limitMs) === lane) this.#byLimit.delete(lane.limitMs);
  }
}

/** The running jobs of one `timeoutMs`, oldest first, and the timer of the oldest. */
class Lane<T extends Deadlined<T>> {
  readonly jobs = new IntrusiveList<T>();
  timer: TimerHandle | undefined = undefined;
  constructor(readonly limitMs: number) {}
}
