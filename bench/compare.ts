/**
 * Two bench reports side by side, so a change's effect is one command:
 *
 *   npx tsx bench/compare.ts bench/results/latest.md bench/results/quick.md
 *   npm run bench -- --compare before.md after.md
 *
 * Every table of the first report is matched with the table under the same heading (and with the
 * same header) in the second; rows are matched by their leading text columns (the shortest prefix
 * of columns that tells the first report's rows apart). Each other cell prints `a → b`, and when
 * both sides hold one number, the change in percent. Rows or tables present on one side only are
 * printed with `–` on the other. Reports of different modes (full vs `--quick`) compare, but their
 * sizes differ: read the machine table first.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface Table {
  heading: string;
  header: string[];
  rows: string[][];
}

/** Splits a markdown table row `| a | b |` into trimmed cells. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

/**
 * Every table of a report, with the headings above it joined by " › ", from level 2 down: the
 * report's title (level 1) names its mode, so leaving it out lets a full and a quick report match.
 */
export function parseTables(markdown: string): Table[] {
  const lines = markdown.split('\n');
  const tables: Table[] = [];
  const headings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = /^(#+)\s+(.*)$/.exec(line);
    if (h) {
      headings.length = h[1]!.length - 1;
      headings[h[1]!.length - 1] = h[2]!.trim();
      continue;
    }
    if (line.startsWith('|') && lines[i + 1]?.startsWith('|') && /^\|[\s:|-]+\|$/.test(lines[i + 1]!.trim())) {
      const header = cells(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && lines[i]!.startsWith('|')) rows.push(cells(lines[i++]!));
      i--;
      tables.push({ heading: headings.slice(1).filter(Boolean).join(' › '), header, rows });
    }
  }
  return tables;
}

/** The one number in `cell` (thousands separators allowed), or undefined if none or several. */
function oneNumber(cell: string): number | undefined {
  const found = cell.replace(/\*\*/g, '').match(/-?\d[\d,]*(\.\d+)?/g);
  if (!found || found.length !== 1) return undefined;
  return Number(found[0].replace(/,/g, ''));
}

function keyWidth(table: Table): number {
  for (let k = 1; k < table.header.length; k++) {
    const keys = new Set(table.rows.map((r) => r.slice(0, k).join(' | ')));
    if (keys.size === table.rows.length) return k;
  }
  return table.header.length;
}

function side(a: string | undefined, b: string | undefined): string {
  const l = a ?? '–';
  const r = b ?? '–';
  if (l === r) return l;
  const x = a === undefined ? undefined : oneNumber(a);
  const y = b === undefined ? undefined : oneNumber(b);
  const delta = x !== undefined && y !== undefined && x !== 0 ? ` (${y >= x ? '+' : ''}${(((y - x) / Math.abs(x)) * 100).toFixed(0)} %)` : '';
  return `${l} → ${r}${delta}`;
}

function compareTable(a: Table | undefined, b: Table | undefined): string {
  const base = (a ?? b)!;
  const k = keyWidth(base);
  const key = (r: string[]) => r.slice(0, k).join(' | ');
  const bRows = new Map((b?.rows ?? []).map((r) => [key(r), r]));
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const r of a?.rows ?? []) {
    const other = bRows.get(key(r));
    seen.add(key(r));
    out.push([...r.slice(0, k), ...base.header.slice(k).map((_, j) => side(r[k + j], other ? other[k + j] : undefined))]);
  }
  for (const r of b?.rows ?? []) {
    if (seen.has(key(r))) continue;
    out.push([...r.slice(0, k), ...base.header.slice(k).map((_, j) => side(undefined, r[k + j]))]);
  }
  const sep = base.header.map(() => '---');
  return [base.header, sep, ...out].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/**
 * The markdown comparison of report files `fileA` (before) and `fileB` (after).
 *
 * @example
 * ```ts
 * process.stdout.write(await compareReports('bench/results/latest.md', 'bench/results/quick.md'));
 * ```
 */
export async function compareReports(fileA: string, fileB: string): Promise<string> {
  const [a, b] = await Promise.all([readFile(fileA, 'utf8'), readFile(fileB, 'utf8')]);
  return compareMarkdown(a, b, fileA, fileB);
}

/** {@link compareReports} on report texts. */
export function compareMarkdown(a: string, b: string, nameA = 'a', nameB = 'b'): string {
  const ta = parseTables(a);
  const tb = parseTables(b);
  const id = (t: Table) => `${t.heading}\n${t.header.join('|')}`;
  const bById = new Map(tb.map((t) => [id(t), t]));
  const parts = [`# Bench comparison: \`${nameA}\` → \`${nameB}\``, '', 'Each changed cell: before → after (change when both are one number).', ''];
  const used = new Set<string>();
  for (const t of ta) {
    used.add(id(t));
    const other = bById.get(id(t));
    parts.push(`## ${t.heading || 'Machine'}${other ? '' : ` (only in ${nameA})`}`, '', compareTable(t, other), '');
  }
  for (const t of tb) {
    if (used.has(id(t))) continue;
    parts.push(`## ${t.heading || 'Machine'} (only in ${nameB})`, '', compareTable(undefined, t), '');
  }
  return parts.join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const [fileA, fileB] = process.argv.slice(2);
  if (!fileA || !fileB) {
    console.error('usage: npx tsx bench/compare.ts <before.md> <after.md>');
    process.exitCode = 2;
  } else {
    compareReports(fileA, fileB).then(
      (md) => process.stdout.write(md),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exitCode = 1;
      },
    );
  }
}
