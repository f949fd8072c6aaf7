import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreLockedError } from '../errors.js';
import { judgeLockOwner, ownLockText, parseLockOwner, type LockOwner } from './lockOwner.js';
import { withTimeout } from './timeout.js';

/** An exclusive lock on a store file, held until `release()`. */
export interface StoreLock {
  /** The lock file: `<data file>.lock`, holding the owner's pid, start time and host (see `lockOwner.ts`). */
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
 * Takes `<file>.lock`, created with `O_EXCL` and holding this process's pid, start time and host.
 *
 * A lock whose owner is alive (another process, or a store already open in this process) refuses
 * at once. A lock whose pid is dead, or now belongs to a process that started at another time
 * (the pid was reused), is stale: it is moved aside, checked to still be the stale one, and
 * removed; if two processes race over the same stale lock, one of them gets it.
 *
 * @example
 * ```ts
 * const lock = await acquireStoreLock('/data/statevisor.json', 30_000);
 * try { await rewrite('/data/statevisor.json'); } finally { await lock.release(); }
 * ```
 * @throws StoreLockedError naming the pid (and host) that holds the lock, and the lock file to delete if that is wrong.
 */
export async function acquireStoreLock(file: string, timeoutMs: number): Promise<StoreLock> {
  const lockPath = `${file}.lock`;
  const before = acquiring.get(lockPath) ?? Promise.resolve();
  const attempt = before.catch(() => undefined).then(() => takeLock(file, lockPath));
  // What the next acquisition of this file waits for: this one's end, including the give-back of
  // a lock it took after its caller stopped waiting. Waiting for `attempt` alone let the next one
  // judge the lock being given back as stale, take it, and then lose its own lock file to the
  // give-back (same pid in both).
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  acquiring.set(lockPath, done);
  try {
    await withTimeout(attempt, timeoutMs, `locking ${file}`);
    finished();
  } catch (e) {
    // Timed out: if the attempt still succeeds later, give the lock back.
    void attempt.then(() => releaseLock(lockPath)).catch(() => undefined).finally(finished);
    throw e;
  } finally {
    void done.then(() => {
      if (acquiring.get(lockPath) === done) acquiring.delete(lockPath);
    });
  }
  let released: Promise<void> | undefined;
  return {
    path: lockPath,
    release: () => (released ??= withTimeout(releaseLock(lockPath), timeoutMs, `unlocking ${file}`)),
  };
}

async function takeLock(file: string, lockPath: string): Promise<void> {
  const text = await ownLockText();
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockPath, text, { flag: 'wx', mode: 0o600 });
      heldByThisProcess.add(lockPath);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readOwner(lockPath);
    if (owner !== 'gone' && owner.parsed !== undefined && (await isHeld(owner.parsed, lockPath))) throw locked(file, lockPath, owner.parsed);
    // Bounded: a lock that keeps coming back stale, or vanishing, means another process is fighting for it.
    if (attempt >= 5) throw locked(file, lockPath, owner === 'gone' ? undefined : owner.parsed);
    if (owner !== 'gone') await removeStale(file, lockPath, owner.text);
  }
}

function locked(file: string, lockPath: string, owner: LockOwner | undefined): StoreLockedError {
  return new StoreLockedError(file, owner?.pid ?? 0, { host: owner?.host, lockFile: lockPath });
}

/** The lock file's text and owner (`parsed` undefined if it names none, after a grace period), `'gone'` if it vanished. */
async function readOwner(lockPath: string): Promise<{ text: string; parsed: LockOwner | undefined } | 'gone'> {
  const deadline = Date.now() + EMPTY_LOCK_GRACE_MS;
  for (;;) {
    let text: string;
    try {
      text = await readFile(lockPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw e;
    }
    const parsed = parseLockOwner(text);
    if (parsed !== undefined || Date.now() >= deadline) return { text, parsed };
    await sleep(20);
  }
}

async function isHeld(owner: LockOwner, lockPath: string): Promise<boolean> {
  if (owner.pid === process.pid) return heldByThisProcess.has(lockPath);
  return (await judgeLockOwner(owner, lockPath)) === 'held';
}

/** Moves the lock aside, then deletes it if it is the stale one we judged; puts it back otherwise. */
async function removeStale(file: string, lockPath: string, staleText: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved === staleText) {
    await unlink(aside);
    return;
  }
  // Someone took the lock between our read and our rename: give it back.
  await link(aside, lockPath).catch(() => undefined);
  await unlink(aside);
  throw locked(file, lockPath, parseLockOwner(moved));
}

async function releaseLock(lockPath: string): Promise<void> {
  heldByThisProcess.delete(lockPath);
  try {
    if (parseLockOwner(await readFile(lockPath, 'utf8'))?.pid === process.pid) await unlink(lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
