/** Small statistics and formatting helpers shared by the bench scenarios. */

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The `p`-th percentile (0–100, nearest rank) of `values` (NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** `n` with thousands separators and `digits` decimals; `–` for NaN. */
export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio as `1.23×`; `–` when either side is missing. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return fmt(bytes / 2 ** 20, 1);
}

/** `1,000` → `1k`, `100,000` → `100k`. */
export function short(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** min–max of `values`, formatted. */
export function range(values: readonly number[], digits = 0): string {
  if (values.length === 0) return '–';
  return `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;
}

/** A markdown table from a header row and data rows; `align` is `l` or `r` per column. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: string): string {
  const a = align ?? 'l' + 'r'.repeat(header.length - 1);
  const sep = [...a].map((c) => (c === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
