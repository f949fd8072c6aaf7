/**
 * Scenarios 1 (start) and 2 (graceful shutdown): N accounts running the trivial cooperative
 * worker, statevisor (both start paths) against standalone lifecycle actors and plain
 * AbortController + promise. Each (repetition, size, contender) runs in its own child process.
 */
import { startLifecycleActor, stopLifecycleActors, type LifecycleActor } from '../baselines/lifecycleActors.js';
import { startPlainTask, stopPlainTasks, type PlainTask } from '../baselines/abortPromise.js';
import { effectTasks } from '../baselines/effectFiberMap.js';
import { memoryNow } from '../lib/memory.js';
import { runChild } from '../lib/spawn.js';
import { fmt, median, mib, range, ratio, short, table } from '../lib/stats.js';
import { accountId, bulkSupervisor, emptySupervisor } from '../lib/supervisor.js';
import { trivialWorkers } from '../lib/workers.js';

export const CONTENDERS = {
  svAdd: 'statevisor `add()` ×N (Promise.all)',
  svBulk: 'statevisor `start()` from `memoryStore([...])`',
  actors: 'standalone lifecycle actors (baseline)',
  effect: 'Effect FiberMap (contender)',
  effectRetry: 'Effect FiberMap + retry (contender)',
  plain: 'AbortController + promise (floor)',
} as const;
export type Contender = keyof typeof CONTENDERS;

export interface StartStopParams {
  contender: Contender;
  n: number;
  /** Accounts started and stopped before measuring, so the JIT is warm. */
  warmup: number;
  /**
   * How many times `warmup` accounts are started and stopped first. One round was not enough:
   * in a child measuring 15 rounds of 1,000 in a row (2026-12-02, machine loaded by other work), `add()` ×N took 593, 562 and
   * 431 µs of CPU per account in its first three and 272–337 after, the lifecycle actors 332 and
   * 449 then about 300: a single 1k measurement after one round was mostly the JIT's work.
   */
  warmupRounds: number;
}

export interface StartStopResult {
  startMs: number;
  stopMs: number;
  /** This process's CPU time (user + system) during the start and the stop. */
  startCpuMs: number;
  stopCpuMs: number;
  heapBytes: number;
  rssBytes: number;
  rssTotal: number;
  /** Accounts that ended cleanly (cancelled) in the shutdown. */
  cancelled: number;
}

interface Once {
  startMs: number;
  startCpuMs: number;
  stopMs: number;
  stopCpuMs: number;
  mem: { heapUsed: number; rss: number };
  cancelled: number;
}

/** Child side: start `n` accounts, measure heap and RSS with every one running, then stop them gracefully. */
export async function measureStartStop({ contender, n, warmup, warmupRounds }: StartStopParams): Promise<StartStopResult> {
  for (let round = 0; warmup > 0 && round < warmupRounds; round++) await once(contender, warmup);
  const before = await memoryNow();
  const r = await once(contender, n);
  return {
    startMs: r.startMs,
    stopMs: r.stopMs,
    startCpuMs: r.startCpuMs,
    stopCpuMs: r.stopCpuMs,
    heapBytes: (r.mem.heapUsed - before.heapUsed) / n,
    rssBytes: (r.mem.rss - before.rss) / n,
    rssTotal: r.mem.rss,
    cancelled: r.cancelled,
  };
}

/**
 * Wall time and this process's CPU time (user + system) since the last reset. CPU time is what
 * the process itself spent: on a machine whose load average is far above its cores, wall time
 * mostly measures waiting for a core, CPU time much less.
 */
class Stopwatch {
  #t = performance.now();
  #cpu = process.cpuUsage();
  reset(): void {
    this.#t = performance.now();
    this.#cpu = process.cpuUsage();
  }
  lap(): { ms: number; cpuMs: number } {
    const cpu = process.cpuUsage(this.#cpu);
    return { ms: performance.now() - this.#t, cpuMs: (cpu.user + cpu.system) / 1000 };
  }
  stop(): { stopMs: number; stopCpuMs: number } {
    const { ms, cpuMs } = this.lap();
    return { stopMs: ms, stopCpuMs: cpuMs };
  }
}

async function once(contender: Contender, n: number): Promise<Once> {
  const w = trivialWorkers();
  const sw = new Stopwatch();
  switch (contender) {
    case 'svAdd': {
      const sup = await emptySupervisor({ worker: w.worker });
      sw.reset();
      await Promise.all(Array.from({ length: n }, (_, i) => sup.add({ id: accountId(i) })));
      await w.whenStarted(n);
      const { ms: startMs, cpuMs: startCpuMs } = sw.lap();
      const mem = await memoryNow();
      sw.reset();
      const stats = await sup.shutdown({ timeoutMs: 120_000 });
      return { startMs, startCpuMs, ...sw.stop(), mem, cancelled: stats.cancelled };
    }
    case 'svBulk': {
      const sup = bulkSupervisor(n, { worker: w.worker });
      sw.reset();
      await sup.start();
      await w.whenStarted(n);
      const { ms: startMs, cpuMs: startCpuMs } = sw.lap();
      const mem = await memoryNow();
      sw.reset();
      const stats = await sup.shutdown({ timeoutMs: 120_000 });
      return { startMs, startCpuMs, ...sw.stop(), mem, cancelled: stats.cancelled };
    }
    case 'actors': {
      sw.reset();
      const actors: LifecycleActor[] = [];
      for (let i = 0; i < n; i++) actors.push(startLifecycleActor(w.worker));
      await w.whenStarted(n);
      const { ms: startMs, cpuMs: startCpuMs } = sw.lap();
      const mem = await memoryNow();
      sw.reset();
      await stopLifecycleActors(actors);
      const stopped = sw.stop();
      return { startMs, startCpuMs, ...stopped, mem, cancelled: actors.filter((a) => a.getSnapshot().status === 'done').length };
    }
    case 'effect':
    case 'effectRetry': {
      const tasks = effectTasks(w.worker, { retry: contender === 'effectRetry' });
      const ids = Array.from({ length: n }, (_, i) => accountId(i));
      sw.reset();
      tasks.start(ids);
      await w.whenStarted(n);
      const { ms: startMs, cpuMs: startCpuMs } = sw.lap();
      const mem = await memoryNow();
      const running = tasks.size();
      sw.reset();
      await tasks.stop();
      return { startMs, startCpuMs, ...sw.stop(), mem, cancelled: running === n && tasks.size() === 0 ? n : 0 };
    }
    case 'plain': {
      sw.reset();
      const tasks: PlainTask[] = [];
      for (let i = 0; i < n; i++) tasks.push(startPlainTask(w.worker));
      await w.whenStarted(n);
      const { ms: startMs, cpuMs: startCpuMs } = sw.lap();
      const mem = await memoryNow();
      sw.reset();
      await stopPlainTasks(tasks);
      return { startMs, startCpuMs, ...sw.stop(), mem, cancelled: n };
    }
  }
}

// ── parent side ───────────────────────────────────────────────────────────────────────────────

export interface StartStopConfig {
  sizes: number[];
  reps: number;
  warmup: number;
  warmupRounds: number;
}

/** Medians per (size, contender). */
export interface StartStopSummary {
  n: number;
  contender: Contender;
  startUs: number;
  startUsAll: number[];
  startTotalMs: number;
  stopMs: number;
  stopUs: number;
  stopMsAll: number[];
  /** Median CPU µs per account during the start and the stop. */
  startCpuUs: number;
  stopCpuUs: number;
  heapBytes: number;
  rssBytes: number;
  rssTotal: number;
  cancelledOk: boolean;
  errors: string[];
}

/** Runs every (rep, size, contender) in its own child, interleaved so drift hits all contenders alike. */
export async function runStartStop(config: StartStopConfig, progress: (line: string) => void): Promise<StartStopSummary[]> {
  const contenders = Object.keys(CONTENDERS) as Contender[];
  const samples = new Map<string, StartStopResult[]>();
  const errors = new Map<string, string[]>();
  for (let rep = 0; rep < config.reps; rep++) {
    for (const n of config.sizes) {
      for (const contender of contenders) {
        const key = `${n}/${contender}`;
        try {
          const r = await runChild('startStop', { contender, n, warmup: config.warmup, warmupRounds: config.warmupRounds }, 120_000 + n * 3);
          (samples.get(key) ?? samples.set(key, []).get(key)!).push(r);
          progress(`start/stop rep ${rep + 1}/${config.reps} ${short(n)} ${contender}: start ${fmt(r.startMs)} ms, stop ${fmt(r.stopMs)} ms`);
        } catch (err) {
          (errors.get(key) ?? errors.set(key, []).get(key)!).push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
          progress(`start/stop ${key}: ${String(err)}`);
        }
      }
    }
  }
  const out: StartStopSummary[] = [];
  for (const n of config.sizes) {
    for (const contender of contenders) {
      const s = samples.get(`${n}/${contender}`) ?? [];
      out.push({
        n,
        contender,
        startUs: median(s.map((r) => (r.startMs * 1000) / n)),
        startUsAll: s.map((r) => (r.startMs * 1000) / n),
        startTotalMs: median(s.map((r) => r.startMs)),
        stopMs: median(s.map((r) => r.stopMs)),
        stopUs: median(s.map((r) => (r.stopMs * 1000) / n)),
        stopMsAll: s.map((r) => r.stopMs),
        startCpuUs: median(s.map((r) => (r.startCpuMs * 1000) / n)),
        stopCpuUs: median(s.map((r) => (r.stopCpuMs * 1000) / n)),
        heapBytes: median(s.map((r) => r.heapBytes)),
        rssBytes: median(s.map((r) => r.rssBytes)),
        rssTotal: median(s.map((r) => r.rssTotal)),
        cancelledOk: s.length > 0 && s.every((r) => r.cancelled === n),
        errors: errors.get(`${n}/${contender}`) ?? [],
      });
    }
  }
  return out;
}

function find(summaries: StartStopSummary[], n: number, contender: Contender): StartStopSummary | undefined {
  return summaries.find((s) => s.n === n && s.contender === contender);
}

/** Section 1's markdown. */
export function renderStart(summaries: StartStopSummary[], config: StartStopConfig): string {
  const rows = summaries.map((s) => {
    const base = find(summaries, s.n, 'actors');
    return [
      short(s.n),
      CONTENDERS[s.contender] + (s.errors.length ? ` ⚠ ${s.errors.length} failed: ${s.errors[0]}` : ''),
      fmt(s.startUs, 1),
      range(s.startUsAll, 1),
      ratio(s.startUs, base?.startUs ?? NaN),
      fmt(s.startCpuUs, 1),
      ratio(s.startCpuUs, base?.startCpuUs ?? NaN),
      fmt(s.startTotalMs),
      fmt(s.heapBytes),
      ratio(s.heapBytes, base?.heapBytes ?? NaN),
      fmt(s.rssBytes),
      mib(s.rssTotal),
    ];
  });
  return [
    `Trivial cooperative worker (waits for its signal). Start = from the first call until every worker has been called. ` +
      `Heap/RSS per account: after a full GC with all N running, minus before (statevisor's include its memory store's copy of each account). ` +
      `Each cell is the median of ${config.reps} child processes (one per repetition, size and contender, interleaved), ` +
      `each warmed up first by starting and stopping ${fmt(config.warmup)} accounts ${config.warmupRounds === 1 ? 'once' : `${config.warmupRounds} times`}.`,
    '',
    table(
      ['N', 'contender', 'start µs/account', 'min–max', 'vs lifecycle actors', 'CPU µs/account', 'CPU vs lifecycle actors', 'start total ms', 'heap B/account', 'vs lifecycle actors', 'RSS B/account', 'RSS total MiB'],
      rows,
      'llrrrrrrrrrr',
    ),
  ].join('\n');
}

/** Section 2's markdown. */
export function renderShutdown(summaries: StartStopSummary[], config: StartStopConfig): string {
  const rows = summaries.map((s) => {
    const base = find(summaries, s.n, 'actors');
    return [
      short(s.n),
      CONTENDERS[s.contender],
      fmt(s.stopMs, 1),
      range(s.stopMsAll, 1),
      fmt(s.stopUs, 1),
      ratio(s.stopMs, base?.stopMs ?? NaN),
      fmt(s.stopCpuUs, 1),
      ratio(s.stopCpuUs, base?.stopCpuUs ?? NaN),
      s.cancelledOk ? 'yes' : 'NO',
    ];
  });
  return [
    `Graceful stop of the N running accounts of section 1 (same child processes): statevisor \`shutdown()\` ` +
      `(stop accepting, cancel every task, wait until each is \`cleaned\`, close the store); lifecycle actors: \`CANCEL\` to each, ` +
      `wait until every one is final; floor: abort every controller, await every promise. Medians of ${config.reps}.`,
    '',
    table(['N', 'contender', 'total ms', 'min–max', 'µs/account', 'vs lifecycle actors', 'CPU µs/account', 'CPU vs lifecycle actors', 'all N cancelled cleanly'], rows, 'llrrrrrrl'),
  ].join('\n');
}
