import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * Who a lock file names: a pid, and (since the lock records them) the process's start time and
 * host. A pid alone cannot tell the daemon that wrote the lock from an unrelated process that got
 * the same pid after a crash or a reboot (a lock naming pid 1 would refuse forever); pid + start
 * time identifies one process for the life of the machine.
 */
export interface LockOwner {
  pid: number;
  /** Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot); absent in old locks and off Linux. */
  started?: string | undefined;
  host?: string | undefined;
}

/**
 * The lock file's text for this process.
 *
 * @example
 * ```ts
 * await writeFile(lockPath, await ownLockText(), { flag: 'wx' }); // {"pid":42,"started":"123456","host":"vm"}
 * ```
 */
export async function ownLockText(): Promise<string> {
  const owner: LockOwner = { pid: process.pid, started: await processStartTicks(process.pid), host: hostname() };
  return `${JSON.stringify(owner)}\n`;
}

/**
 * Parses a lock file: the JSON this version writes, or a bare pid (older versions). `undefined`
 * when it names no valid pid.
 *
 * @example
 * ```ts
 * parseLockOwner('1234\n'); // { pid: 1234 }
 * ```
 */
export function parseLockOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return validPid(Number(trimmed)) ? { pid: Number(trimmed) } : undefined;
  try {
    const o = JSON.parse(trimmed) as Partial<Record<keyof LockOwner, unknown>>;
    if (typeof o !== 'object' || o === null || typeof o.pid !== 'number' || !validPid(o.pid)) return undefined;
    return { pid: o.pid, started: typeof o.started === 'string' ? o.started : undefined, host: typeof o.host === 'string' ? o.host : undefined };
  } catch {
    return undefined;
  }
}

const validPid = (pid: number) => Number.isSafeInteger(pid) && pid > 0;

/**
 * Whether the process a lock names still holds it, as far as this host can tell:
 *
 * - another host: `'held'` (its pids cannot be checked from here);
 * - no such pid: `'stale'`;
 * - a live pid whose start time differs from the recorded one: `'stale'` (the pid was reused);
 * - an old lock without a start time, naming a live process that started after the lock file
 *   was written: `'stale'` for the same reason;
 * - otherwise `'held'` (also when `/proc` cannot be read, to stay on the safe side).
 *
 * @example
 * ```ts
 * await judgeLockOwner({ pid: 1, started: '1', host: hostname() }, lockPath); // 'stale': pid 1 did not start at tick 1
 * ```
 */
export async function judgeLockOwner(owner: LockOwner, lockPath: string): Promise<'held' | 'stale'> {
  if (owner.host !== undefined && owner.host !== hostname()) return 'held';
  if (!pidExists(owner.pid)) return 'stale';
  const started = await processStartTicks(owner.pid);
  if (started === undefined) return 'held';
  if (owner.started !== undefined) return owner.started === started ? 'held' : 'stale';
  const startedAtMs = await ticksToEpochMs(started);
  const writtenAtMs = await stat(lockPath).then((s) => s.mtimeMs, () => undefined);
  // btime has a one-second resolution: only a clear "started after" counts.
  return startedAtMs !== undefined && writtenAtMs !== undefined && startedAtMs > writtenAtMs + 2_000 ? 'stale' : 'held';
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Field 22 of `/proc/<pid>/stat`: when the process started, in clock ticks after boot.
 * `undefined` when it cannot be read (no such process, not Linux).
 *
 * @example
 * ```ts
 * await processStartTicks(process.pid); // '8123456'
 * ```
 */
export async function processStartTicks(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

// Linux reports start times in USER_HZ, which is 100 on every architecture it supports.
const USER_HZ = 100;

async function ticksToEpochMs(ticks: string): Promise<number | undefined> {
  try {
    const btime = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1];
    return btime === undefined ? undefined : Number(btime) * 1_000 + (Number(ticks) / USER_HZ) * 1_000;
  } catch {
    return undefined;
  }
}
