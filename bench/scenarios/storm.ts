/**
 * Scenario 4: restart storm. N running accounts fail at the same instant (every worker's promise
 * rejects together, as when a platform drops every session); the supervisor restarts each one
 * after its backoff. We record when each account's second worker starts, relative to the failure,
 * and compare the default full jitter with `jitter: 'none'`.
 */
import { settleAndCollect, sleep } from '../lib/memory.js';
import { runChild } from '../lib/spawn.js';
import { fmt, median, short, table } from '../lib/stats.js';
import { statevisor } from '../lib/statevisor.js';
import { bulkSupervisor } from '../lib/supervisor.js';
import { untilAborted } from '../lib/workers.js';

const { DEFAULT_RESTART_POLICY } = statevisor;

export interface StormParams {
  n: number;
  /** Backoff floor and cap; the factor stays 2. */
  minMs: number;
  maxMs: number;
  jitter: 'full' | 'none';
  /** The "1-second" window, scaled with `minMs` (1000 at the default policy). */
  windowMs: number;
}

export interface StormResult {
  restarted: number;
  /** Most restarts inside any sliding window of `windowMs`. */
  peak: number;
  /** Restarts per window on average over the backoff window [failure, failure + minMs]. */
  average: number;
  firstMs: number;
  p50Ms: number;
  lastMs: number;
  /** Restarts per window, from the failure on. */
  histogram: number[];
}

/** Child side. */
export async function measureStorm({ n, minMs, maxMs, jitter, windowMs }: StormParams): Promise<StormResult> {
  const calls = new Map<string, number>();
  const offsets: number[] = [];
  let stormAt = 0;
  let failAll!: (err: Error) => void;
  const storm = new Promise<never>((_, reject) => (failAll = reject));
  storm.catch(() => {});
  let first = 0;
  let onProgress: (() => void) | undefined;
  const worker = ({ account, signal }: { account: { id: string }; signal: AbortSignal }): Promise<void> => {
    const k = (calls.get(account.id) ?? 0) + 1;
    calls.set(account.id, k);
    if (k === 1) first += 1;
    else if (k === 2) offsets.push(performance.now() - stormAt);
    onProgress?.();
    return k === 1 ? Promise.race([untilAborted(signal), storm]) : untilAborted(signal);
  };
  const until = (done: () => boolean, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => reject(new Error(`storm: only ${offsets.length}/${n} restarted in ${timeoutMs} ms`)), timeoutMs);
      onProgress = () => {
        if (!done()) return;
        clearTimeout(timer);
        onProgress = undefined;
        resolve();
      };
    });
  const isDefault = minMs === DEFAULT_RESTART_POLICY.backoff.minMs && maxMs === DEFAULT_RESTART_POLICY.backoff.maxMs;
  const restart = isDefault && jitter === 'full' ? undefined : { backoff: { minMs, maxMs, factor: 2, jitter } };
  const sup = bulkSupervisor(n, { worker, ...(restart ? { restart } : {}) });
  await sup.start();
  await until(() => first === n, 120_000);
  await settleAndCollect();
  await sleep(50);
  stormAt = performance.now();
  failAll(new Error('platform outage'));
  await until(() => offsets.length === n, minMs * 3 + 120_000);
  await sup.shutdown({ timeoutMs: 120_000 });

  offsets.sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; j < offsets.length; j++) {
    while (offsets[j]! - offsets[i]! >= windowMs) i++;
    peak = Math.max(peak, j - i + 1);
  }
  const histogram: number[] = [];
  for (const t of offsets) {
    const bin = Math.floor(t / windowMs);
    while (histogram.length <= bin) histogram.push(0);
    histogram[bin]! += 1;
  }
  return {
    restarted: offsets.length,
    peak,
    average: (n * windowMs) / minMs,
    firstMs: offsets[0] ?? NaN,
    p50Ms: offsets[offsets.length >> 1] ?? NaN,
    lastMs: offsets[offsets.length - 1] ?? NaN,
    histogram,
  };
}

// ── parent side ───────────────────────────────────────────────────────────────────────────────

export interface StormConfig {
  n: number;
  minMs: number;
  maxMs: number;
  windowMs: number;
  reps: number;
}

export interface StormSummary {
  markdown: string;
  /** Median peak / average of the full-jitter runs. */
  fullRatio: number;
  /** Median peak and average of the full-jitter runs. */
  fullPeak: number;
  fullAverage: number;
}

export async function runStorm(config: StormConfig, progress: (line: string) => void): Promise<StormSummary> {
  const modes = ['full', 'none'] as const;
  const samples = new Map<string, StormResult[]>();
  const errors: string[] = [];
  for (let rep = 0; rep < config.reps; rep++) {
    for (const jitter of modes) {
      try {
        const r = await runChild('storm', { n: config.n, minMs: config.minMs, maxMs: config.maxMs, jitter, windowMs: config.windowMs }, config.minMs * 3 + 300_000);
        (samples.get(jitter) ?? samples.set(jitter, []).get(jitter)!).push(r);
        progress(`storm rep ${rep + 1}/${config.reps} jitter ${jitter}: peak ${r.peak}, average ${fmt(r.average)}`);
      } catch (err) {
        errors.push(`${jitter}: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
        progress(`storm ${jitter}: ${String(err)}`);
      }
    }
  }
  const scaled = config.minMs !== DEFAULT_RESTART_POLICY.backoff.minMs;
  const w = config.windowMs;
  const wLabel = w === 1000 ? '1 s' : `${fmt(w)} ms`;
  const rows = modes.map((jitter) => {
    const s = samples.get(jitter) ?? [];
    const ratios = s.map((r) => r.peak / r.average);
    const mid = [...s].sort((a, b) => a.peak / a.average - b.peak / b.average)[s.length >> 1];
    return [
      jitter === 'full' ? 'full jitter (default)' : "`jitter: 'none'`",
      fmt(median(s.map((r) => r.restarted))),
      fmt(median(s.map((r) => r.peak))),
      fmt(median(s.map((r) => r.average))),
      `${median(ratios).toFixed(2)}×`,
      fmt(median(s.map((r) => (r.peak * 1000) / w))),
      fmt(median(s.map((r) => r.firstMs))),
      fmt(median(s.map((r) => r.p50Ms))),
      fmt(median(s.map((r) => r.lastMs))),
      mid ? mid.histogram.map((c) => fmt(c)).join(' · ') : '–',
    ];
  });
  const full = samples.get('full') ?? [];
  return {
    fullRatio: median(full.map((r) => r.peak / r.average)),
    fullPeak: median(full.map((r) => r.peak)),
    fullAverage: median(full.map((r) => r.average)),
    markdown: [
      `${short(config.n)} running accounts fail at the same instant; each restart is timed when the account's second worker starts, from the failure. ` +
        (scaled
          ? `**Time scaled ×${fmt(config.minMs / DEFAULT_RESTART_POLICY.backoff.minMs, 2)}:** backoff ${fmt(config.minMs)} ms..${fmt(config.maxMs)} ms, factor 2 ` +
            `(the default's shape, 5 s..60 s), and the "1-second" window scaled to ${wLabel}. `
          : `Default policy: backoff 5 s..60 s, factor 2, full jitter (first delay uniform in [0, 5 s)). `) +
        `Peak: most restarts in any sliding ${wLabel} window. Average: N × ${wLabel} / ${fmt(config.minMs)} ms, the mean rate over the backoff window ` +
        `[failure, failure + minMs] in which the first restart falls. No restart can start before the supervisor has processed the failures ` +
        `(the task's \`failed\` → \`cleaned\`, the decision, the backoff timer): "first ms" shows that lag, during which due restarts queue up. ` +
        `Medians of ${config.reps} child processes per mode.`,
      '',
      table(
        ['backoff', 'restarted', `peak per ${wLabel}`, `average per ${wLabel}`, 'peak / average', 'peak restarts/s', 'first ms', 'median ms', 'last ms', `restarts per ${wLabel} window (median run)`],
        rows,
        'lrrrrrrrrl',
      ),
      ...(errors.length ? ['', `⚠ failed runs: ${errors.join('; ')}`] : []),
    ].join('\n'),
  };
}
