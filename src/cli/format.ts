import type { AccountStatus } from '../account.js';

/**
 * Lays out rows under headers in aligned columns (two spaces apart). Cells longer than `maxCell`
 * are cut with `…`.
 *
 * @example
 * ```ts
 * formatTable(['ID', 'STATE'], [['a', 'running']]); // 'ID  STATE\na   running\n'
 * ```
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], maxCell = 60): string {
  const cells = [headers, ...rows].map((row) => row.map((c) => cell(c, maxCell)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

// Control characters (newlines, terminal escapes) in ids or worker error messages would break the
// layout or drive the terminal: they are shown as spaces.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function cell(text: string, max: number): string {
  const clean = text.replace(CONTROL, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * A time relative to `now`: `12s ago`, `3m ago`, `in 4s`, `2h ago`, `3d ago`.
 *
 * @example
 * ```ts
 * relativeTime(Date.now() - 90_000); // '1m ago'
 * ```
 */
export function relativeTime(at: number, now = Date.now()): string {
  const delta = Math.round((at - now) / 1000);
  const abs = Math.abs(delta);
  const amount = abs < 60 ? `${abs}s` : abs < 3_600 ? `${Math.floor(abs / 60)}m` : abs < 86_400 ? `${Math.floor(abs / 3_600)}h` : `${Math.floor(abs / 86_400)}d`;
  return delta > 0 ? `in ${amount}` : `${amount} ago`;
}

/**
 * The order of every account table (and of `status --json`): by id.
 *
 * @example
 * ```ts
 * [...statuses].sort(byId);
 * ```
 */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id.localeCompare(b.id);
}

/**
 * The `statevisor status` table: id, state, since, restarts, last error, next restart.
 *
 * @example
 * ```ts
 * io.stdout.write(statusTable(supervisor.list()));
 * ```
 */
export function statusTable(statuses: readonly AccountStatus[], now = Date.now()): string {
  if (statuses.length === 0) return 'No accounts.\n';
  const rows = [...statuses]
    .sort(byId)
    .map((s) => [s.id, stateLabel(s), relativeTime(s.since, now), String(s.restarts), errorLabel(s), s.nextRestartAt === undefined ? '-' : relativeTime(s.nextRestartAt, now)]);
  return formatTable(['ID', 'STATE', 'SINCE', 'RESTARTS', 'LAST ERROR', 'NEXT RESTART'], rows);
}

/**
 * The `statevisor accounts list` table: id, enabled, state, incarnation, restarts.
 *
 * @example
 * ```ts
 * io.stdout.write(accountsTable(accounts));
 * ```
 */
export function accountsTable(statuses: readonly AccountStatus[]): string {
  if (statuses.length === 0) return 'No accounts.\n';
  const rows = [...statuses].sort(byId).map((s) => [s.id, s.enabled ? 'yes' : 'no', stateLabel(s), String(s.incarnation), String(s.restarts)]);
  return formatTable(['ID', 'ENABLED', 'STATE', 'INCARNATION', 'RESTARTS'], rows);
}

/**
 * One account, a field per line (`statevisor accounts get`).
 *
 * @example
 * ```ts
 * io.stdout.write(accountDetail(account));
 * ```
 */
export function accountDetail(s: AccountStatus, now = Date.now()): string {
  const lines: [string, string][] = [
    ['id', s.id],
    ['state', stateLabel(s)],
    ['enabled', s.enabled ? 'yes' : 'no'],
    ['since', `${new Date(s.since).toISOString()} (${relativeTime(s.since, now)})`],
    ['incarnation', String(s.incarnation)],
    ['restarts', String(s.restarts)],
  ];
  if (s.lastError) lines.push(['last error', errorLabel(s)]);
  if (s.nextRestartAt !== undefined) lines.push(['next restart', `${new Date(s.nextRestartAt).toISOString()} (${relativeTime(s.nextRestartAt, now)})`]);
  if (s.leaked) lines.push(['leaked', 'yes: a worker ignored cancellation and is still alive']);
  if (s.report) lines.push(['report', JSON.stringify(s.report)]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v.replace(CONTROL, ' ')}`).join('\n') + '\n';
}

function stateLabel(s: AccountStatus): string {
  if (s.state === 'suspended' && s.suspendedBecause) return `suspended (${s.suspendedBecause})`;
  return s.leaked ? `${s.state} (leaked)` : s.state;
}

function errorLabel(s: AccountStatus): string {
  if (!s.lastError) return '-';
  return s.lastError.code ? `${s.lastError.code}: ${s.lastError.message}` : s.lastError.message;
}
