/**
 * The answer of a simulation run, in numbers a person (or `--json`) can act on: restarts per
 * account, who was suspended when and why, how each outage went, leaks, and a timeline for a chart.
 */
import type { RestartPolicy } from '../supervision/restartPolicy.js';
import type { PlatformModel } from './platform.js';
import type { Decision } from './recorder.js';
import type { FleetRun } from './runRecord.js';

/** How one outage went. Times are milliseconds from the start of the run. */
export interface OutageReport {
  atMs: number;
  durationMs: number;
  share: number;
  /** Sessions the outage ended (accounts connected when it began and hit by it). */
  dropped: number;
  /** The most connect attempts in one second from the outage's end to the next outage (or the end of the run), and when. */
  peakReconnectsPerSecond: number;
  peakAtMs: number;
  /** The most connect attempts in one second while it lasted. */
  peakReconnectsPerSecondDuring: number;
  /** Dropped accounts connected again by the end of the run. */
  back: number;
  /** Dropped accounts suspended before they were connected again. */
  suspended: number;
  /** From the outage's end until the last dropped account that was not suspended was connected again; `null` if one never was, or none was. */
  allBackAfterMs: number | null;
}

/** Suspensions of one cause, error code and outage. */
export interface SuspensionGroup {
  cause: 'intensity' | 'nonRetryable';
  code: string | null;
  /** Index of the outage during which (or within one intensity window after which) they happened; `null`: outside outages. */
  outage: number | null;
  count: number;
  firstAtMs: number;
  lastAtMs: number;
}

/** Everything `simulateFleet()` returns. */
export interface FleetReport {
  seed: number;
  accounts: number;
  durationMs: number;
  policy: RestartPolicy;
  platform: PlatformModel;
  /** Hash over every transition, decision and command of the run (16 hex digits); the same inputs give the same hash. */
  trace: string;
  /** Steps hashed into `trace`. */
  steps: number;
  /** Restarts per account (nearest-rank percentiles). */
  restarts: { total: number; median: number; p99: number; max: number };
  suspended: { total: number; groups: SuspensionGroup[] };
  outages: OutageReport[];
  /** Accounts with a worker that ignored cancellation past `cancelTimeoutMs`, during the run or at its final shutdown. */
  leaked: number;
  /** Set when an account exceeded its intensity under `onIntensityExceeded: 'escalate'` and the supervisor shut itself down. */
  escalated: { accountId: string; atMs: number } | null;
  /** Connected sessions (fewest in each bucket) and reconnects per second (most in each bucket) over the run. */
  timeline: { bucketMs: number; connected: number[]; reconnectsPerSecond: number[] };
  /** Each account's decisions, when `keepDecisions` was set. */
  decisions?: Record<string, Decision[]>;
  /** Worker threads the fleet was simulated on (`threads`); the rest of the report is the same for any number. */
  threads: number;
  /** Real time the run took, the CPU time of the process meanwhile (every thread's), and timers the virtual clocks fired. */
  wallMs: number;
  cpuMs: number;
  timersFired: number;
}

const MAX_POINTS = 1_440;

/** Percentile by nearest rank of an ascending array (0 for an empty one). */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Builds the report from a finished run's merged record. */
export function buildReport(input: {
  seed: number;
  accountIds: readonly string[];
  durationMs: number;
  policy: RestartPolicy;
  platform: PlatformModel;
  run: FleetRun;
  leakedAtShutdown: readonly string[];
  wallMs: number;
  cpuMs: number;
  timersFired: number;
  threads: number;
}): FleetReport {
  const { run, platform, durationMs } = input;
  const sorted = Uint32Array.from(run.restarts).sort();
  let total = 0;
  for (const r of sorted) total += r;

  const suspendedAt = new Map<number, number>();
  for (const s of run.suspensions) if (!suspendedAt.has(s.index)) suspendedAt.set(s.index, s.atMs);
  const outageOf = (atMs: number): number | null => {
    for (let k = platform.outages.length - 1; k >= 0; k--) {
      const o = platform.outages[k]!;
      if (atMs >= o.atMs && atMs < o.atMs + o.durationMs + input.policy.intensity.withinMs) return k;
    }
    return null;
  };
  const groups = new Map<string, SuspensionGroup>();
  for (const s of run.suspensions) {
    const outage = outageOf(s.atMs);
    const key = `${s.cause}|${s.code ?? ''}|${outage ?? ''}`;
    const group = groups.get(key);
    if (group) {
      group.count += 1;
      group.lastAtMs = Math.max(group.lastAtMs, s.atMs);
    } else groups.set(key, { cause: s.cause, code: s.code ?? null, outage, count: 1, firstAtMs: s.atMs, lastAtMs: s.atMs });
  }

  const outages = platform.outages.map((o, k): OutageReport => {
    const log = run.outages[k]!;
    const end = o.atMs + o.durationMs;
    const next = platform.outages.map((x) => x.atMs).filter((t) => t > o.atMs).sort((a, b) => a - b)[0] ?? durationMs;
    const peak = peakIn(run.reconnects, end, next);
    let back = 0;
    let suspended = 0;
    let lastBack = end;
    let missing = false;
    for (const [index, at] of log.dropped) {
      if (at !== undefined) {
        back += 1;
        lastBack = Math.max(lastBack, at);
        continue;
      }
      if (suspendedAt.has(index)) suspended += 1;
      else missing = true;
    }
    return {
      atMs: o.atMs,
      durationMs: o.durationMs,
      share: o.share ?? 1,
      dropped: log.dropped.size,
      peakReconnectsPerSecond: peak.max,
      peakAtMs: peak.atMs,
      peakReconnectsPerSecondDuring: peakIn(run.reconnects, o.atMs, end).max,
      back,
      suspended,
      allBackAfterMs: missing || back === 0 ? null : lastBack - end,
    };
  });

  const leaked = new Set([...run.leaked, ...input.leakedAtShutdown]);
  return {
    seed: input.seed,
    accounts: input.accountIds.length,
    durationMs,
    policy: input.policy,
    platform,
    trace: run.trace,
    steps: run.steps,
    restarts: { total, median: nearestRank(sorted, 50), p99: nearestRank(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : 0 },
    suspended: { total: run.suspensions.length, groups: [...groups.values()].sort((a, b) => a.firstAtMs - b.firstAtMs) },
    outages,
    leaked: leaked.size,
    escalated: run.escalation,
    timeline: timeline(run),
    ...(run.decisions ? { decisions: Object.fromEntries(input.accountIds.map((id, i) => [id, run.decisions![i]!])) } : {}),
    threads: input.threads,
    wallMs: input.wallMs,
    cpuMs: input.cpuMs,
    timersFired: input.timersFired,
  };
}

function peakIn(perSecond: Uint32Array, fromMs: number, toMs: number): { max: number; atMs: number } {
  let max = 0;
  let atMs = fromMs;
  const to = Math.min(perSecond.length, Math.ceil(toMs / 1000));
  for (let s = Math.floor(fromMs / 1000); s < to; s++) {
    if (perSecond[s]! > max) {
      max = perSecond[s]!;
      atMs = s * 1000;
    }
  }
  return { max, atMs };
}

function timeline(run: FleetRun): FleetReport['timeline'] {
  const seconds = run.connectedMin.length;
  const per = Math.max(1, Math.ceil(seconds / MAX_POINTS));
  const connected: number[] = [];
  const reconnectsPerSecond: number[] = [];
  for (let s = 0; s < seconds; s += per) {
    let min = Infinity;
    let max = 0;
    for (let i = s; i < Math.min(seconds, s + per); i++) {
      min = Math.min(min, run.connectedMin[i]!);
      max = Math.max(max, run.reconnects[i]!);
    }
    connected.push(min);
    reconnectsPerSecond.push(max);
  }
  return { bucketMs: per * 1000, connected, reconnectsPerSecond };
}
