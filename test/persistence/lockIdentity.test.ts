import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreLockedError } from '../../src/errors.js';
import { parseLockOwner, processStartTicks } from '../../src/persistence/lockOwner.js';
import { killHard, useStoreDir } from './helpers.js';

const dir = useStoreDir();
const lockFile = (): string => `${dir.tmp.file}.lock`;
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(killHard));
});

/** A live process that is not a statevisor: its pid is what a crashed daemon's pid may become. */
async function unrelatedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid!;
}

describe('store lock: a recycled pid is recognised', () => {
  it('records pid, process start time and host', async () => {
    await dir.openStore();
    const owner = parseLockOwner(await readFile(lockFile(), 'utf8'));
    expect(owner).toEqual({ pid: process.pid, started: await processStartTicks(process.pid), host: hostname() });
    expect(owner?.started).toMatch(/^\d+$/);
  });

  it('a lock naming pid 1 with another start time is stale: the store opens', async () => {
    await writeFile(lockFile(), `${JSON.stringify({ pid: 1, started: '1', host: hostname() })}\n`);
    await dir.openStore();
    expect(parseLockOwner(await readFile(lockFile(), 'utf8'))?.pid).toBe(process.pid);
  });

  it('a lock naming a live process with its own start time is held; the message says what to do', async () => {
    const pid = await unrelatedProcess();
    await writeFile(lockFile(), `${JSON.stringify({ pid, started: await processStartTicks(pid), host: hostname() })}\n`);
    const error = (await dir.openStore().catch((e: unknown) => e)) as StoreLockedError;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.pid).toBe(pid);
    expect(error.message).toContain(`process ${pid}`);
    expect(error.message).toContain(`delete ${lockFile()}`);
  });

  it('an old pid-only lock naming a process that started after the lock was written is stale', async () => {
    const pid = await unrelatedProcess();
    await writeFile(lockFile(), `${pid}\n`);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(lockFile(), anHourAgo, anHourAgo);
    await dir.openStore();
  });

  it('an old pid-only lock naming a process older than the lock is still held', async () => {
    const pid = await unrelatedProcess();
    await writeFile(lockFile(), `${pid}\n`);
    await expect(dir.openStore()).rejects.toBeInstanceOf(StoreLockedError);
  });

  it('a lock from another host is held (its pids cannot be checked), and the message names the host', async () => {
    await writeFile(lockFile(), `${JSON.stringify({ pid: 1, started: '1', host: 'other-host.example' })}\n`);
    const error = (await dir.openStore().catch((e: unknown) => e)) as StoreLockedError;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.message).toContain('on host other-host.example');
  });
});
