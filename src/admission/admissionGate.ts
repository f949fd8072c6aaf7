/**
 * Admission control: a fleet-wide limit on how fast and how many account tasks start.
 *
 * Policy, in plain words:
 * - Every start of a task (first start after boot, a restart after backoff, a command's fresh
 *   start, a reload) asks the gate first and waits its turn. Waiting counts toward nothing else:
 *   no restart intensity, no load timeout.
 * - Turns are first come, first served, so an account that fails and asks again goes to the back
 *   and cannot starve the others. Accounts marked `priority` have their own queue, served first.
 * - Starts are paced: one every 1/`startsPerSecond`, never more than `burst` within any
 *   one-second window, and at most `maxStarting` admitted tasks still starting. A start holds its
 *   ticket from admission until its task is `running` (or, with `holdUntil: 'ready'`, until its
 *   worker calls `ctx.ready()`, its login done), or ended.
 * - The window counts a start from its admission until one second after it released its ticket.
 *   So whatever the start does while it holds the ticket (connect, log in), the platform sees at
 *   most `burst` of those within any one second, however long each takes; counting admissions
 *   alone would not promise that (see #readyAt).
 * - A wait can be cancelled (a `remove` or `disable` of a waiting account): it never starts.
 * - `close()` (shutdown) never waits for a turn: every waiting start is dropped and reported.
 *
 * The gate owns one timer at most (through the injected clock), armed for the next moment a
 * start may be admitted.
 */
import type { Clock, TimerHandle } from '../clock/clock.js';
import { StatevisorError } from '../errors.js';
import { resolveAdmission, type AdmissionOptions, type ResolvedAdmission } from './admissionOptions.js';

/** Held by an admitted start until its task is `running` or ended; `release()` is idempotent. */
export interface AdmissionTicket {
  release(): void;
}

/** A start that did not get its turn: cancelled while waiting, or dropped at shutdown. */
export class AdmissionCancelledError extends StatevisorError {
  constructor(
    readonly accountId: string,
    readonly why: 'cancelled' | 'shutdown',
  ) {
    super(
      'ADMISSION_CANCELLED',
      why === 'shutdown'
        ? `Account "${accountId}" was waiting for admission when the supervisor shut down; it was not started.`
        : `Account "${accountId}" stopped waiting for admission (cancelled); it was not started.`,
    );
  }
}

/** What the gate reports for metrics and status. */
export interface AdmissionStats {
  /** Starts waiting for their turn now. */
  waiting: number;
  /** Admitted starts whose task is not yet running. */
  starting: number;
  /** Starts admitted since the gate was created. */
  admittedTotal: number;
  /** Starts dropped (cancelled while waiting, or at shutdown) since the gate was created. */
  droppedTotal: number;
}

/** How far behind the clock the pace may be when a start is admitted (see #grant). */
const CATCH_UP_MS = 50;

interface Waiter {
  accountId: string;
  resolve: (ticket: AdmissionTicket) => void;
  reject: (error: AdmissionCancelledError) => void;
  /** Cleared once admitted or dropped; a cancelled waiter stays in its queue until reached. */
  live: boolean;
  detach: (() => void) | undefined;
}

/** A FIFO with O(1) push and shift (an array with a moving head, compacted as it drains). */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  push(item: T): void {
    this.#items.push(item);
  }
  peek(): T | undefined {
    return this.#items[this.#head];
  }
  shift(): T | undefined {
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  /** The item `index` places behind the head, if there is one. */
  at(index: number): T | undefined {
    return index < this.size ? this.#items[this.#head + index] : undefined;
  }
  get size(): number {
    return this.#items.length - this.#head;
  }
  drain(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

/**
 * The admission gate. One per supervisor; see the policy above.
 *
 * @example
 * ```ts
 * const gate = new AdmissionGate({ startsPerSecond: 10 }, systemClock);
 * const ticket = await gate.enter('acct-1', { signal });
 * try { await login(); } finally { ticket.release(); }
 * ```
 */
export class AdmissionGate {
  readonly #clock: Clock;
  #limits: ResolvedAdmission;
  readonly #base: ResolvedAdmission;
  readonly #priority = new Fifo<Waiter>();
  readonly #normal = new Fifo<Waiter>();
  /** When tickets were released, oldest first; only the last second's are kept (see #inWindow). */
  readonly #released = new Fifo<number>();
  /** The pace: the earliest time of the next start; see #readyAt. */
  #tat: number;
  #starting = 0;
  #waiting = 0;
  #admittedTotal = 0;
  #droppedTotal = 0;
  #timer: { handle: TimerHandle; at: number } | undefined;
  #closed = false;

  constructor(options: AdmissionOptions, clock: Clock) {
    this.#clock = clock;
    this.#base = resolveAdmission(options);
    this.#limits = this.#base;
    this.#tat = clock.now();
  }

  /**
   * Waits for this start's turn. Resolves with a ticket to release once the task is `running`
   * (or ended); rejects with {@link AdmissionCancelledError} if `signal` aborts first or the gate
   * closes.
   */
  enter(accountId: string, opts: { priority?: boolean; signal?: AbortSignal } = {}): Promise<AdmissionTicket> {
    if (this.#closed) return Promise.reject(new AdmissionCancelledError(accountId, 'shutdown'));
    if (opts.signal?.aborted) return Promise.reject(new AdmissionCancelledError(accountId, 'cancelled'));
    return new Promise<AdmissionTicket>((resolve, reject) => {
      const waiter: Waiter = { accountId, resolve, reject, live: true, detach: undefined };
      const signal = opts.signal;
      if (signal) {
        const onAbort = () => this.#drop(waiter, 'cancelled');
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      (opts.priority ? this.#priority : this.#normal).push(waiter);
      this.#waiting += 1;
      this.#pump();
    });
  }

  /**
   * Takes a turn now if one is free and nobody is waiting (so first come, first served holds);
   * otherwise `undefined`, and the caller waits with {@link enter}. Lets a start that is not
   * throttled begin synchronously, as it would without admission control: a command then answers
   * with the new incarnation already spawned.
   */
  tryEnter(): AdmissionTicket | undefined {
    if (this.#closed || this.#waiting > 0 || this.#starting >= this.#limits.maxStarting) return undefined;
    const now = this.#clock.now();
    if (this.#readyAt(now) > now) return undefined;
    return this.#grant(now);
  }

  /**
   * Scales the limits to a share of the fleet-wide ones: in cluster mode each of `nodes` live
   * nodes admits `1/nodes` of the rate, the burst and the starting limit (at least 1 each).
   */
  shareAmong(nodes: number): void {
    const n = Math.max(1, Math.floor(nodes));
    const { startsPerSecond, burst, maxStarting, holdUntil } = this.#base;
    this.#limits = {
      holdUntil,
      startsPerSecond: startsPerSecond / n,
      burst: Math.max(1, Math.floor(burst / n)),
      maxStarting: maxStarting === Number.POSITIVE_INFINITY ? maxStarting : Math.max(1, Math.floor(maxStarting / n)),
    };
    this.#pump();
  }

  /** Drops every waiting start (each rejects with reason `shutdown`) and refuses new ones. Returns the dropped ids. */
  close(): string[] {
    this.#closed = true;
    this.#disarm();
    const dropped: string[] = [];
    for (const waiter of [...this.#priority.drain(), ...this.#normal.drain()]) {
      if (!waiter.live) continue;
      dropped.push(waiter.accountId);
      this.#drop(waiter, 'shutdown');
    }
    return dropped;
  }

  /** When a start is over and releases its ticket: see {@link AdmissionOptions}. */
  get holdUntil(): 'running' | 'ready' {
    return this.#limits.holdUntil;
  }

  stats(): AdmissionStats {
    return { waiting: this.#waiting, starting: this.#starting, admittedTotal: this.#admittedTotal, droppedTotal: this.#droppedTotal };
  }

  #drop(waiter: Waiter, why: 'cancelled' | 'shutdown'): void {
    if (!waiter.live) return;
    waiter.live = false;
    waiter.detach?.();
    this.#waiting -= 1;
    this.#droppedTotal += 1;
    waiter.reject(new AdmissionCancelledError(waiter.accountId, why));
    // The next live waiter may be admissible now that this one left the head of a queue.
    if (why === 'cancelled') this.#pump();
  }

  #next(): Waiter | undefined {
    for (const queue of [this.#priority, this.#normal]) {
      while (queue.size > 0 && !queue.peek()!.live) queue.shift();
      if (queue.size > 0) return queue.peek();
    }
    return undefined;
  }

  #pump(): void {
    if (this.#closed) return;
    for (;;) {
      const waiter = this.#next();
      if (!waiter) return this.#disarm();
      if (this.#starting >= this.#limits.maxStarting) return this.#disarm(); // a release pumps again
      const now = this.#clock.now();
      const readyAt = this.#readyAt(now);
      if (readyAt === Number.POSITIVE_INFINITY) return this.#disarm(); // a release pumps again
      if (readyAt > now) return this.#arm(readyAt, now);
      this.#admit(waiter, now);
    }
  }

  /**
   * The earliest time a start may be admitted: its place in the pace (one start every
   * 1/startsPerSecond, `tat` being the next free place), and room in the one-second window;
   * `Infinity` when only a release can make room (a release pumps).
   *
   * The window holds every start admitted and not yet released, plus those released within the
   * last second, and admits only while that is below `burst`. Then any one-second window of what
   * starts do between admission and release (a login) holds at most `burst` of them: take the
   * last one admitted; when it was, each of the others was either still held or released less
   * than a second before, so it was counted. A window of admission times alone did not promise
   * that at the platform, which sees each login a connect time later: measured with 10,000 real
   * sessions at 500/s (bench/admission.ts), a token bucket let 1,000 registrations land within
   * one second for a burst of 500, tokens frozen while the window was full 665, and pacing with a
   * window of admissions 611.
   */
  #readyAt(now: number): number {
    const paced = Math.ceil(this.#tat);
    const over = this.#starting + this.#inWindow(now) - this.#limits.burst;
    if (over < 0) return Math.max(now, paced);
    // `over + 1` released starts must leave the window first; if fewer are in it, wait for a release.
    const leaving = this.#released.at(over);
    return leaving === undefined ? Number.POSITIVE_INFINITY : Math.max(leaving + 1000, paced);
  }

  /** How many releases are within the last second (a release at `now - 1000` has left it). */
  #inWindow(now: number): number {
    while (this.#released.size > 0 && this.#released.peek()! <= now - 1000) this.#released.shift();
    return this.#released.size;
  }

  #admit(waiter: Waiter, now: number): void {
    (this.#priority.peek() === waiter ? this.#priority : this.#normal).shift();
    waiter.live = false;
    waiter.detach?.();
    this.#waiting -= 1;
    waiter.resolve(this.#grant(now));
  }

  /** Takes a place in the pace and in the window, and hands out the ticket that holds a starting place. */
  #grant(now: number): AdmissionTicket {
    // A timer that fired late (a busy event loop) may catch up the places it missed, but only
    // CATCH_UP_MS worth: more would be a burst after an idle spell.
    this.#tat = Math.max(this.#tat, now - CATCH_UP_MS) + 1000 / this.#limits.startsPerSecond;
    this.#starting += 1;
    this.#admittedTotal += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#starting -= 1;
        this.#released.push(this.#clock.now());
        this.#pump();
      },
    };
  }

  #arm(at: number, now: number): void {
    if (this.#timer && this.#timer.at <= at) return;
    this.#disarm();
    const handle = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, at - now);
    this.#timer = { handle, at };
  }

  #disarm(): void {
    if (!this.#timer) return;
    this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }
}
