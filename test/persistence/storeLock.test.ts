import { spawn } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { StoreLockedError } from '../../src/errors.js';
import { parseLockOwner } from '../../src/persistence/lockOwner.js';
import { account, killHard, spawnFixture, useStoreDir, waitForLine } from './helpers.js';

const dir = useStoreDir();
const openStore = dir.openStore;
const lockFile = (): string => `${dir.tmp.file}.lock`;
const lockPid = async (): Promise<number | undefined> => parseLockOwner(await readFile(lockFile(), 'utf8'))?.pid;
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('store lock: one daemon per file', () => {
  it('refuses at once while another live process holds the lock, naming its pid', async () => {
    const child = spawnFixture('holdLock.ts', [dir.tmp.file]);
    try {
      await waitForLine(child, /^locked /);
      const started = Date.now();
      const error = (await openStore().catch((e: unknown) => e)) as StoreLockedError;
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toBeInstanceOf(StoreLockedError);
      expect(error.pid).toBe(child.pid);
      expect(error.message).toContain(`process ${child.pid}`);
      expect(error.file).toBe(dir.tmp.file);

      // The holder closes cleanly: the lock is gone and we get in.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      expect(await exited).toBe(0);
      expect(await exists(lockFile())).toBe(false);
      await (await openStore()).put(account('after'));
    } finally {
      await killHard(child);
    }
  });

  it('recovers the lock of a process killed with SIGKILL', async () => {
    const child = spawnFixture('holdLock.ts', [dir.tmp.file]);
    await waitForLine(child, /^locked /);
    await killHard(child);
    expect(await lockPid()).toBe(child.pid);
    await openStore();
    expect(await lockPid()).toBe(process.pid);
  });

  it('recovers a stale lock from a dead pid, and one with no pid in it', async () => {
    await writeFile(lockFile(), `${await deadPid()}\n`);
    await (await openStore()).close();
    await writeFile(lockFile(), '');
    await openStore();
    expect(await lockPid()).toBe(process.pid);
  });

  it('recovers a lock naming this pid that this process does not hold (pid reuse after a restart)', async () => {
    await writeFile(lockFile(), `${process.pid}\n`);
    await openStore();
  });

  it('refuses a second open in the same process', async () => {
    await openStore();
    const error = (await openStore().catch((e: unknown) => e)) as StoreLockedError;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.pid).toBe(process.pid);
  });

  it('lets exactly one of two simultaneous opens in one process win', async () => {
    const results = await Promise.allSettled([openStore(), openStore()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(StoreLockedError);
  });

  it('releases the lock on close', async () => {
    const store = await openStore();
    expect(await exists(lockFile())).toBe(true);
    await store.close();
    expect(await exists(lockFile())).toBe(false);
    await openStore();
  });
});
