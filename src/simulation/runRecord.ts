/**
 * A simulation run's observations as plain data, and how the records of a fleet simulated in parts
 * merge into the record of the whole.
 *
 * Parts hold disjoint sets of accounts, indexed by their place in the whole fleet, and share the
 * platform's schedule, so the per-account fields merge by account and the per-second ones add up.
 * The one series that does not add up second by second is the fewest sessions connected in each
 * second, a minimum over moments: each part keeps the number connected after every millisecond in
 * which it changed, and the merge replays the parts' series together.
 */
import { TraceHash } from './traceHash.js';
import type { Decision, Suspension } from './recorder.js';

/** One outage as a run saw it. */
export interface OutageLog {
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** Accounts (by index) whose live session it ended, and when each was connected again. */
  dropped: Map<number, number | undefined>;
}

/** What a {@link Recorder} observed, as plain (structured-cloneable) data. */
export interface RunRecord {
  /** The hash of the run's own steps (outage edges, root states, harness commands). */
  run: { digest: string; steps: number };
  /** Each account's own hash, by account index; `undefined` for an account with no step here. */
  accountTraces: ({ digest: string; steps: number } | undefined)[];
  /** Restarts scheduled, by account index. */
  restarts: Uint32Array;
  suspensions: (Suspension & { index: number })[];
  /** Each account's decisions, by account index, when they were kept. */
  decisions: Decision[][] | undefined;
  /** Connect attempts after an account's first one, per second of the run. */
  reconnects: Uint32Array;
  /** Sessions connected after each millisecond in which the number changed (ascending times). */
  connected: { at: number[]; count: number[] };
  outages: OutageLog[];
  /** Accounts whose task ended with its worker still alive (it ignored cancellation). */
  leaked: string[];
  escalation: { accountId: string; atMs: number } | undefined;
}

/** The merged record of a whole fleet, ready for `buildReport()`. */
export interface FleetRun {
  trace: string;
  steps: number;
  restarts: Uint32Array;
  /** In time order, ties by account index. */
  suspensions: (Suspension & { index: number })[];
  decisions: Decision[][] | undefined;
  reconnects: Uint32Array;
  /** The fewest sessions connected at any moment of each second of the run. */
  connectedMin: Int32Array;
  outages: OutageLog[];
  leaked: string[];
  escalation: { accountId: string; atMs: number } | null;
}

/**
 * Merges the records of the parts of one fleet (a single record is a fleet of one part). The
 * run's own steps are the same in every part (same schedule); the first part's are used.
 *
 * @example
 * ```ts
 * const run = mergeRuns([recorder.record()], accountIds);
 * run.trace; // '3f9c…'
 * ```
 */
export function mergeRuns(parts: readonly RunRecord[], accountIds: readonly string[]): FleetRun {
  const first = parts[0];
  if (!first) throw new Error('mergeRuns() needs at least one record');
  const n = accountIds.length;
  const trace = new TraceHash();
  trace.add(first.run.digest);
  let steps = first.run.steps;
  const restarts = new Uint32Array(n);
  const reconnects = new Uint32Array(first.reconnects.length);
  const decisions = first.decisions ? accountIds.map((): Decision[] => []) : undefined;
  for (let i = 0; i < n; i++) {
    for (const part of parts) {
      const own = part.accountTraces[i];
      if (own) {
        trace.add(accountIds[i], own.digest);
        steps += own.steps;
      }
      restarts[i]! += part.restarts[i]!;
      const kept = part.decisions?.[i];
      if (decisions && kept && kept.length > 0) decisions[i] = kept;
    }
  }
  for (const part of parts) for (let s = 0; s < reconnects.length; s++) reconnects[s]! += part.reconnects[s]!;
  const suspensions = parts.flatMap((p) => p.suspensions).sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  const outages = first.outages.map((o, k): OutageLog => ({
    startedAt: o.startedAt,
    endedAt: o.endedAt,
    dropped: new Map(parts.flatMap((p) => [...p.outages[k]!.dropped]).sort((a, b) => a[0] - b[0])),
  }));
  const escalations = parts.flatMap((p) => (p.escalation ? [p.escalation] : [])).sort((a, b) => a.atMs - b.atMs);
  return {
    trace: trace.digest(),
    steps,
    restarts,
    suspensions,
    decisions,
    reconnects,
    connectedMin: connectedMin(parts.map((p) => p.connected), reconnects.length),
    outages,
    leaked: [...new Set(parts.flatMap((p) => p.leaked))].sort(),
    escalation: escalations[0] ?? null,
  };
}

/** Replays the parts' connected series together: the fleet's fewest connected in each second. */
function connectedMin(series: readonly { at: number[]; count: number[] }[], seconds: number): Int32Array {
  const min = new Int32Array(seconds);
  const next = series.map(() => 0);
  const current = series.map(() => 0);
  let total = 0;
  let filled = 0; // seconds up to here hold their minimum so far; second 0 starts with none connected
  for (;;) {
    let at = Infinity;
    for (let p = 0; p < series.length; p++) {
      const i = next[p]!;
      if (i < series[p]!.at.length && series[p]!.at[i]! < at) at = series[p]!.at[i]!;
    }
    if (at === Infinity) break;
    const second = Math.floor(at / 1000);
    // Seconds with no change hold the number of the last one.
    while (filled < second && filled < seconds - 1) min[++filled] = total;
    for (let p = 0; p < series.length; p++) {
      const i = next[p]!;
      if (i < series[p]!.at.length && series[p]!.at[i] === at) {
        total += series[p]!.count[i]! - current[p]!;
        current[p] = series[p]!.count[i]!;
        next[p] = i + 1;
      }
    }
    if (second < seconds && total < min[second]!) min[second] = total;
  }
  while (filled < seconds - 1) min[++filled] = total;
  return min;
}
