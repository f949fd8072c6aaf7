import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreLockedError } from '../errors.js';
import { withTimeout } from './timeout.js';

/** An exclusive lock on a store file, held until `release()`. */
export interface StoreLock {
  /** The lock file: `<data file>.lock`, holding the owner's pid. */
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** Lock files this process holds: tells "this process, opened twice" from "a dead process that had our pid". */
const heldByThisProcess = new Set<string>();

/** Acquisitions under way in this process, by lock path: two opens of one file here run one after the other. */
const acquiring = new Map<string, Promise<unknown>>();

/** How long an empty lock file is taken for one being written, before it is called stale. */
const EMPTY_LOCK_GRACE_MS = 200;

/**
 * Takes `<file>.lock`, created with `O_EXCL` and holding this process's pid.
 *
 * A lock whose pid is alive (another process, or a store already open in this process) refuses
 * at once. A lock whose pid is dead is stale: it is moved aside, checked to still be the stale one,
 * and removed; if two processes race over the same stale lock, one of them gets it.
 *
 * @example
 * ```ts
 * const lock = await acquireStoreLock('/data/statevisor.json', 30_000);
 * try { … } finally { await lock.release(); }
 * ```
 * @throws StoreLockedError naming the pid that holds the lock.
 */
export async function acquireStoreLock(file: string, timeoutMs: number): Promise<StoreLock> {
  const lockPath = `${file}.lock`;
  const before = acquiring.get(lockPath) ?? Promise.resolve();
  const attempt = before.catch(() => undefined).then(() => takeLock(file, lockPath));
  acquiring.set(lockPath, attempt);
  try {
    await withTimeout(attempt, timeoutMs, `locking ${file}`);
  } catch (e) {
    // Timed out: if the attempt still succeeds later, give the lock back.
    void attempt.then(() => releaseLock(lockPath)).catch(() => undefined);
    throw e;
  } finally {
    if (acquiring.get(lockPath) === attempt) acquiring.delete(lockPath);
  }
  let released: Promise<void> | undefined;
  return {
    path: lockPath,
    release: () => (released ??= withTimeout(releaseLock(lockPath), timeoutMs, `unlocking ${file}`)),
  };
}

async function takeLock(file: string, lockPath: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      heldByThisProcess.add(lockPath);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readOwner(lockPath);
    if (owner !== 'gone' && owner !== undefined && isAlive(owner, lockPath)) throw new StoreLockedError(file, owner);
    // Bounded: a lock that keeps coming back stale, or vanishing, means another process is fighting for it.
    if (attempt >= 5) throw new StoreLockedError(file, typeof owner === 'number' ? owner : 0);
    if (owner !== 'gone') await removeStale(file, lockPath, owner);
  }
}

/** The pid in the lock file, `undefined` if it holds none (after a grace period), `'gone'` if it vanished. */
async function readOwner(lockPath: string): Promise<number | undefined | 'gone'> {
  const deadline = Date.now() + EMPTY_LOCK_GRACE_MS;
  for (;;) {
    let text: string;
    try {
      text = await readFile(lockPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw e;
    }
    const pid = parsePid(text);
    if (pid !== undefined || Date.now() >= deadline) return pid;
    await sleep(20);
  }
}

function parsePid(text: string): number | undefined {
  const pid = Number(text.trim());
  return /^\d+$/.test(text.trim()) && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number, lockPath: string): boolean {
  if (pid === process.pid) return heldByThisProcess.has(lockPath);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves the lock aside, then deletes it if it is the stale one we judged; puts it back otherwise. */
async function removeStale(file: string, lockPath: string, stalePid: number | undefined): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = parsePid(await readFile(aside, 'utf8'));
  if (moved === stalePid) {
    await unlink(aside);
    return;
  }
  // Someone took the lock between our read and our rename: give it back.
  await link(aside, lockPath).catch(() => undefined);
  await unlink(aside);
  throw new StoreLockedError(file, moved ?? 0);
}

async function releaseLock(lockPath: string): Promise<void> {
  heldByThisProcess.delete(lockPath);
  try {
    if (parsePid(await readFile(lockPath, 'utf8')) === process.pid) await unlink(lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
