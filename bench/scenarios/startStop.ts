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
  /** Accounts started and stopped once before measuring, so the JIT is warm. */
  warmup: number;
}

export interface StartStopResult {
  startMs: number;
  stopMs: number;
  heapBytes: number;
  rssBytes: number;
  rssTotal: number;
  /** Accounts that ended cleanly (cancelled) in the shutdown. */
  cancelled: number;
}

interface Once {
  startMs: number;
  stopMs: number;
  mem: { heapUsed: number; rss: number };
  cancelled: number;
}

/** Child side: start `n` accounts, measure heap and RSS with every one running, then stop them gracefully. */
export async function measureStartStop({ contender, n, warmup }: StartStopParams): Promise<StartStopResult> {
  if (warmup > 0) await once(contender, warmup);
  const before = await memoryNow();
  const r = await once(contender, n);
  return {
    startMs: r.startMs,
    stopMs: r.stopMs,
    heapBytes: (r.mem.heapUsed - before.heapUsed) / n,
    rssBytes: (r.mem.rss - before.rss) / n,
    rssTotal: r.mem.rss,
    cancelled: r.cancelled,
  };
}

async function once(contender: Contender, n: number): Promise<Once> {
  const w = trivialWorkers();
  switch (contender) {
    case 'svAdd': {
      const sup = await emptySupervisor({ worker: w.worker });
      const t0 = performance.now();
      await Promise.all(Array.from({ length: n }, (_, i) => sup.add({ id: accountId(i) })));
      await w.whenStarted(n);
      const startMs = performance.now() - t0;
      const mem = await memoryNow();
      const t1 = performance.now();
      const stats = await sup.shutdown({ timeoutMs: 120_000 });
      return { startMs, stopMs: performance.now() - t1, mem, cancelled: stats.cancelled };
    }
    case 'svBulk': {
      const sup = bulkSupervisor(n, { worker: w.worker });
      const t0 = performance.now();
      await sup.start();
      await w.whenStarted(n);
      const startMs = performance.now() - t0;
      const mem = await memoryNow();
      const t1 = performance.now();
      const stats = await sup.shutdown({ timeoutMs: 120_000 });
      return { startMs, stopMs: performance.now() - t1, mem, cancelled: stats.cancelled };
    }
    case 'actors': {
      const t0 = performance.now();
      const actors: LifecycleActor[] = [];
      for (let i = 0; i < n; i++) actors.push(startLifecycleActor(w.worker));
      await w.whenStarted(n);
      const startMs = performance.now() - t0;
      const mem = await memoryNow();
      const t1 = performance.now();
      await stopLifecycleActors(actors);
      const stopMs = performance.now() - t1;
      return { startMs, stopMs, mem, cancelled: actors.filter((a) => a.getSnapshot().status === 'done').length };
    }
    case 'effect':
    case 'effectRetry': {
      const tasks = effectTasks(w.worker, { retry: contender === 'effectRetry' });
      const ids = Array.from({ length: n }, (_, i) => accountId(i));
      const t0 = performance.now();
      tasks.start(ids);
      await w.whenStarted(n);
      const startMs = performance.now() - t0;
      const mem = await memoryNow();
      const running = tasks.size();
      const t1 = performance.now();
      await tasks.stop();
      return { startMs, stopMs: performance.now() - t1, mem, cancelled: running === n && tasks.size() === 0 ? n : 0 };
    }
    case 'plain': {
      const t0 = performance.now();
      const tasks: PlainTask[] = [];
      for (let i = 0; i < n; i++) tasks.push(startPlainTask(w.worker));
      await w.whenStarted(n);
      const startMs = performance.now() - t0;
      const mem = await memoryNow();
      const t1 = performance.now();
      await stopPlainTasks(tasks);
      return { startMs, stopMs: performance.now() - t1, mem, cancelled: n };
    }
  }
}

// ── parent side ───────────────────────────────────────────────────────────────────────────────

export interface StartStopConfig {
  sizes: number[];
  reps: number;
  warmup: number;
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
          const r = await runChild('startStop', { contender, n, warmup: config.warmup }, 120_000 + n * 3);
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
      `each warmed up with ${fmt(config.warmup)} accounts first.`,
    '',
    table(
      ['N', 'contender', 'start µs/account', 'min–max', 'vs lifecycle actors', 'start total ms', 'heap B/account', 'vs lifecycle actors', 'RSS B/account', 'RSS total MiB'],
      rows,
      'llrrrrrrrr',
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
      s.cancelledOk ? 'yes' : 'NO',
    ];
  });
  return [
    `Graceful stop of the N running accounts of section 1 (same child processes): statevisor \`shutdown()\` ` +
      `(stop accepting, cancel every task, wait until each is \`cleaned\`, close the store); lifecycle actors: \`CANCEL\` to each, ` +
      `wait until every one is final; floor: abort every controller, await every promise. Medians of ${config.reps}.`,
    '',
    table(['N', 'contender', 'total ms', 'min–max', 'µs/account', 'vs lifecycle actors', 'all N cancelled cleanly'], rows, 'llrrrrl'),
  ].join('\n');
}
