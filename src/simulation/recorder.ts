/**
 * What a simulation run observes: the trace hash, every supervision decision per account, the
 * connected sessions and reconnects per second, and what happened around each outage. It listens
 * to the supervisor through its XState `inspect` option (every microstep of the root and of every
 * account task) and to the simulated platform through its observer.
 */
import type { InspectionEvent } from 'xstate';
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

interface RootStep {
  type: string;
  accountId?: string;
  incarnation?: number;
  delayMs?: number;
  attempt?: number;
  cause?: 'intensity' | 'nonRetryable';
  error?: { code?: string };
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

  /** The supervisor's `inspect` observer. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    const snapshot = event.snapshot as unknown as { value: unknown; context: { accountId?: string; incarnation?: number; forced?: boolean } };
    const value = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
    const now = this.#now();
    const { accountId, incarnation } = snapshot.context;
    if (accountId !== undefined) {
      // An account task's transition.
      this.trace.add(now, accountId, incarnation, event.event.type, value);
      if (value === 'cleaned' && snapshot.context.forced) this.leakedAccounts.add(accountId);
      return;
    }
    const step = event.event as RootStep;
    this.trace.add(now, 'root', step.type, step.accountId, step.incarnation, step.delayMs, step.attempt, step.cause, value);
    this.#decision(now, step);
  };

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

  #decision(now: number, step: RootStep): void {
    if (step.accountId === undefined) return;
    const index = this.#index.get(step.accountId);
    if (index === undefined) return;
    const incarnation = step.incarnation ?? 0;
    let decision: Decision | undefined;
    switch (step.type) {
      case 'RESTART_SCHEDULED':
        this.restarts[index]! += 1;
        decision = { atMs: now, type: 'RESTART_SCHEDULED', incarnation, delayMs: step.delayMs ?? 0, attempt: step.attempt ?? 0 };
        break;
      case 'SUSPENDED': {
        const cause = step.cause ?? 'intensity';
        const code = step.error?.code;
        this.suspensions.push({ accountId: step.accountId, atMs: now, cause, code });
        decision = { atMs: now, type: 'SUSPENDED', incarnation, cause, code };
        break;
      }
      case 'ESCALATED':
        this.escalation ??= { accountId: step.accountId, atMs: now };
        decision = { atMs: now, type: 'ESCALATED', incarnation };
        break;
      case 'TASK_FINISHED':
        decision = { atMs: now, type: 'TASK_FINISHED', incarnation };
        break;
    }
    if (decision) this.decisions?.[index]!.push(decision);
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
