/**
 * What a simulation run observes: the trace hash, every supervision decision per account, the
 * connected sessions and reconnects per second, and what happened around each outage. It listens
 * to the supervisor through its flight recorder (`history.onEntry`: every task transition, decision,
 * command and error of every account), to the root machine's lifecycle, and to the simulated
 * platform through its observer. At the end it gives a {@link RunRecord}: plain data, so that the
 * records of a fleet simulated in parts (`shards.ts`) merge into the record of the whole.
 *
 * Not through XState's `inspect`: with an inspection observer, XState builds an event object for
 * every actor, event, action and snapshot of every task (about 30 per restart cycle, 4 of which the
 * trace used) and the supervisor relays the task ones under the root. Measured 2026-12-04, 1,000
 * accounts × 24 h of the README scenario, alternating runs: 6.3–6.7 s wall with the inspector
 * observer, 5.6–5.7 s without it. The flight recorder makes its entries either way.
 *
 * Each account's steps go into a hash of their own, and the run's trace combines them in account
 * order with the run's own steps (outage edges, the root's states, harness commands): what happens
 * to one account is hashed the same however its events interleave with other accounts' events, so
 * a fleet run in parts has the trace of the fleet run whole.
 */
import type { HistoryEntry } from '../history/historyEntry.js';
import type { PlatformObserver } from './platform.js';
import type { RunRecord } from './runRecord.js';
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

/** Collects a run's observations. One per run. */
export class Recorder {
  /** The run's own steps: outage edges, the root machine's states, harness commands. */
  readonly trace = new TraceHash();
  readonly #accountTraces: (TraceHash | undefined)[];
  readonly #restarts: Uint32Array;
  readonly #suspensions: Suspension[] = [];
  readonly #decisions: Decision[][] | undefined;
  readonly #reconnects: Uint32Array;
  readonly #outages: RunRecord['outages'];
  readonly #leaked = new Set<string>();
  #escalation: { accountId: string; atMs: number } | undefined;
  readonly #index: Map<string, number>;
  readonly #now: () => number;
  /** Connected sessions after each millisecond in which the number changed. */
  readonly #connectedAt: number[] = [];
  readonly #connectedCount: number[] = [];
  #rootState = '';

  constructor(options: { accountIds: readonly string[]; durationMs: number; outages: number; now: () => number; keepDecisions: boolean }) {
    const n = options.accountIds.length;
    this.#now = options.now;
    this.#index = new Map(options.accountIds.map((id, i) => [id, i]));
    this.#accountTraces = new Array<TraceHash | undefined>(n).fill(undefined);
    this.#restarts = new Uint32Array(n);
    this.#decisions = options.keepDecisions ? options.accountIds.map(() => []) : undefined;
    this.#reconnects = new Uint32Array(Math.max(1, Math.ceil(options.durationMs / 1000)));
    this.#outages = Array.from({ length: options.outages }, () => ({ startedAt: undefined, endedAt: undefined, dropped: new Map() }));
  }

  /**
   * The supervisor's `history.onEntry` listener: every entry goes into its account's trace,
   * decisions are counted and kept, and a task that reached `cleaned` because its cancel deadline
   * passed counts as leaked.
   */
  readonly entry = (accountId: string, e: HistoryEntry): void => {
    const index = this.#index.get(accountId);
    if (index === undefined) return;
    const trace = (this.#accountTraces[index] ??= new TraceHash());
    const at = e.at;
    switch (e.kind) {
      case 'transition':
        trace.add(at, e.incarnation, e.event, e.to);
        // The event name `taskTransitionEvent()` gives a forced end (src/machines/taskTransitionEvent.ts).
        if (e.to === 'cleaned' && e.event === 'after cancelTimeout') this.#leaked.add(accountId);
        return;
      case 'restartScheduled':
        trace.add(at, 'RESTART_SCHEDULED', e.incarnation, e.delayMs, e.attempt);
        this.#restarts[index]! += 1;
        return this.#keep(index, { atMs: at, type: 'RESTART_SCHEDULED', incarnation: e.incarnation, delayMs: e.delayMs, attempt: e.attempt });
      case 'suspended': {
        const code = e.error?.code;
        trace.add(at, 'SUSPENDED', e.incarnation, e.cause, code);
        this.#suspensions.push({ accountId, atMs: at, cause: e.cause, code });
        return this.#keep(index, { atMs: at, type: 'SUSPENDED', incarnation: e.incarnation, cause: e.cause, code });
      }
      case 'escalated':
        trace.add(at, 'ESCALATED', e.incarnation);
        this.#escalation ??= { accountId, atMs: at };
        return this.#keep(index, { atMs: at, type: 'ESCALATED', incarnation: e.incarnation });
      case 'finished':
        trace.add(at, 'TASK_FINISHED', e.incarnation, e.reason);
        return this.#keep(index, { atMs: at, type: 'TASK_FINISHED', incarnation: e.incarnation });
      case 'command':
        trace.add(at, 'command', e.command, e.outcome, e.error?.code);
        return;
      case 'error':
        trace.add(at, 'error', e.incarnation, e.code, e.message);
        return;
    }
  };

  /**
   * The root machine's lifecycle: call with each of its snapshots' `value`; a change goes into the
   * trace, without its time (the last state, `stopped`, comes when the slowest account of a part
   * has cleaned up, which is not the same moment for a part as for the whole fleet).
   */
  rootState(value: unknown): void {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    if (shown === this.#rootState) return;
    this.#rootState = shown;
    this.trace.add('root', shown);
  }

  /** Adds a harness command (add, remove, restart…) to the trace. */
  command(name: string, ...args: (string | number | undefined)[]): void {
    this.trace.add(this.#now(), 'command', name, ...args);
  }

  /** The platform's observer. */
  readonly platform: PlatformObserver = {
    connectAttempt: (index, first) => {
      if (first) return;
      const second = Math.floor(this.#now() / 1000);
      if (second < this.#reconnects.length) this.#reconnects[second]! += 1;
    },
    connectedChanged: (index, connected, up) => {
      const now = this.#now();
      const last = this.#connectedAt.length - 1;
      // Several changes in one millisecond count as one: which of them came first is only the
      // order the event loop ran them in, not something the platform did.
      if (last >= 0 && this.#connectedAt[last] === now) this.#connectedCount[last] = connected;
      else {
        this.#connectedAt.push(now);
        this.#connectedCount.push(connected);
      }
      if (!up) return;
      for (const outage of this.#outages) {
        if (outage.endedAt !== undefined && outage.dropped.has(index) && outage.dropped.get(index) === undefined) outage.dropped.set(index, now);
      }
    },
    outage: (k, phase, dropped) => {
      const log = this.#outages[k]!;
      const now = this.#now();
      if (phase === 'start') {
        log.startedAt = now;
        for (const index of dropped) log.dropped.set(index, undefined);
        this.trace.add(now, 'platform', 'outage-start', k);
      } else {
        log.endedAt = now;
        this.trace.add(now, 'platform', 'outage-end', k);
      }
    },
  };

  #keep(index: number, decision: Decision): void {
    this.#decisions?.[index]!.push(decision);
  }

  /** The run's observations as plain data (call once, at the end). */
  record(): RunRecord {
    const accountTraces = this.#accountTraces.map((t) => (t ? { digest: t.digest(), steps: t.steps } : undefined));
    return {
      run: { digest: this.trace.digest(), steps: this.trace.steps },
      accountTraces,
      restarts: this.#restarts,
      suspensions: this.#suspensions.map((s) => ({ ...s, index: this.#index.get(s.accountId)! })),
      decisions: this.#decisions,
      reconnects: this.#reconnects,
      connected: { at: this.#connectedAt, count: this.#connectedCount },
      outages: this.#outages,
      leaked: [...this.#leaked],
      escalation: this.#escalation,
    };
  }
}
