/**
 * Scenario 3: commands against N running accounts. Latency = from the call until the account is
 * `running` again in its new incarnation (`waitFor(id, s => s.state === 'running' && s.incarnation === n)`).
 * Two loads: one command at a time (a sample of accounts, the latency floor with N running
 * around it), and a burst of one command to every account at once (throughput).
 * Baselines do the same restart by hand: cancel, wait until cleaned, start a new one, wait until running.
 */
import { startLifecycleActor, whenDone, whenRunning, type LifecycleActor } from '../baselines/lifecycleActors.js';
import { startPlainTask, type PlainTask } from '../baselines/abortPromise.js';
import { runChild } from '../lib/spawn.js';
import { fmt, median, percentile, short, table } from '../lib/stats.js';
import { accountId, bulkSupervisor } from '../lib/supervisor.js';
import { trivialWorkers } from '../lib/workers.js';

export type CommandsContender = 'statevisor' | 'actors' | 'plain';
const NAMES: Record<CommandsContender, string> = {
  statevisor: 'statevisor',
  actors: 'standalone lifecycle actors (baseline)',
  plain: 'AbortController + promise (floor)',
};

export interface CommandsParams {
  contender: CommandsContender;
  n: number;
  /** Commands of each kind in the one-at-a-time run. */
  sequential: number;
}

export interface LatencySummary {
  count: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface CommandsResult {
  seqRestart: LatencySummary;
  seqUpdate: LatencySummary | undefined;
  burstRestart: LatencySummary;
  burstUpdate: LatencySummary | undefined;
}

type Command = (id: string, i: number) => Promise<void>;

function summarize(latencies: number[], totalMs: number): LatencySummary {
  return { count: latencies.length, perSec: (latencies.length / totalMs) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function timed(cmd: Command, id: string, i: number): Promise<number> {
  const t0 = performance.now();
  await cmd(id, i);
  return performance.now() - t0;
}

async function sequentialRun(cmd: Command, n: number, count: number): Promise<LatencySummary> {
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) latencies.push(await timed(cmd, accountId((i * 7919) % n), i));
  return summarize(latencies, performance.now() - t0);
}

async function burstRun(cmd: Command, n: number): Promise<LatencySummary> {
  const t0 = performance.now();
  const latencies = await Promise.all(Array.from({ length: n }, (_, i) => timed(cmd, accountId(i), i)));
  return summarize(latencies, performance.now() - t0);
}

/** Child side. */
export async function measureCommands({ contender, n, sequential }: CommandsParams): Promise<CommandsResult> {
  const w = trivialWorkers();
  const warm = Math.min(200, n);
  if (contender === 'statevisor') {
    const sup = bulkSupervisor(n, { worker: w.worker });
    await sup.start();
    await w.whenStarted(n);
    const running = (id: string, incarnation: number) =>
      sup.waitFor(id, (s) => s.state === 'running' && s.incarnation === incarnation, { timeoutMs: 300_000 });
    const restart: Command = async (id) => {
      const st = await sup.restart(id);
      await running(id, st.incarnation);
    };
    const update: Command = async (id, i) => {
      const st = await sup.update(id, { settings: { v: i } });
      await running(id, st.incarnation);
    };
    await sequentialRun(restart, n, warm);
    await sequentialRun(update, n, warm);
    const result: CommandsResult = {
      seqRestart: await sequentialRun(restart, n, sequential),
      seqUpdate: await sequentialRun(update, n, sequential),
      burstRestart: await burstRun(restart, n),
      burstUpdate: await burstRun(update, n),
    };
    await sup.shutdown({ timeoutMs: 120_000 });
    return result;
  }
  let restart: Command;
  if (contender === 'actors') {
    const live = new Map<string, LifecycleActor>();
    for (let i = 0; i < n; i++) live.set(accountId(i), startLifecycleActor(w.worker));
    restart = async (id) => {
      const old = live.get(id)!;
      const done = whenDone(old);
      old.send({ type: 'CANCEL' });
      await done;
      const next = startLifecycleActor(w.worker);
      live.set(id, next);
      await whenRunning(next);
    };
  } else {
    const live = new Map<string, PlainTask>();
    for (let i = 0; i < n; i++) live.set(accountId(i), startPlainTask(w.worker));
    restart = async (id) => {
      const old = live.get(id)!;
      old.controller.abort();
      await old.done;
      live.set(id, startPlainTask(w.worker));
    };
  }
  await w.whenStarted(n);
  await sequentialRun(restart, n, warm);
  return {
    seqRestart: await sequentialRun(restart, n, sequential),
    seqUpdate: undefined,
    burstRestart: await burstRun(restart, n),
    burstUpdate: undefined,
  };
}

// ── parent side ───────────────────────────────────────────────────────────────────────────────

export interface CommandsConfig {
  n: number;
  sequential: number;
  reps: number;
}

export async function runCommands(config: CommandsConfig, progress: (line: string) => void): Promise<string> {
  const contenders: CommandsContender[] = ['statevisor', 'actors', 'plain'];
  const samples = new Map<CommandsContender, CommandsResult[]>();
  const errors: string[] = [];
  for (let rep = 0; rep < config.reps; rep++) {
    for (const contender of contenders) {
      try {
        const r = await runChild('commands', { contender, n: config.n, sequential: config.sequential }, 600_000);
        (samples.get(contender) ?? samples.set(contender, []).get(contender)!).push(r);
        progress(`commands rep ${rep + 1}/${config.reps} ${contender}: burst restart ${fmt(r.burstRestart.perSec)}/s`);
      } catch (err) {
        errors.push(`${contender}: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
        progress(`commands ${contender}: ${String(err)}`);
      }
    }
  }
  const rows: string[][] = [];
  const pick = (c: CommandsContender, key: keyof CommandsResult) =>
    (samples.get(c) ?? []).map((r) => r[key]).filter((x): x is LatencySummary => x !== undefined);
  const svBurst = median(pick('statevisor', 'burstRestart').map((s) => s.perSec));
  const svSeq = median(pick('statevisor', 'seqRestart').map((s) => s.perSec));
  for (const [key, label] of [
    ['seqRestart', `restart, one at a time (${fmt(config.sequential)} commands)`],
    ['seqUpdate', `update, one at a time (${fmt(config.sequential)} commands)`],
    ['burstRestart', `restart, burst: all ${short(config.n)} at once`],
    ['burstUpdate', `update, burst: all ${short(config.n)} at once`],
  ] as const) {
    for (const c of contenders) {
      const s = pick(c, key);
      if (s.length === 0) continue;
      const perSec = median(s.map((x) => x.perSec));
      const ref = key.startsWith('seq') ? svSeq : svBurst;
      rows.push([
        label,
        NAMES[c],
        fmt(perSec),
        fmt(median(s.map((x) => x.p50Ms)), 2),
        fmt(median(s.map((x) => x.p99Ms)), 2),
        c === 'statevisor' ? '' : `${(perSec / ref).toFixed(1)}× statevisor's restart rate`,
      ]);
    }
  }
  return [
    `${short(config.n)} running accounts (trivial cooperative worker, started from a pre-filled memory store). ` +
      `Latency: from the call until \`running\` again in the new incarnation (baselines: cancel, wait until cleaned, start, wait until running). ` +
      `\`update\` also writes the account to the store. Medians of ${config.reps} child processes per contender.`,
    '',
    table(['command', 'contender', 'commands/s', 'p50 ms', 'p99 ms', 'baseline is'], rows, 'llrrrl'),
    ...(errors.length ? ['', `⚠ failed runs: ${errors.join('; ')}`] : []),
  ].join('\n');
}
