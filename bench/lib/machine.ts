import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { table } from './stats.js';

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: string };
    return pkg.version ?? '?';
  } catch {
    return '?';
  }
}

function gitRevision(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${rev} + uncommitted changes` : rev;
  } catch {
    return '?';
  }
}

/** `os.loadavg()` formatted: 1, 5 and 15 minutes. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/**
 * The machine and software the figures were measured on, as a markdown table: the commit measured
 * (full hash, and whether the working tree had uncommitted changes) and the load average when the
 * run started and ended (other processes on a shared machine skew absolute figures; ratios
 * against same-run baselines much less).
 */
export function describeMachine(mode: string, measured: string, loadAtStart?: string): string {
  const cpus = os.cpus();
  return table(
    ['', ''],
    [
      ['date', new Date().toISOString()],
      ['mode', mode],
      ['CPU', `${cpus[0]?.model ?? '?'} (${os.availableParallelism()} cores)`],
      ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ['load average 1/5/15 min', `${loadAtStart === undefined ? '' : `${loadAtStart} at the start, `}${loadAverage()} at the end`],
      ['OS', `${os.type()} ${os.release()} ${os.arch()}`],
      ['Node', process.version],
      ['xstate', packageVersion('xstate')],
      ['@xstate/store', packageVersion('@xstate/store')],
      ['pino', packageVersion('pino')],
      ['commit measured', `${gitRevision()}; ${measured}`],
    ],
    'll',
  );
}
