/**
 * # Admission control
 *
 * ## Policy, in plain words
 *
 * Platforms watch logins: a burst of them from one place looks like an attack. Admission puts one
 * fleet-wide limit in front of every task start (first starts, restarts, commands, reloads): at
 * most `startsPerSecond` on average, at most `burst` at once after a quiet spell (a token bucket),
 * and at most `maxStarting` admitted but not yet up. Requests are served first come, first served
 * within a priority, higher priorities first, so a constantly failing account re-queues behind
 * everyone who asked before it and starves nobody. A waiting request can be cancelled (the
 * account was removed or disabled) and then never starts; `drop()` (shutdown) cancels every
 * waiting request at once and never waits. All timing runs on the injected clock.
 *
 * This module is standalone: the supervisor does not use it yet (see the report of issue 18).
 */
import { systemClock, type Clock, type TimerHandle } from '../clock/clock.js';
import { StatevisorError } from '../errors.js';

/** The limits; see the module header. */
export interface AdmissionOptions {
  /** Average starts per second. */
  startsPerSecond: number;
  /** Starts allowed at once after a quiet spell (the bucket's size). Default: `startsPerSecond`, at least 1. */
  burst?: number;
  /** Admitted starts not yet released (`ticket.release()`, when the task is up or gone). Default: no limit. */
  maxStarting?: number;
  clock?: Clock;
}

/** Given to the admitted: call `release()` once the start is over (the task runs, failed or was cancelled). */
export interface AdmissionTicket {
  readonly id: string;
  release(): void;
}

/** A request in the queue. */
export interface AdmissionRequest {
  /** Withdraws the request if it still waits; returns whether it did (false once admitted). */
  cancel(): boolean;
}

/** What admission is doing now. */
export interface AdmissionStats {
  waiting: number;
  starting: number;
  admitted: number;
  dropped: number;
}

interface Waiter {
  id: string;
  priority: number;
  seq: number;
  onAdmit: (ticket: AdmissionTicket) => void;
  done: boolean;
}

/**
 * A fleet-wide start limiter. Create it with {@link createAdmission}.
 *
 * @example
 * ```ts
 * const admission = createAdmission({ startsPerSecond: 500, burst: 50, maxStarting: 200 });
 * const request = admission.request('shop-1', (ticket) => startTask().finally(() => ticket.release()));
 * request.cancel(); // the account was removed while it waited: it never starts
 * ```
 */
export class Admission {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxStarting: number;
  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;
  #starting = 0;
  #admitted = 0;
  #dropped = 0;
  #seq = 0;
  #timer: TimerHandle | undefined;
  /** Waiting requests by priority (highest first), each FIFO. */
  readonly #queues = new Map<number, Waiter[]>();
  readonly #waitingIds = new Map<string, Waiter>();

  constructor(options: AdmissionOptions) {
    this.#rate = positive('startsPerSecond', options.startsPerSecond);
    this.#burst = positive('burst', options.burst ?? Math.max(1, options.startsPerSecond));
    this.#maxStarting = positive('maxStarting', options.maxStarting ?? Infinity);
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.#burst;
    this.#refilledAt = this.#clock.now();
  }

  /**
   * Queues a start of `id`; `onAdmit` is called (synchronously if there is room now) with a
   * ticket to release when the start is over. One request per id at a time.
   */
  request(id: string, onAdmit: (ticket: AdmissionTicket) => void, priority = 0): AdmissionRequest {
    if (this.#waitingIds.has(id)) throw new StatevisorError('ADMISSION_DUPLICATE', `Account "${id}" already waits for admission: cancel that request first.`);
    const waiter: Waiter = { id, priority, seq: this.#seq++, onAdmit, done: false };
    let queue = this.#queues.get(priority);
    if (!queue) this.#queues.set(priority, (queue = []));
    queue.push(waiter);
    this.#waitingIds.set(id, waiter);
    this.#pump();
    return { cancel: () => this.#withdraw(waiter, false) };
  }

  /** Cancels every waiting request (shutdown: nothing waits for admission); returns how many. */
  drop(): number {
    let n = 0;
    for (const waiter of [...this.#waitingIds.values()]) if (this.#withdraw(waiter, true)) n++;
    this.#clearTimer();
    return n;
  }

  stats(): AdmissionStats {
    return { waiting: this.#waitingIds.size, starting: this.#starting, admitted: this.#admitted, dropped: this.#dropped };
  }

  #withdraw(waiter: Waiter, dropped: boolean): boolean {
    if (waiter.done) return false;
    waiter.done = true;
    this.#waitingIds.delete(waiter.id);
    const queue = this.#queues.get(waiter.priority);
    const i = queue?.indexOf(waiter) ?? -1;
    if (queue && i >= 0) queue.splice(i, 1);
    if (queue?.length === 0) this.#queues.delete(waiter.priority);
    if (dropped) this.#dropped++;
    if (this.#waitingIds.size === 0) this.#clearTimer();
    return true;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000);
    this.#refilledAt = now;
  }

  #next(): Waiter | undefined {
    let best: number | undefined;
    for (const p of this.#queues.keys()) if (best === undefined || p > best) best = p;
    return best === undefined ? undefined : this.#queues.get(best)?.[0];
  }

  #pump(): void {
    this.#refill();
    for (let waiter = this.#next(); waiter; waiter = this.#next()) {
      if (this.#starting >= this.#maxStarting) return; // a release pumps again
      if (this.#tokens < 1) return this.#schedule();
      this.#tokens -= 1;
      this.#withdraw(waiter, false);
      this.#starting++;
      this.#admitted++;
      let released = false;
      const ticket: AdmissionTicket = {
        id: waiter.id,
        release: () => {
          if (released) return;
          released = true;
          this.#starting--;
          this.#pump();
        },
      };
      waiter.onAdmit(ticket);
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const waitMs = Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, waitMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Creates an {@link Admission} limiter.
 *
 * @example
 * ```ts
 * const admission = createAdmission({ startsPerSecond: 50, clock: new SimulatedClock() });
 * ```
 */
export function createAdmission(options: AdmissionOptions): Admission {
  return new Admission(options);
}

function positive(field: string, value: number): number {
  if (typeof value === 'number' && value > 0) return value;
  throw new StatevisorError('INVALID_OPTIONS', `admission.${field} must be a number > 0 (got ${String(value)}).`);
}
