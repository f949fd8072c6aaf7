/**
 * The store lock's edges, on real files with an instrumented file system: the races another
 * process would have to win at an exact moment (a lock that vanishes, is replaced, or keeps coming
 * back stale; an owner still writing its lock) are made to happen at that moment by hooks on
 * `node:fs/promises` and on the lock's short poll sleep. Each case was a mutant of storeLock.ts
 * that no other test noticed.
 */
import { mkdtemp, rm, writeFile as realWriteFile, readFile as realReadFile, access, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

interface Hooks {
  /** Runs before the real `readFile` of the lock file. */
  beforeReadLock?: () => Promise<void>;
  /** Runs before the real `rename` of the lock file aside. */
  beforeRenameLock?: () => Promise<void>;
  /** Runs after the real `rename` of the lock file aside. */
  afterRenameLock?: () => Promise<void>;
  /** Replaces the real `unlink` of the lock file. */
  unlinkLock?: () => Promise<void>;
  /** Runs before each short poll sleep of the lock (waiting for an owner to finish writing). */
  onSleep?: () => Promise<void>;
}
const hooks: Hooks = {};
const calls: string[] = [];
let lockPath = '';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const isLock = (p: unknown) => lockPath !== '' && String(p) === lockPath;
  const readFile = (async (p: Parameters<typeof real.readFile>[0], options?: Parameters<typeof real.readFile>[1]) => {
    if (isLock(p)) {
      calls.push('read lock');
      await hooks.beforeReadLock?.();
    }
    return real.readFile(p, options);
  }) as typeof real.readFile;
  const rename: typeof real.rename = async (from, to) => {
    if (!isLock(from)) return real.rename(from, to);
    calls.push('rename lock');
    await hooks.beforeRenameLock?.();
    await real.rename(from, to);
    await hooks.afterRenameLock?.();
  };
  const unlink: typeof real.unlink = async (p) => {
    if (!isLock(p)) return real.unlink(p);
    calls.push('unlink lock');
    return hooks.unlinkLock ? hooks.unlinkLock() : real.unlink(p);
  };
  const fns = { readFile, rename, unlink };
  return { ...real, ...fns, default: { ...real, ...fns } };
});

vi.mock('node:timers/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:timers/promises')>();
  const setTimeout = (async (ms?: number, value?: unknown) => {
    await hooks.onSleep?.();
    return real.setTimeout(ms, value);
  }) as typeof real.setTimeout;
  return { ...real, setTimeout, default: { ...real, setTimeout } };
});

const { acquireStoreLock } = await import('../../src/persistence/storeLock.js');
const { StoreLockedError } = await import('../../src/errors.js');
const { IoTimeoutError } = await import('../../src/persistence/timeout.js');
type StoreLock = Awaited<ReturnType<typeof acquireStoreLock>>;

/** A lock that judges as held from anywhere: another host's (its pids cannot be checked). */
const OTHER_HOST_OWNER = `${JSON.stringify({ pid: 4242, host: 'elsewhere.example' })}\n`;
/** A lock naming this pid that this process does not hold: stale (the pid was reused). */
const STALE_OWNER = `${process.pid}\n`;

let dir = '';
let file = '';
const held: StoreLock[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-lock-'));
  file = path.join(dir, 'statevisor.json');
  lockPath = `${file}.lock`;
  calls.length = 0;
  for (const k of Object.keys(hooks) as (keyof Hooks)[]) delete hooks[k];
});
afterEach(async () => {
  for (const k of Object.keys(hooks) as (keyof Hooks)[]) delete hooks[k];
  await Promise.allSettled(held.splice(0).map((l) => l.release()));
  lockPath = '';
  await rm(dir, { recursive: true, force: true });
});

async function acquire(timeoutMs = 5_000): Promise<StoreLock> {
  const lock = await acquireStoreLock(file, timeoutMs);
  held.push(lock);
  return lock;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** Polls `check` every 10 ms, at most `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('store lock: errors are the real ones', () => {
  it('a lock that cannot be created for another reason than "exists" rejects with that error, not "locked"', async () => {
    file = path.join(dir, 'missing', 'statevisor.json');
    lockPath = `${file}.lock`;
    const error = (await acquire().catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(error).not.toBeInstanceOf(StoreLockedError);
    expect(error.code).toBe('ENOENT');
  });

  it('a directory where the lock file should be is reported as the read error, not as a lock that keeps vanishing', async () => {
    await mkdir(lockPath);
    const error = (await acquire().catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(error).not.toBeInstanceOf(StoreLockedError);
    expect(error.code).toBe('EISDIR');
  });

  it('a stale lock that cannot be moved aside rejects with the file system error', async () => {
    await realWriteFile(lockPath, STALE_OWNER);
    hooks.beforeRenameLock = () => Promise.reject(Object.assign(new Error('rename: operation not permitted'), { code: 'EPERM' }));
    const error = (await acquire().catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(error).not.toBeInstanceOf(StoreLockedError);
    expect(error.code).toBe('EPERM');
  });
});

describe('store lock: races with another process', () => {
  it('a lock that vanishes between "exists" and reading it is taken', async () => {
    await realWriteFile(lockPath, OTHER_HOST_OWNER);
    hooks.beforeReadLock = async () => {
      delete hooks.beforeReadLock;
      await rm(lockPath);
    };
    await acquire();
    expect(await realReadFile(lockPath, 'utf8')).toContain(`"pid":${process.pid}`);
  });

  it('a stale lock removed by someone else before it could be moved aside: the lock is taken', async () => {
    await realWriteFile(lockPath, STALE_OWNER);
    hooks.beforeRenameLock = async () => {
      delete hooks.beforeRenameLock;
      await rm(lockPath);
    };
    await acquire();
    expect(await realReadFile(lockPath, 'utf8')).toContain(`"pid":${process.pid}`);
  });

  it('a stale lock replaced by a live owner just before it was moved aside is put back, and the open refused', async () => {
    await realWriteFile(lockPath, STALE_OWNER);
    hooks.beforeRenameLock = async () => {
      delete hooks.beforeRenameLock;
      await realWriteFile(lockPath, OTHER_HOST_OWNER);
    };
    const error = (await acquire().catch((e: unknown) => e)) as InstanceType<typeof StoreLockedError>;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.pid).toBe(4242);
    expect(await realReadFile(lockPath, 'utf8')).toBe(OTHER_HOST_OWNER);
  });

  it('a lock that keeps coming back stale is fought over five times, then refused', async () => {
    await realWriteFile(lockPath, STALE_OWNER);
    hooks.afterRenameLock = () => realWriteFile(lockPath, STALE_OWNER);
    const error = (await acquire().catch((e: unknown) => e)) as InstanceType<typeof StoreLockedError>;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.pid).toBe(process.pid);
    expect(calls.filter((c) => c === 'rename lock')).toHaveLength(5);
  });

  it('an empty lock (its owner still writing it) is waited for, not taken', async () => {
    await realWriteFile(lockPath, '');
    hooks.onSleep = async () => {
      delete hooks.onSleep;
      await realWriteFile(lockPath, OTHER_HOST_OWNER);
    };
    const error = (await acquire().catch((e: unknown) => e)) as InstanceType<typeof StoreLockedError>;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.pid).toBe(4242);
    expect(calls).not.toContain('rename lock');
  });
});

describe('store lock: timeouts', () => {
  it('an acquisition past its timeout names what it was doing, and gives the lock back if it succeeds later', async () => {
    await realWriteFile(lockPath, STALE_OWNER);
    let readGate: () => void = () => undefined;
    hooks.beforeReadLock = () => {
      delete hooks.beforeReadLock;
      return new Promise<void>((resolve) => (readGate = resolve));
    };
    const error = (await acquireStoreLock(file, 300).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(IoTimeoutError);
    expect(error.message).toBe(`locking ${file} did not finish within 300 ms`);
    readGate();
    await eventually(() => calls.includes('unlink lock'));
    await eventually(async () => !(await exists(lockPath)));
    await acquire();
  });

  it('the next acquisition waits for a timed-out one to give its lock back, and keeps the lock it then takes', async () => {
    await realWriteFile(lockPath, STALE_OWNER);
    // A: blocked on its first read of the (stale) lock until it has timed out.
    let openFirstRead: () => void = () => undefined;
    hooks.beforeReadLock = () => {
      hooks.beforeReadLock = () => {
        // A's give-back, after it took the lock late: held here until B has had its chance.
        delete hooks.beforeReadLock;
        reachedGiveBack();
        return new Promise<void>((resolve) => (openGiveBack = resolve));
      };
      return new Promise<void>((resolve) => (openFirstRead = resolve));
    };
    let reachedGiveBack: () => void = () => undefined;
    const atGiveBack = new Promise<void>((resolve) => (reachedGiveBack = resolve));
    let openGiveBack: () => void = () => undefined;
    await expect(acquireStoreLock(file, 300)).rejects.toBeInstanceOf(IoTimeoutError);
    openFirstRead();
    await atGiveBack; // A took the lock after all and is giving it back
    let bSettled = false;
    const b = acquire().finally(() => (bSettled = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bSettled).toBe(false); // B waits for A's give-back instead of judging A's lock stale
    openGiveBack();
    const lock = await b;
    // The give-back removed A's lock only; B's is there and is B's.
    expect(await exists(lockPath)).toBe(true);
    expect(JSON.parse(await realReadFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await exists(lockPath)).toBe(false);
  });

  it('a release that hangs names what it was doing', async () => {
    // The bound is the acquisition's too: generous, so a loaded machine still takes the lock in time.
    const lock = await acquireStoreLock(file, 2_000);
    hooks.unlinkLock = () => new Promise<void>(() => undefined);
    await expect(lock.release()).rejects.toThrow(`unlocking ${file} did not finish within 2000 ms`);
  });
});

describe('store lock: release', () => {
  it('a lock file already removed by someone else is released without an error', async () => {
    const lock = await acquireStoreLock(file, 5_000);
    await rm(lockPath);
    await expect(lock.release()).resolves.toBeUndefined();
  });

  it('a lock file that cannot be read at release rejects with that error', async () => {
    const lock = await acquireStoreLock(file, 5_000);
    hooks.beforeReadLock = () => Promise.reject(Object.assign(new Error('read: input/output error'), { code: 'EIO' }));
    await expect(lock.release()).rejects.toMatchObject({ code: 'EIO' });
  });
});
