/**
 * What a simulation run observes: the trace hash, every supervision decision per account, the
 * connected sessions and reconnects per second, and what happened around each outage. It listens
 * to the supervisor through its flight recorder (`history.onEntry`: every task transition, decision,
 * command and error of every account), to the root machine's lifecycle, and to the simulated
 * platform through its observer.
 *
 * Not through XState's `inspect`: with an inspection observer, XState builds an event object for
 * every actor, event, action and snapshot of every task (about 30 per restart cycle, 4 of which the
 * trace used) and the supervisor relays the task ones under the root. Measured 2026-12-04, 1,000
 * accounts × 24 h of the README scenario, alternating runs: 6.3–6.7 s wall with the inspector
 * observer, 5.6–5.7 s without it. The flight recorder makes its entries either way.
 */
import type { HistoryEntry } from '../history/historyEntry.js';
import type { PlatformObserver } from './platform.js';
import { TraceHash } from './traceHash.js';

/** One supervision decision about one account, as the root machine took it. */
export type Decision =
  | { atMs: number; type: 'RESTART_SCHEDULED'; incarnation: number; delayMs: number; attempt: number }
  | { atMs: number; type: 'SUSPENDED'; incarnation: number; cause: 'intensity' | 'nonRetryable'; code: string | undefined }
  | { atMs: number; type: 'ESCALATED' | 'TASK_FINISHED'; incarnation: number };

/** A suspension, as recorded. */
export interface Suspension {
  accountId: string;
  atMs: number;
  cause: 'intensity' | 'nonRetryable';
  code: string | undefined;
}

interface OutageLog {
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** Accounts whose live session it ended, and when each was connected again. */
  dropped: Map<number, number | undefined>;
}

/** Collects a run's observations. One per run. */
export class Recorder {
  readonly trace = new TraceHash();
  readonly restarts: Uint32Array;
  readonly suspensions: Suspension[] = [];
  readonly decisions: Decision[][] | undefined;
  /** Connect attempts after an account's first one, per second of the run. */
  readonly reconnects: Uint32Array;
  /** The fewest sessions connected at any moment of each second of the run. */
  readonly connectedMin: Int32Array;
  readonly outages: OutageLog[];
  /** Accounts whose task ended with its worker still alive (it ignored cancellation). */
  readonly leakedAccounts = new Set<string>();
  escalation: { accountId: string; atMs: number } | undefined;
  readonly #index: Map<string, number>;
  readonly #now: () => number;
  #connected = 0;
  #filledSecond = 0;
  #rootState = '';

  constructor(options: { accountIds: readonly string[]; durationMs: number; outages: number; now: () => number; keepDecisions: boolean }) {
    this.#now = options.now;
    this.#index = new Map(options.accountIds.map((id, i) => [id, i]));
    this.restarts = new Uint32Array(options.accountIds.length);
    this.decisions = options.keepDecisions ? options.accountIds.map(() => []) : undefined;
    const seconds = Math.max(1, Math.ceil(options.durationMs / 1000));
    this.reconnects = new Uint32Array(seconds);
    this.connectedMin = new Int32Array(seconds);
    this.outages = Array.from({ length: options.outages }, () => ({ startedAt: undefined, endedAt: undefined, dropped: new Map() }));
  }

  /**
   * The supervisor's `history.onEntry` listener: every entry goes into the trace, decisions are
   * counted and kept, and a task that reached `cleaned` because its cancel deadline passed counts
   * as leaked.
   */
  readonly entry = (accountId: string, e: HistoryEntry): void => {
    const at = e.at;
    switch (e.kind) {
      case 'transition':
        this.trace.add(at, accountId, e.incarnation, e.event, e.to);
        // The event name `taskTransitionEvent()` gives a forced end (src/machines/taskTransitionEvent.ts).
        if (e.to === 'cleaned' && e.event === 'after cancelTimeout') this.leakedAccounts.add(accountId);
        return;
      case 'restartScheduled':
        this.trace.add(at, accountId, 'RESTART_SCHEDULED', e.incarnation, e.delayMs, e.attempt);
        return this.#decision(accountId, { atMs: at, type: 'RESTART_SCHEDULED', incarnation: e.incarnation, delayMs: e.delayMs, attempt: e.attempt });
      case 'suspended': {
        const code = e.error?.code;
        this.trace.add(at, accountId, 'SUSPENDED', e.incarnation, e.cause, code);
        this.suspensions.push({ accountId, atMs: at, cause: e.cause, code });
        return this.#decision(accountId, { atMs: at, type: 'SUSPENDED', incarnation: e.incarnation, cause: e.cause, code });
      }
      case 'escalated':
        this.trace.add(at, accountId, 'ESCALATED', e.incarnation);
        this.escalation ??= { accountId, atMs: at };
        return this.#decision(accountId, { atMs: at, type: 'ESCALATED', incarnation: e.incarnation });
      case 'finished':
        this.trace.add(at, accountId, 'TASK_FINISHED', e.incarnation, e.reason);
        return this.#decision(accountId, { atMs: at, type: 'TASK_FINISHED', incarnation: e.incarnation });
      case 'command':
        this.trace.add(at, accountId, 'command', e.command, e.outcome, e.error?.code);
        return;
      case 'error':
        this.trace.add(at, accountId, 'error', e.incarnation, e.code, e.message);
        return;
    }
  };

  /** The root machine's lifecycle: call with each of its snapshots' `value`; a change goes into the trace. */
  rootState(value: unknown): void {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    if (shown === this.#rootState) return;
    this.#rootState = shown;
    this.trace.add(this.#now(), 'root', shown);
  }

  /** Adds a harness command (add, remove, restart…) to the trace. */
  command(name: string, ...args: (string | number | undefined)[]): void {
    this.trace.add(this.#now(), 'command', name, ...args);
  }

  /** The platform's observer. */
  readonly platform: PlatformObserver = {
    connectAttempt: (index, first) => {
      if (first) return;
      const second = this.#second();
      if (second < this.reconnects.length) this.reconnects[second]! += 1;
    },
    connectedChanged: (index, connected, up) => {
      this.#fill();
      this.#connected = connected;
      const second = this.#second();
      if (second < this.connectedMin.length && connected < this.connectedMin[second]!) this.connectedMin[second] = connected;
      if (!up) return;
      for (const outage of this.outages) {
        if (outage.endedAt !== undefined && outage.dropped.has(index) && outage.dropped.get(index) === undefined) outage.dropped.set(index, this.#now());
      }
    },
    outage: (k, phase, dropped) => {
      const log = this.outages[k]!;
      const now = this.#now();
      if (phase === 'start') {
        log.startedAt = now;
        for (const index of dropped) log.dropped.set(index, undefined);
        this.trace.add(now, 'platform', 'outage-start', k, dropped.length);
      } else {
        log.endedAt = now;
        this.trace.add(now, 'platform', 'outage-end', k);
      }
    },
  };

  /** Fills the per-second series up to the end of the run. */
  finish(): void {
    this.#fill(this.connectedMin.length - 1);
  }

  /** The index of an account id. */
  indexOf(accountId: string): number | undefined {
    return this.#index.get(accountId);
  }

  #decision(accountId: string, decision: Decision): void {
    const index = this.#index.get(accountId);
    if (index === undefined) return;
    if (decision.type === 'RESTART_SCHEDULED') this.restarts[index]! += 1;
    this.decisions?.[index]!.push(decision);
  }

  #second(): number {
    return Math.floor(this.#now() / 1000);
  }

  // Seconds in which nothing changed hold the count of the last change.
  #fill(upTo = this.#second()): void {
    const last = Math.min(upTo, this.connectedMin.length - 1);
    while (this.#filledSecond < last) {
      this.#filledSecond += 1;
      this.connectedMin[this.#filledSecond] = this.#connected;
    }
  }
}
