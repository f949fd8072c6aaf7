/** The issue's performance targets, evaluated from the measured medians. A miss is reported, never fatal. */
import { type Contender, type StartStopSummary } from '../scenarios/startStop.js';
import { fmt, short, table } from './stats.js';

export interface Target {
  target: string;
  figure: string;
  status: 'PASS' | 'MISS' | 'n/a';
}

const SV: Contender[] = ['svBulk', 'svAdd'];
const pathName = (c: Contender) => (c === 'svBulk' ? 'bulk `start()`' : '`add()` ×N');
const status = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');

export function startTargets(summaries: StartStopSummary[], sizes: number[]): Target[] {
  const out: Target[] = [];
  const get = (n: number, c: Contender) => summaries.find((s) => s.n === n && s.contender === c);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  const full = largest >= 100_000;

  for (const c of SV) {
    const ratios = sizes.map((n) => ({ n, r: (get(n, c)?.startUs ?? NaN) / (get(n, 'actors')?.startUs ?? NaN) }));
    const worst = ratios.reduce((a, b) => (Number.isNaN(b.r) || b.r > a.r ? b : a));
    out.push({
      target: `start per account ≤ 1.3× standalone lifecycle actors (${pathName(c)})`,
      figure: ratios.map(({ n, r }) => `${short(n)}: ${r.toFixed(2)}×`).join(', '),
      status: Number.isNaN(worst.r) ? 'n/a' : status(worst.r <= 1.3),
    });
  }
  for (const c of SV) {
    const a = get(smallest, c)?.startUs ?? NaN;
    const b = get(largest, c)?.startUs ?? NaN;
    out.push({
      target: `start per account flat: ${short(largest)}/${short(smallest)} < 1.3 (${pathName(c)})${full ? '' : ' — quick: 100k not run'}`,
      figure: `${sizes.map((n) => `${short(n)}: ${fmt(get(n, c)?.startUs ?? NaN, 1)}`).join(', ')} µs; ${short(largest)}/${short(smallest)} = ${(b / a).toFixed(2)}×`,
      status: Number.isNaN(a) || Number.isNaN(b) || smallest === largest ? 'n/a' : status(b / a < 1.3),
    });
  }
  for (const c of SV) {
    const sv = get(largest, c)?.heapBytes ?? NaN;
    const base = get(largest, 'actors')?.heapBytes ?? NaN;
    out.push({
      target: `heap per idle account ≤ 1.5× standalone lifecycle actors at ${short(largest)} (${pathName(c)})`,
      figure: `${fmt(sv)} B vs ${fmt(base)} B = ${(sv / base).toFixed(2)}×`,
      status: Number.isNaN(sv / base) ? 'n/a' : status(sv / base <= 1.5),
    });
  }
  for (const c of SV) {
    const s = get(full ? 100_000 : largest, c);
    if (!s) continue;
    const factor = 100_000 / s.n;
    // Extrapolated from a smaller run in quick mode: linear in N from the measured per-account figures.
    const startS = (s.startTotalMs * factor) / 1000;
    const rss = full ? s.rssTotal : s.rssTotal + s.rssBytes * (100_000 - s.n);
    out.push({
      target: `100k accounts started < 15 s with RSS < 2 GiB (${pathName(c)})${full ? '' : `, extrapolated from ${short(s.n)}`}`,
      figure: `${fmt(startS, 1)} s, RSS ${fmt(rss / 2 ** 20)} MiB`,
      status: Number.isNaN(startS) ? 'n/a' : status(startS < 15 && rss < 2 * 2 ** 30),
    });
  }
  const at10k = sizes.includes(10_000) ? 10_000 : largest;
  for (const c of SV) {
    const s = get(at10k, c);
    if (!s) continue;
    const ms = (s.stopMs * 10_000) / s.n;
    out.push({
      target: `graceful shutdown of 10k cooperative accounts < 1 s (${pathName(c)})${at10k === 10_000 ? '' : `, extrapolated from ${short(s.n)}`}`,
      figure: `${fmt(ms)} ms${s.cancelledOk ? '' : ' (not all cancelled cleanly!)'}`,
      status: Number.isNaN(ms) ? 'n/a' : status(ms < 1000 && s.cancelledOk),
    });
  }
  return out;
}

export function stormTarget(ratio: number, scaled: boolean): Target {
  return {
    target: `restart storm: peak 1-s window ≤ 2× the average over the backoff window (full jitter${scaled ? ', time-scaled' : ''})`,
    figure: `${ratio.toFixed(2)}×`,
    status: Number.isNaN(ratio) ? 'n/a' : status(ratio <= 2),
  };
}

export function renderTargets(targets: Target[]): string {
  return table(['target', 'measured (medians)', 'result'], targets.map((t) => [t.target, t.figure, `**${t.status}**`]), 'lll');
}

