/**
 * The chart of a simulation run as a standalone SVG document: accounts connected (top) and
 * reconnects per second (bottom) over the run, with each outage shaded. Hand-written SVG: no
 * dependency, opens in any browser, and renders on GitHub.
 */
import type { FleetReport } from './report.js';

const WIDTH = 960;
const PANEL = 200;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 50;
const BOTTOM = 40;

/**
 * Renders the report's timeline as an SVG document.
 *
 * @example
 * ```ts
 * writeFileSync('fleet.svg', fleetChartSvg(await simulateFleet({ seed: 1, accounts: 100, durationMs: 3_600_000 })));
 * ```
 */
export function fleetChartSvg(report: FleetReport): string {
  const { bucketMs, connected, reconnectsPerSecond } = report.timeline;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const height = TOP + PANEL + GAP + PANEL + BOTTOM;
  const x = (ms: number) => LEFT + (Math.min(ms, report.durationMs) / report.durationMs) * plotWidth;
  const topY = TOP;
  const bottomY = TOP + PANEL + GAP;
  const maxConnected = niceMax(Math.max(report.accounts, ...connected));
  const maxReconnects = niceMax(Math.max(1, ...reconnectsPerSecond));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${escape(`statevisor what-if: ${report.accounts.toLocaleString('en-US')} accounts, ${formatHours(report.durationMs)}, seed ${report.seed} (trace ${report.trace})`)}</text>`,
  );
  for (const [k, o] of report.outages.entries()) {
    const x0 = x(o.atMs);
    const w = Math.max(1, x(o.atMs + o.durationMs) - x0);
    for (const y of [topY, bottomY]) out.push(`<rect x="${fmt(x0)}" y="${y}" width="${fmt(w)}" height="${PANEL}" fill="#f4b6b6" opacity="0.6"/>`);
    out.push(`<text x="${fmt(x0 + w + 3)}" y="${topY + 14}" fill="#a33">outage ${k + 1}</text>`);
  }
  panel(out, { y: topY, max: maxConnected, label: 'accounts connected', values: connected, bucketMs, x, color: '#2a6fdb' });
  panel(out, { y: bottomY, max: maxReconnects, label: 'reconnects per second (peak)', values: reconnectsPerSecond, bucketMs, x, color: '#d9822b' });
  // Hour ticks along the bottom axis.
  const hours = report.durationMs / 3_600_000;
  const step = hours <= 6 ? 1 : hours <= 24 ? 2 : hours <= 72 ? 6 : 24;
  for (let h = 0; h <= hours + 1e-9; h += step) {
    const tx = x(h * 3_600_000);
    out.push(`<line x1="${fmt(tx)}" y1="${bottomY + PANEL}" x2="${fmt(tx)}" y2="${bottomY + PANEL + 5}" stroke="#333"/>`);
    out.push(`<text x="${fmt(tx)}" y="${bottomY + PANEL + 18}" text-anchor="middle">${h}h</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function panel(
  out: string[],
  p: { y: number; max: number; label: string; values: readonly number[]; bucketMs: number; x: (ms: number) => number; color: string },
): void {
  const { y, max } = p;
  const scaleY = (v: number) => y + PANEL - (v / max) * PANEL;
  out.push(`<rect x="${LEFT}" y="${y}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${LEFT + 6}" y="${y - 6}" font-weight="bold" fill="${p.color}">${escape(p.label)}</text>`);
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    out.push(`<text x="${LEFT - 6}" y="${fmt(scaleY(v) + 4)}" text-anchor="end">${v.toLocaleString('en-US')}</text>`);
    if (frac > 0 && frac < 1) out.push(`<line x1="${LEFT}" y1="${fmt(scaleY(v))}" x2="${WIDTH - RIGHT}" y2="${fmt(scaleY(v))}" stroke="#ddd"/>`);
  }
  // A step line: each bucket's value holds from its start to its end.
  const points: string[] = [];
  p.values.forEach((v, i) => {
    points.push(`${fmt(p.x(i * p.bucketMs))},${fmt(scaleY(v))}`, `${fmt(p.x((i + 1) * p.bucketMs))},${fmt(scaleY(v))}`);
  });
  out.push(`<polyline fill="none" stroke="${p.color}" stroke-width="1.5" points="${points.join(' ')}"/>`);
}

/** The smallest 1, 2 or 5 × 10^n at or above `v`. */
function niceMax(v: number): number {
  const base = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1))));
  for (const m of [1, 2, 5, 10]) if (m * base >= v) return m * base;
  return 10 * base;
}

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function formatHours(ms: number): string {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h} h` : `${h.toFixed(2)} h`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
