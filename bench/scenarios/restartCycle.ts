/**
 * Scenario 1b: one restart cycle with zero backoff. N running accounts (the trivial cooperative
 * worker) all fail at the same instant; each is restarted at once (statevisor: backoff 0..0;
 * Effect: `Effect.retry` with a jittered exponential `Schedule` from zero). Measured from the
 * failure until every account's second worker has been called, per account. statevisor passes
 * each task through `failed` → `cleaned` → restart decision → a new incarnation's `loading` →
 * `running`; Effect re-runs the fiber's effect.
 */
import { effectTasks } from '../baselines/effectFiberMap.js';
import { settleAndCollect, sleep } from '../lib/memory.js';
import { runChild } from '../lib/spawn.js';
import { fmt, median, range, ratio, short, table } from '../lib/stats.js';
import { accountId, bulkSupervisor } from '../lib/supervisor.js';
import { untilAborted } from '../lib/workers.js';

export const RESTART_CONTENDERS = {
  svBulk: 'statevisor (bulk `start()`, backoff 0)',
  effectRetry: 'Effect FiberMap + retry (contender)',
} as const;
export type RestartContender = keyof typeof RESTART_CONTENDERS;

export interface RestartCycleParams {
  contender: RestartContender;
  n: number;
}

export interface RestartCycleResult {
  restartMs: number;
  /** This process's CPU time (user + system) over the same span. */
  restartCpuMs: number;
  restarted: number;
}

/** Child side. */
export async function measureRestartCycle({ contender, n }: RestartCycleParams): Promise<RestartCycleResult> {
  // Every call before the outage is a first start; every call after it is a restart (the outage
  // comes only once all N first starts happened), so no per-account bookkeeping is needed.
  let firstCalls = 0;
  let restarts = 0;
  let failed = false;
  let failAll!: (err: Error) => void;
  const outage = new Promise<never>((_, reject) => (failAll = reject));
  outage.catch(() => {});
  let onProgress: (() => void) | undefined;
  const run = (signal: AbortSignal): Promise<void> => {
    if (failed) restarts += 1;
    else firstCalls += 1;
    onProgress?.();
    return failed ? untilAborted(signal) : Promise.race([untilAborted(signal), outage]);
  };
  const until = (done: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => reject(new Error(`restart cycle: ${what} timed out after ${timeoutMs} ms`)), timeoutMs);
      onProgress = () => {
        if (!done()) return;
        clearTimeout(timer);
        onProgress = undefined;
        resolve();
      };
    });

  let stop: () => Promise<unknown>;
  if (contender === 'svBulk') {
    const sup = bulkSupervisor(n, {
      worker: ({ signal }) => run(signal),
      restart: { backoff: { minMs: 0, maxMs: 0, factor: 2, jitter: 'none' } },
    });
    await sup.start();
    stop = () => sup.shutdown({ timeoutMs: 120_000 });
  } else {
    const tasks = effectTasks(({ signal }) => run(signal), { retry: true });
    tasks.start(Array.from({ length: n }, (_, i) => accountId(i)));
    stop = () => tasks.stop();
  }
  await until(() => firstCalls === n, 120_000, 'start');
  await settleAndCollect();
  await sleep(20);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  failed = true;
  failAll(new Error('platform outage'));
  await until(() => restarts >= n, 60_000 + n * 2, 'restart');
  const restartMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await stop();
  return { restartMs, restartCpuMs: (cpu.user + cpu.system) / 1000, restarted: restarts };
}

// ── parent side ───────────────────────────────────────────────────────────────────────────────

export interface RestartCycleConfig {
  sizes: number[];
  reps: number;
}

export interface RestartCycleSummary {
  n: number;
  contender: RestartContender;
  us: number;
  usAll: number[];
  cpuUs: number;
  restartedOk: boolean;
  errors: string[];
}

export async function runRestartCycle(config: RestartCycleConfig, progress: (line: string) => void): Promise<RestartCycleSummary[]> {
  const contenders = Object.keys(RESTART_CONTENDERS) as RestartContender[];
  const samples = new Map<string, RestartCycleResult[]>();
  const errors = new Map<string, string[]>();
  for (let rep = 0; rep < config.reps; rep++) {
    for (const n of config.sizes) {
      for (const contender of contenders) {
        const key = `${n}/${contender}`;
        try {
          const r = await runChild('restartCycle', { contender, n }, 180_000 + n * 3);
          (samples.get(key) ?? samples.set(key, []).get(key)!).push(r);
          progress(`restart cycle rep ${rep + 1}/${config.reps} ${short(n)} ${contender}: ${fmt(r.restartMs)} ms`);
        } catch (err) {
          (errors.get(key) ?? errors.set(key, []).get(key)!).push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
          progress(`restart cycle ${key}: ${String(err)}`);
        }
      }
    }
  }
  const out: RestartCycleSummary[] = [];
  for (const n of config.sizes) {
    for (const contender of contenders) {
      const s = samples.get(`${n}/${contender}`) ?? [];
      out.push({
        n,
        contender,
        us: median(s.map((r) => (r.restartMs * 1000) / n)),
        usAll: s.map((r) => (r.restartMs * 1000) / n),
        cpuUs: median(s.map((r) => (r.restartCpuMs * 1000) / n)),
        restartedOk: s.length > 0 && s.every((r) => r.restarted === n),
        errors: errors.get(`${n}/${contender}`) ?? [],
      });
    }
  }
  return out;
}

export function renderRestartCycle(summaries: RestartCycleSummary[], config: RestartCycleConfig): string {
  const rows = summaries.map((s) => {
    const base = summaries.find((b) => b.n === s.n && b.contender === 'effectRetry');
    return [
      short(s.n),
      RESTART_CONTENDERS[s.contender] + (s.errors.length ? ` ⚠ ${s.errors.length} failed: ${s.errors[0]}` : ''),
      fmt(s.us, 1),
      range(s.usAll, 1),
      ratio(s.us, base?.us ?? NaN),
      fmt(s.cpuUs, 1),
      ratio(s.cpuUs, base?.cpuUs ?? NaN),
      fmt((s.us * s.n) / 1000),
      s.restartedOk ? 'yes' : 'NO',
    ];
  });
  return [
    `N running accounts fail at the same instant and are restarted with zero backoff; measured from the failure until every ` +
      `account's second worker has been called. Medians of ${config.reps} child processes.`,
    '',
    table(['N', 'contender', 'µs/account', 'min–max', 'vs Effect + retry', 'CPU µs/account', 'CPU vs Effect + retry', 'total ms', 'all N restarted'], rows, 'llrrrrrrl'),
  ].join('\n');
}
