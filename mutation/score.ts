/**
 * The mutation score per module, from the committed Stryker report and the hand-judged list of
 * surviving mutants that no test can or should kill (`mutation/equivalents.json`).
 *
 * Stryker's own score counts every surviving mutant as a gap. Some are not: a mutant that
 * behaves exactly like the code (equivalent), a defensive guard no caller reaches as wired
 * (unreachable), or a mutant that makes the module throw at import, which Stryker's vitest runner
 * counts as surviving because a test file that fails to load reports no failed test
 * (killed-at-load, each checked by hand). Each is listed with its reason, by file, line, column and
 * mutator as the report locates it; the table shows Stryker's score and the score with the
 * listed ones set aside, side by side. An entry that no longer matches a surviving mutant of the
 * report (the code moved or a test now kills it) is stale: `--check` fails on it, and so does
 * `test/meta/mutationReport.test.ts`, so the list cannot quietly outlive its judgement.
 *
 * ```sh
 * npm run mutate:score            # the markdown table of docs/mutation.md
 * npm run mutate:score -- --check # exit 1 on a stale entry
 * ```
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Why a surviving mutant is not a gap in the tests. */
export type ListedKind = 'equivalent' | 'unreachable' | 'killed-at-load' | 'killed-by-hand';

/** One entry of `mutation/equivalents.json`. */
export interface ListedMutant {
  file: string;
  line: number;
  column: number;
  mutator: string;
  kind: ListedKind;
  reason: string;
}

interface ReportMutant {
  mutatorName: string;
  status: string;
  location: { start: { line: number; column: number } };
}

/** The part of Stryker's `mutation.json` (mutation-testing-report-schema) read here. */
export interface MutationReport {
  files: Record<string, { mutants: ReportMutant[] }>;
}

/** One module's row. */
export interface ScoreRow {
  file: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Survived or not covered, and listed. */
  listed: number;
  /** Stryker's score: (killed + timeout) / (killed + timeout + survived + no coverage). */
  score: number;
  /** The same with the listed mutants set aside. */
  scoreListed: number;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KINDS: readonly ListedKind[] = ['equivalent', 'unreachable', 'killed-at-load', 'killed-by-hand'];
const key = (file: string, line: number, column: number, mutator: string): string => `${file}:${line}:${column}:${mutator}`;
const isGap = (status: string): boolean => status === 'Survived' || status === 'NoCoverage';

/** Reads the committed report and list. */
export function readInputs(root = ROOT): { report: MutationReport; listed: ListedMutant[] } {
  const report = JSON.parse(readFileSync(path.join(root, 'reports/mutation/mutation.json'), 'utf8')) as MutationReport;
  const listed = JSON.parse(readFileSync(path.join(root, 'mutation/equivalents.json'), 'utf8')) as ListedMutant[];
  return { report, listed };
}

/**
 * What is wrong with the list, one line per problem: an entry without a reason or with an
 * unknown kind, or one matching no surviving mutant of the report. Several mutants of one
 * mutator can start at the same place (`a || b` → `false` for the whole and for its left side);
 * an entry covers one of them, so such mutants are listed once each.
 */
export function problems({ report, listed }: { report: MutationReport; listed: ListedMutant[] }): string[] {
  const gaps = new Map<string, number>();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      if (!isGap(m.status)) continue;
      const k = key(file, m.location.start.line, m.location.start.column, m.mutatorName);
      gaps.set(k, (gaps.get(k) ?? 0) + 1);
    }
  }
  const out: string[] = [];
  for (const e of listed) {
    const where = `${e.file}:${e.line}:${e.column} ${e.mutator}`;
    if (!KINDS.includes(e.kind)) out.push(`${where}: unknown kind '${e.kind}' (one of ${KINDS.join(', ')})`);
    if (e.reason.trim().length < 10) out.push(`${where}: no reason given`);
    const k = key(e.file, e.line, e.column, e.mutator);
    const left = gaps.get(k) ?? 0;
    if (left === 0) out.push(`${where}: listed, but the report has no surviving mutant there (moved, or killed now): judge it again or remove it`);
    else gaps.set(k, left - 1);
  }
  return out;
}

/** One row per file of the report, sorted by the score with listed mutants set aside, then name. */
export function scoreRows({ report, listed }: { report: MutationReport; listed: ListedMutant[] }): ScoreRow[] {
  const listedPerFile = new Map<string, number>();
  const budget = new Map<string, number>();
  for (const e of listed) {
    const k = key(e.file, e.line, e.column, e.mutator);
    budget.set(k, (budget.get(k) ?? 0) + 1);
  }
  const rows: ScoreRow[] = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const count = (status: string) => mutants.filter((m) => m.status === status).length;
    let listedHere = 0;
    for (const m of mutants) {
      if (!isGap(m.status)) continue;
      const k = key(file, m.location.start.line, m.location.start.column, m.mutatorName);
      const left = budget.get(k) ?? 0;
      if (left > 0) {
        budget.set(k, left - 1);
        listedHere += 1;
      }
    }
    listedPerFile.set(file, listedHere);
    const killed = count('Killed');
    const timeout = count('Timeout');
    const survived = count('Survived');
    const noCoverage = count('NoCoverage');
    const valid = killed + timeout + survived + noCoverage;
    if (valid === 0) continue;
    rows.push({
      file,
      killed,
      timeout,
      survived,
      noCoverage,
      listed: listedHere,
      score: (killed + timeout) / valid,
      scoreListed: (killed + timeout) / (valid - listedHere),
    });
  }
  return rows.sort((a, b) => b.scoreListed - a.scoreListed || b.score - a.score || a.file.localeCompare(b.file));
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The markdown table docs/mutation.md shows between its `score` markers. */
export function scoreTable(rows: ScoreRow[]): string {
  const sum = (f: (r: ScoreRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const all = { killed: sum((r) => r.killed), timeout: sum((r) => r.timeout), survived: sum((r) => r.survived), noCoverage: sum((r) => r.noCoverage), listed: sum((r) => r.listed) };
  const valid = all.killed + all.timeout + all.survived + all.noCoverage;
  const lines = [
    '| file | score, listed set aside | Stryker score | killed | timeout | survived | no coverage | of which listed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.file.replace(/^src\//, '')} | ${r.scoreListed < 0.9 ? `**${pct(r.scoreListed)}**` : pct(r.scoreListed)} | ${pct(r.score)} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.listed} |`),
    `| **all measured** | **${pct((all.killed + all.timeout) / (valid - all.listed))}** | **${pct((all.killed + all.timeout) / valid)}** | ${all.killed} | ${all.timeout} | ${all.survived} | ${all.noCoverage} | ${all.listed} |`,
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const inputs = readInputs();
  if (process.argv.includes('--check')) {
    const found = problems(inputs);
    for (const p of found) console.error(p);
    process.exitCode = found.length > 0 ? 1 : 0;
  } else {
    console.log(scoreTable(scoreRows(inputs)));
  }
}
