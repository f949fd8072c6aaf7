/**
 * `statevisor what-if`: runs your restart policy against your whole fleet over a simulated day, on
 * the real supervisor with a virtual clock (`simulateFleet`), and prints what it would do:
 *
 * ```
 * statevisor what-if --accounts 10000 --hours 24 --outage 5m@2h,30m@10h --crash-rate 0.01/h \
 *   --reject 0.1% --policy statevisor.config.json --seed 7 [--json] [--chart out.svg]
 * ```
 *
 * Bad input (an unknown flag, a malformed policy file, an outage longer than the run) changes
 * nothing and exits 2 with a message naming it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { restartPolicyInputSchema } from '../accountSchema.js';
import { daemonConfigSchema } from '../daemon/config.js';
import { fleetChartSvg } from '../simulation/chart.js';
import { SimulationInputError } from '../simulation/errors.js';
import type { Outage } from '../simulation/platform.js';
import type { FleetReport } from '../simulation/report.js';
import { simulateFleet, type SimulateFleetOptions } from '../simulation/simulateFleet.js';
import type { RestartPolicyInput } from '../supervision/restartPolicy.js';
import { action, printJson } from './command.js';
import { CliError, OPERATOR_EXIT } from './errors.js';
import type { OperatorIo } from './io.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `90s`, `5m`, `1.5h`, `2d` into milliseconds. */
export function parseDuration(raw: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  if (!m) throw usage(flag, `"${raw}" is not a duration; write a number and a unit: 500ms, 90s, 5m, 1.5h, 2d`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/** Parses `5m@2h,30m@10h:50%`: outages of a length at a time, optionally hitting a share of the accounts. */
export function parseOutages(raw: string): Outage[] {
  return raw.split(',').map((part) => {
    const m = /^([^@:]+)@([^@:]+)(?::(\d+(?:\.\d+)?)%)?$/.exec(part.trim());
    if (!m) throw usage('--outage', `"${part}" is not LENGTH@START[:SHARE%], for example 5m@2h or 30m@10h:50%`);
    const outage: Outage = { durationMs: parseDuration(m[1]!, '--outage'), atMs: parseDuration(m[2]!, '--outage') };
    if (outage.durationMs <= 0) throw usage('--outage', `"${part}" has a length of 0`);
    if (m[3] !== undefined) {
      const share = Number(m[3]) / 100;
      if (!(share > 0 && share <= 1)) throw usage('--outage', `"${part}" needs a share above 0% and at most 100%`);
      outage.share = share;
    }
    return outage;
  });
}

/** Parses `0.01/h` (also `/m`, `/d`; a bare number is per hour) into crashes per hour. */
export function parseRate(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|m|h|d))?$/.exec(raw.trim());
  if (!m) throw usage('--crash-rate', `"${raw}" is not a rate; write crashes per account per hour like 0.01/h (or /m, /d)`);
  const perUnit = Number(m[1]);
  const unit = m[2] ?? 'h';
  return perUnit * (3_600_000 / UNIT_MS[unit]!);
}

/** Parses `0.1%` (or a fraction such as `0.001`) into a share between 0 and 1. */
export function parseShare(raw: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(raw.trim());
  const share = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(share >= 0 && share <= 1)) throw usage(flag, `"${raw}" is not a share; write a percentage like 0.1% or a fraction from 0 to 1`);
  return share;
}

/**
 * Reads a restart policy file: either a bare restart policy (`{"backoff": {"minMs": 2000}}`) or
 * the daemon's configuration file (`statevisor.config.json`), whose `restart` and
 * `cancelTimeoutMs` are used. Validated with the daemon's own schemas.
 */
export function readPolicyFile(file: string): { policy: RestartPolicyInput; cancelTimeoutMs?: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usage('--policy', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw usage('--policy', `${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw usage('--policy', `${file} must hold a JSON object`);
  const policyKeys = new Set(Object.keys(restartPolicyInputSchema.shape));
  const isConfig = Object.keys(parsed).some((k) => !policyKeys.has(k));
  if (isConfig) {
    const checked = daemonConfigSchema.partial().safeParse(parsed);
    if (!checked.success) throw usage('--policy', `${file}: ${describeIssue(checked.error.issues[0]!)}`);
    return { policy: checked.data.restart ?? {}, ...(checked.data.cancelTimeoutMs ? { cancelTimeoutMs: checked.data.cancelTimeoutMs } : {}) };
  }
  const checked = restartPolicyInputSchema.safeParse(parsed);
  if (!checked.success) throw usage('--policy', `${file}: ${describeIssue(checked.error.issues[0]!)}`);
  return { policy: checked.data };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : issue.path.join('.');
  const reason = issue.code === 'unrecognized_keys' ? 'is not a known key' : issue.message.replace(/^Invalid input: /, 'is invalid: ');
  return `"${key || '(file)'}" ${reason}`;
}

function usage(flag: string, reason: string): CliError {
  return new CliError('CLI_USAGE', `${flag}: ${reason}.`, OPERATOR_EXIT.usage);
}

function whole(flag: string, min: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${flag} must be a whole number ≥ ${min}.`);
    return n;
  };
}

function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

/** The flags of `what-if`, as commander hands them over. */
interface WhatIfFlags {
  accounts: number;
  hours: number;
  outage?: string;
  crashRate?: string;
  reject?: string;
  ban?: string;
  slowCancel?: string;
  policy?: string;
  seed: number;
  threads?: number;
  json?: boolean;
  chart?: string;
}

/** Turns the flags into `simulateFleet` options (throws a usage `CliError` naming the flag). */
export function whatIfOptions(flags: WhatIfFlags, cwd: string): SimulateFleetOptions & { policyFile?: string } {
  const durationMs = Math.round(flags.hours * 3_600_000);
  const outages = flags.outage ? parseOutages(flags.outage) : [];
  outages.forEach((o) => {
    if (o.atMs + o.durationMs > durationMs) {
      throw usage('--outage', `an outage from ${formatDuration(o.atMs)} lasting ${formatDuration(o.durationMs)} ends after the run (--hours ${flags.hours}); shorten it or run longer`);
    }
  });
  const policyFile = flags.policy ? path.resolve(cwd, flags.policy) : undefined;
  const fromFile = policyFile ? readPolicyFile(policyFile) : { policy: {} };
  return {
    seed: flags.seed,
    accounts: flags.accounts,
    durationMs,
    policy: fromFile.policy,
    ...(fromFile.cancelTimeoutMs ? { cancelTimeoutMs: fromFile.cancelTimeoutMs } : {}),
    platform: {
      outages,
      crashesPerHour: flags.crashRate ? parseRate(flags.crashRate) : 0,
      rejectShare: flags.reject ? parseShare(flags.reject, '--reject') : 0,
      banShare: flags.ban ? parseShare(flags.ban, '--ban') : 0,
      ...(flags.slowCancel ? { cancel: { slowShare: parseShare(flags.slowCancel, '--slow-cancel') } } : {}),
    },
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(policyFile ? { policyFile } : {}),
  };
}

/**
 * Adds `what-if` to the `statevisor` program.
 *
 * @example
 * ```ts
 * registerWhatIfCommand(program, processIo());
 * ```
 */
export function registerWhatIfCommand(program: Command, io: OperatorIo): Command {
  return program
    .command('what-if')
    .description('simulate your restart policy on your fleet over a virtual day (the real supervisor on a virtual clock)')
    .option('--accounts <n>', 'accounts in the fleet', whole('--accounts', 1), 1_000)
    .option('--hours <h>', 'simulated hours', positiveNumber, 24)
    .option('--outage <list>', 'platform outages, LENGTH@START[:SHARE%], comma-separated (e.g. 5m@2h,30m@10h)')
    .option('--crash-rate <rate>', 'session crashes per account, e.g. 0.01/h')
    .option('--reject <share>', 'accounts whose credentials get rejected during the run, e.g. 0.1%')
    .option('--ban <share>', 'accounts banned during the run, e.g. 0.01%')
    .option('--slow-cancel <share>', 'accounts whose worker takes 30 s to cancel (leaks past cancelTimeoutMs)')
    .option('--policy <file>', 'restart policy JSON, or the daemon config file (its "restart" and "cancelTimeoutMs")')
    .option('--seed <n>', 'seed of every random draw; the same seed gives the same run', whole('--seed', 0), 1)
    .option('--threads <n>', 'worker threads to run it on (the result is the same for any number); default: one per core, up to 4, from 2,000 accounts', whole('--threads', 1))
    .option('--json', 'print the report as JSON')
    .option('--chart <file.svg>', 'write a chart of connected accounts and reconnects per second')
    .action(
      action(io, async (flags: WhatIfFlags) => {
        const { policyFile, ...options } = whatIfOptions(flags, io.cwd);
        let report: FleetReport;
        try {
          report = await simulateFleet(options);
        } catch (err) {
          if (err instanceof SimulationInputError) throw new CliError(err.code, err.message, OPERATOR_EXIT.usage);
          throw err;
        }
        const chart = flags.chart ? path.resolve(io.cwd, flags.chart) : undefined;
        if (chart) writeFileSync(chart, fleetChartSvg(report));
        if (flags.json) printJson(io, { ...report, ...(chart ? { chart } : {}) });
        else io.stdout.write(formatReport(report, { policyFile, chart }));
      }),
    );
}

/** The text report of `what-if`. */
export function formatReport(report: FleetReport, extra: { policyFile?: string | undefined; chart?: string | undefined } = {}): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines: string[] = [];
  const speed = report.wallMs > 0 ? ` (${n(Math.round(report.durationMs / report.wallMs))}x real time)` : '';
  lines.push(`what-if: ${n(report.accounts)} accounts, ${formatDuration(report.durationMs)}, seed ${report.seed}, policy ${extra.policyFile ?? 'defaults'}`);
  const threads = report.threads > 1 ? ` on ${report.threads} threads` : '';
  lines.push(`simulated in ${(report.wallMs / 1000).toFixed(1)} s${threads}${speed}, ${(report.cpuMs / 1000).toFixed(1)} s of CPU; trace ${report.trace} (${n(report.steps)} steps)`);
  lines.push('');
  const r = report.restarts;
  lines.push(`restarts per account   median ${n(r.median)}, p99 ${n(r.p99)}, max ${n(r.max)} (total ${n(r.total)})`);
  lines.push(`accounts suspended     ${n(report.suspended.total)}`);
  for (const g of report.suspended.groups) {
    const why = g.cause === 'intensity' ? 'restart intensity exceeded' : `non-retryable error${g.code ? ` ${g.code}` : ''}`;
    const when = g.firstAtMs === g.lastAtMs ? `at ${clockTime(g.firstAtMs)}` : `${clockTime(g.firstAtMs)}–${clockTime(g.lastAtMs)}`;
    const where = g.outage === null ? '' : ` (outage ${g.outage + 1})`;
    lines.push(`  ${n(g.count).padStart(7)}  ${why}, ${when}${where}`);
  }
  report.outages.forEach((o, k) => {
    lines.push(`outage ${k + 1}               ${formatDuration(o.durationMs)} at ${clockTime(o.atMs)}${o.share < 1 ? `, ${Math.round(o.share * 100)}% of accounts` : ''}: dropped ${n(o.dropped)} sessions`);
    lines.push(`  peak reconnects/s    ${n(o.peakReconnectsPerSecond)} after it (at ${clockTime(o.peakAtMs)}), ${n(o.peakReconnectsPerSecondDuring)} during it`);
    const back =
      o.allBackAfterMs !== null ? `all back ${formatDuration(o.allBackAfterMs)} after it ended` : o.back === 0 ? 'none came back' : 'not all back by the end of the run';
    lines.push(`  recovery             ${back}; ${n(o.back)} back, ${n(o.suspended)} suspended instead`);
  });
  lines.push(`accounts leaked        ${n(report.leaked)}`);
  if (report.escalated) lines.push(`ESCALATED              account ${report.escalated.accountId} at ${clockTime(report.escalated.atMs)}: the supervisor shut itself down`);
  if (extra.chart) lines.push(`chart                  ${extra.chart}`);
  return `${lines.join('\n')}\n`;
}

/** `2h05m`, `45s`, `1m02s`, `350ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return m === 0 && sec === 0 ? `${h}h` : `${h}h${String(m).padStart(2, '0')}m${sec ? `${String(sec).padStart(2, '0')}s` : ''}`;
  if (m > 0) return sec === 0 ? `${m}m` : `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** A time of the run as `h:mm:ss`. */
function clockTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
