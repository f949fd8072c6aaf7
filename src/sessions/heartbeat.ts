/**
 * Two-layer keep-alive: a WebSocket ping (answered by the peer's WebSocket stack) and an
 * application `heartbeat` frame (answered by the platform's code). A half-open TCP connection
 * gives neither answer, and the OS may not notice for minutes, so this is what detects it.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock/clock.js';

/** What {@link Heartbeat} needs from its session. @example `{ intervalMs: 15_000, timeoutMs: 10_000, probe, onTimeout, onAlive }` */
export interface HeartbeatHooks {
  intervalMs: number;
  timeoutMs: number;
  /** Where the probe and deadline timers run. Default: real time. */
  clock?: Clock;
  /** Sends one ping and one `heartbeat` frame carrying `seq`. */
  probe(seq: number): void;
  /** A probe stayed unanswered for `timeoutMs`; the session must terminate. Called at most once. */
  onTimeout(missing: 'pong' | 'ack' | 'pong and ack'): void;
  /** Both answers of the latest probe arrived. */
  onAlive(at: number): void;
}

/**
 * Sends a probe every `intervalMs`; when a probe's pong or ack is still missing `timeoutMs`
 * after it was sent, calls `onTimeout`. Detection time of a dead link ≤ intervalMs + timeoutMs.
 *
 * @example
 * ```ts
 * const hb = new Heartbeat({ intervalMs: 15_000, timeoutMs: 10_000, probe, onTimeout, onAlive });
 * hb.start(); ws.on('pong', () => hb.pong()); // … and hb.ack(seq) on heartbeat_ack; hb.stop() at the end
 * ```
 */
export class Heartbeat {
  private seq = 0;
  private awaitingPong = false;
  private awaitingAck: number | undefined;
  private ticker: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private stopped = false;
  private readonly clock: Clock;

  constructor(private readonly hooks: HeartbeatHooks) {
    this.clock = hooks.clock ?? systemClock;
  }

  /** Starts the periodic probes. */
  start(): void {
    if (this.stopped || this.ticker !== undefined) return;
    this.schedule();
  }

  /** A pong arrived. */
  pong(): void {
    this.awaitingPong = false;
    this.settleIfAnswered();
  }

  /** A `heartbeat_ack` arrived; acks of older probes count too (the link is evidently alive). */
  ack(seq: number): void {
    if (this.awaitingAck !== undefined && seq >= this.awaitingAck) this.awaitingAck = undefined;
    this.settleIfAnswered();
  }

  /** Stops both timers; idempotent, final. */
  stop(): void {
    this.stopped = true;
    this.clear(this.ticker);
    this.clear(this.deadline);
    this.ticker = undefined;
    this.deadline = undefined;
  }

  // A clock has no interval timer: each tick schedules the next, before probing, so a probe that
  // throws does not end the series.
  private schedule(): void {
    this.ticker = this.clock.setTimeout(() => this.tick(), this.hooks.intervalMs);
  }

  private clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.clock.clearTimeout(handle);
  }

  private tick(): void {
    if (this.stopped) return;
    this.schedule();
    this.seq += 1;
    this.awaitingPong = true;
    this.awaitingAck = this.seq;
    // The deadline runs from the oldest unanswered probe: later probes must not push it back.
    this.deadline ??= this.clock.setTimeout(() => this.expire(), this.hooks.timeoutMs);
    this.hooks.probe(this.seq);
  }

  private settleIfAnswered(): void {
    if (this.stopped || this.awaitingPong || this.awaitingAck !== undefined) return;
    this.clear(this.deadline);
    this.deadline = undefined;
    this.hooks.onAlive(this.clock.now());
  }

  private expire(): void {
    const missing = this.awaitingPong && this.awaitingAck !== undefined ? 'pong and ack' : this.awaitingPong ? 'pong' : 'ack';
    this.stop();
    this.hooks.onTimeout(missing);
  }
}
