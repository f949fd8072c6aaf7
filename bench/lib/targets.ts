/**
 * The issues' performance targets, evaluated from the measured medians. Every row says what was
 * measured, against which baseline measured in the same run, the ratio between the two, and the
 * goal; a miss is reported, never fatal.
 */
import { type Contender, type StartStopSummary } from '../scenarios/startStop.js';
import { fmt, short, table } from './stats.js';

export interface Target {
  target: string;
  /** The goal in words: `≤ 1.2×`, `< 1 s`. */
  goal: string;
  /** statevisor's figure. */
  measured: string;
  /** The baseline's name and figure, measured in the same run. */
  baseline: string;
  /** measured / baseline (or the figure the goal is about), formatted. */
  ratio: string;
  status: 'PASS' | 'MISS' | 'n/a';
}

const SV: Contender[] = ['svBulk', 'svAdd'];
const pathName = (c: Contender) => (c === 'svBulk' ? 'bulk `start()`' : '`add()` ×N');
const status = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');
const x = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');
/** ` (CPU 1.05×)`: the same ratio in CPU time, which a loaded machine distorts much less; the result is judged on wall time. */
const cpu = (sv: number | undefined, base: number | undefined): string =>
  sv !== undefined && base !== undefined && Number.isFinite(sv / base) ? ` (CPU ${x(sv / base)})` : '';
const verdict = (value: number, ok: (v: number) => boolean): Target['status'] => (Number.isFinite(value) ? status(ok(value)) : 'n/a');

/** Start, heap, RSS and shutdown targets (issue 17, items 1, 3 and 4). */
export function startTargets(summaries: StartStopSummary[], sizes: number[]): Target[] {
  const out: Target[] = [];
  const get = (n: number, c: Contender) => summaries.find((s) => s.n === n && s.contender === c);
  const largest = Math.max(...sizes);
  const full = largest >= 100_000;

  for (const c of SV) {
    for (const n of sizes) {
      const sv = get(n, c)?.startUs ?? NaN;
      const base = get(n, 'actors')?.startUs ?? NaN;
      out.push({
        target: `start per account at ${short(n)}, ${pathName(c)}`,
        goal: '≤ 1.2× lifecycle actors',
        measured: `${fmt(sv, 1)} µs`,
        baseline: `standalone lifecycle actors ${fmt(base, 1)} µs`,
        ratio: `${x(sv / base)}${cpu(get(n, c)?.startCpuUs, get(n, 'actors')?.startCpuUs)}`,
        status: verdict(sv / base, (r) => r <= 1.2),
      });
    }
  }
  // Effect: start per account within 3× of Effect + retry (item 1).
  for (const n of sizes) {
    const sv = get(n, 'svBulk')?.startUs ?? NaN;
    const eff = get(n, 'effectRetry')?.startUs ?? NaN;
    if (!get(n, 'effectRetry')) continue;
    out.push({
      target: `start per account at ${short(n)}, bulk \`start()\` vs Effect`,
      goal: '≤ 3× Effect + retry',
      measured: `${fmt(sv, 1)} µs`,
      baseline: `Effect FiberMap + retry ${fmt(eff, 1)} µs`,
      ratio: `${x(sv / eff)}${cpu(get(n, 'svBulk')?.startCpuUs, get(n, 'effectRetry')?.startCpuUs)}`,
      status: verdict(sv / eff, (r) => r <= 3),
    });
  }
  for (const c of SV) {
    const sv = get(largest, c)?.heapBytes ?? NaN;
    const base = get(largest, 'actors')?.heapBytes ?? NaN;
    out.push({
      target: `heap per idle account at ${short(largest)}, ${pathName(c)}`,
      goal: '≤ 1.5× lifecycle actors',
      measured: `${fmt(sv)} B`,
      baseline: `standalone lifecycle actors ${fmt(base)} B`,
      ratio: x(sv / base),
      status: verdict(sv / base, (r) => r <= 1.5),
    });
  }
  for (const c of SV) {
    const s = get(largest, c);
    const b = get(largest, 'actors');
    if (!s) continue;
    // Extrapolated from a smaller run in quick mode: linear in N from the measured per-account figures.
    const factor = 100_000 / s.n;
    const rss = full ? s.rssTotal : s.rssTotal + s.rssBytes * (100_000 - s.n);
    const baseRss = b ? (full ? b.rssTotal : b.rssTotal + b.rssBytes * (100_000 - b.n)) : NaN;
    const startS = (s.startTotalMs * factor) / 1000;
    out.push({
      target: `100k accounts running: RSS, ${pathName(c)}${full ? '' : ` (extrapolated from ${short(s.n)})`}`,
      goal: '< 2 GiB',
      measured: `${fmt(rss / 2 ** 20)} MiB`,
      baseline: `standalone lifecycle actors ${fmt(baseRss / 2 ** 20)} MiB`,
      ratio: `${x(rss / baseRss)} baseline; ${x(rss / 2 ** 31)} of 2 GiB`,
      status: verdict(rss, (v) => v < 2 ** 31),
    });
    out.push({
      target: `100k accounts started, ${pathName(c)}${full ? '' : ` (extrapolated from ${short(s.n)})`}`,
      goal: '< 15 s',
      measured: `${fmt(startS, 1)} s`,
      baseline: `standalone lifecycle actors ${fmt(b ? (b.startTotalMs * (100_000 / b.n)) / 1000 : NaN, 1)} s`,
      ratio: `${x(startS / 15)} of 15 s`,
      status: verdict(startS, (v) => v < 15),
    });
  }
  for (const n of [10_000, 100_000]) {
    const limitMs = n === 10_000 ? 1_000 : 10_000;
    const at = sizes.includes(n) ? n : n === 10_000 ? largest : undefined;
    if (at === undefined) continue;
    for (const c of SV) {
      const s = get(at, c);
      const b = get(at, 'actors');
      if (!s) continue;
      const ms = (s.stopMs * n) / s.n;
      const baseMs = b ? (b.stopMs * n) / b.n : NaN;
      out.push({
        target: `graceful shutdown of ${short(n)}, ${pathName(c)}${at === n ? '' : ` (extrapolated from ${short(at)})`}`,
        goal: `< ${fmt(limitMs / 1000)} s, every task cancelling → cleaned`,
        measured: `${fmt(ms)} ms${s.cancelledOk ? '' : ' (not all cancelled cleanly!)'}`,
        baseline: `standalone lifecycle actors ${fmt(baseMs)} ms`,
        ratio: `${x(ms / baseMs)} baseline${cpu(s.stopCpuUs, b?.stopCpuUs)}; ${x(ms / limitMs)} of ${fmt(limitMs / 1000)} s`,
        status: Number.isFinite(ms) ? status(ms < limitMs && s.cancelledOk) : 'n/a',
      });
    }
  }
  return out;
}

/** Restart cycle vs Effect + retry (issue 17, item 1): per account, one failure and restart with zero backoff. */
export function restartTargets(rows: readonly { n: number; svUs: number; effectUs: number; svCpuUs?: number; effectCpuUs?: number }[]): Target[] {
  return rows.map(({ n, svUs, effectUs, svCpuUs, effectCpuUs }) => ({
    target: `one restart cycle per account at ${short(n)} (zero backoff)`,
    goal: '≤ 4× Effect + retry',
    measured: `${fmt(svUs, 1)} µs`,
    baseline: `Effect FiberMap + retry ${fmt(effectUs, 1)} µs`,
    ratio: `${x(svUs / effectUs)}${cpu(svCpuUs, effectCpuUs)}`,
    status: verdict(svUs / effectUs, (r) => r <= 4),
  }));
}

/** Restart storm spread (issue 7). */
export function stormTarget(peak: number, average: number, scaled: boolean): Target {
  const r = peak / average;
  return {
    target: `restart storm spread (full jitter${scaled ? ', time-scaled' : ''})`,
    goal: '≤ 2× the mean rate',
    measured: `peak ${fmt(peak)} restarts per window`,
    baseline: `mean over the backoff window ${fmt(average)}`,
    ratio: x(r),
    status: verdict(r, (v) => v <= 2),
  };
}

/** Jobs throughput against p-queue in the same process (issue 17, item 2). */
export function jobsTarget(rows: readonly { name: string; jobsPerSec: number }[], pqueue: number): Target[] {
  return rows.map(({ name, jobsPerSec }) => ({
    target: `jobs/s, ${name}`,
    goal: '≥ 1.0× p-queue',
    measured: `${fmt(jobsPerSec)} jobs/s`,
    baseline: `p-queue 9 ${fmt(pqueue)} jobs/s`,
    ratio: x(jobsPerSec / pqueue),
    status: verdict(jobsPerSec / pqueue, (v) => v >= 1),
  }));
}

export function renderTargets(targets: Target[]): string {
  return table(
    ['target', 'goal', 'statevisor (median)', 'baseline, same run (median)', 'ratio', 'result'],
    targets.map((t) => [t.target, t.goal, t.measured, t.baseline, t.ratio, `**${t.status}**`]),
    'llrlrl',
  );
}
