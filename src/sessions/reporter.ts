/**
 * Throttles `report()` so a chatty session does not flood the status board: state changes
 * (connect, disconnect, heartbeat) go out at once, counter changes at most once per `throttleMs`.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock/clock.js';

/** The live details a session reports. @example `{ connected: true, messagesIn: 3, … }` */
export interface SessionDetails {
  connected: boolean;
  connectedAt?: number;
  lastHeartbeatAt?: number;
  sessionId?: string;
  messagesIn: number;
  messagesOut: number;
  repliesDropped: number;
}

/**
 * Owns at most one timer (a pending throttled report), cleared by `stop()`.
 *
 * @example
 * ```ts
 * const r = new ThrottledReporter(ctx.report, 1_000);
 * r.details.messagesIn += 1; r.countersChanged();
 * r.now(); // on connect
 * r.stop(); // at the end: flushes nothing, clears the timer
 * ```
 */
export class ThrottledReporter {
  readonly details: SessionDetails = { connected: false, messagesIn: 0, messagesOut: 0, repliesDropped: 0 };
  private lastAt = -Infinity;
  private pending: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly report: (details: Record<string, unknown>) => void,
    private readonly throttleMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  private clearPending(): void {
    if (this.pending !== undefined) this.clock.clearTimeout(this.pending);
    this.pending = undefined;
  }

  /** Reports the current details at once (for state changes). */
  now(): void {
    this.clearPending();
    this.lastAt = this.clock.now();
    try {
      // Copy: the board must not see later mutations of our object.
      this.report({ ...this.details });
    } catch {
      // A failing status sink must not take the session down; the next report may succeed.
    }
  }

  /** Counters changed: report now if the last report is old enough, else once the throttle allows. */
  countersChanged(): void {
    if (this.stopped || this.pending) return;
    const wait = this.lastAt + this.throttleMs - this.clock.now();
    if (wait <= 0) this.now();
    else this.pending = this.clock.setTimeout(() => this.now(), wait);
  }

  /** Clears the pending timer; later `countersChanged()` calls do nothing. `now()` still works. */
  stop(): void {
    this.stopped = true;
    this.clearPending();
  }
}
