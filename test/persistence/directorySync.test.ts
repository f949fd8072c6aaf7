/**
 * What the lowdb store does to the file system before its first write, seen through an
 * instrumented `node:fs/promises` (a SIGKILL cannot show a missing directory fsync: the page
 * cache survives it): each directory it creates for the data file is made durable in its parent,
 * and a step that hangs (creating the directory, fsyncing a new one, resolving it, checking the
 * file's stamp) fails the open within `ioTimeoutMs`, naming the step and the path. A stamp check
 * that hangs while a watching store reloads an external change is bounded and named the same way.
 */
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Directories whose handle was fsynced, in order. */
const syncedDirs: string[] = [];
/** The fs call that never answers, if any (`dirSync`: a directory handle's `sync()`). */
let hang: 'mkdir' | 'realpath' | 'stat' | 'dirSync' | undefined;
/** Ends the directory fsyncs held by `dirSync` (without syncing), so that their handles get closed. */
const heldSyncs: (() => void)[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const never = () => new Promise<never>(() => undefined);
  const open: typeof real.open = async (file, flags, mode) => {
    const handle = await real.open(file, flags, mode);
    if (flags === 'r' && (await real.stat(file)).isDirectory()) {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        if (hang === 'dirSync') return new Promise<void>((resolve) => heldSyncs.push(resolve));
        await sync();
        syncedDirs.push(String(file));
      };
    }
    return handle;
  };
  const mkdir = ((...args: Parameters<typeof real.mkdir>) => (hang === 'mkdir' ? never() : real.mkdir(...args))) as typeof real.mkdir;
  const realpath = ((...args: Parameters<typeof real.realpath>) => (hang === 'realpath' ? never() : real.realpath(...args))) as typeof real.realpath;
  // Only the stamp read (a bigint stat) hangs; the mode check before it answers.
  const stat = ((...args: Parameters<typeof real.stat>) => (hang === 'stat' && (args[1])?.bigint ? never() : real.stat(...args))) as typeof real.stat;
  const fns = { open, mkdir, realpath, stat };
  return { ...real, ...fns, default: { ...real, ...fns } };
});

const { lowdbStore } = await import('../../src/persistence/index.js');
const { captureLogger } = await import('./helpers.js');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'statevisor-dirsync-'));
  syncedDirs.length = 0;
  hang = undefined;
});
afterEach(async () => {
  hang = undefined;
  for (const release of heldSyncs.splice(0)) release();
  await rm(root, { recursive: true, force: true });
});

describe('directories created for the data file', () => {
  it('each new directory is fsynced in its parent, up to the first one created', async () => {
    const file = path.join(root, 'a', 'b', 'statevisor.json');
    const store = await lowdbStore({ file, logger: captureLogger() });
    await store.close();
    // `a` and `a/b` are new: their entries live in `root` and `a`. Nothing above `root` is touched.
    expect(syncedDirs.slice(0, 2)).toEqual([path.join(root, 'a'), root]);
    expect(syncedDirs.filter((d) => !d.startsWith(root))).toEqual([]);
  });

  it('an existing directory is not synced before the first write', async () => {
    const store = await lowdbStore({ file: path.join(root, 'statevisor.json'), logger: captureLogger() });
    await store.close();
    // Only the write's own directory fsync (after its rename) happened.
    expect(syncedDirs.every((d) => d === root)).toBe(true);
  });
});

describe('a step that never answers', () => {
  it.each([
    ['mkdir', (dir: string) => `creating ${dir} did not finish within 100 ms`],
    ['realpath', (dir: string) => `resolving ${dir} did not finish within 100 ms`],
  ] as const)('%s: the open fails within ioTimeoutMs, naming the step and the directory', async (step, text) => {
    const dir = path.join(root, 'new');
    hang = step;
    await expect(lowdbStore({ file: path.join(dir, 'statevisor.json'), ioTimeoutMs: 100, logger: captureLogger() })).rejects.toMatchObject({
      code: 'STORE_WRITE_FAILED',
      message: expect.stringContaining(text(dir)),
    });
  });

  it('fsync of a new directory: the open fails within ioTimeoutMs, naming the sync and the first directory created', async () => {
    // `a` and `a/b` are new: the first fsync (of `a`, holding the entry of `b`) never answers.
    const first = path.join(root, 'a');
    hang = 'dirSync';
    const started = Date.now();
    await expect(lowdbStore({ file: path.join(first, 'b', 'statevisor.json'), ioTimeoutMs: 100, logger: captureLogger() })).rejects.toMatchObject({
      code: 'STORE_WRITE_FAILED',
      message: expect.stringContaining(`syncing ${first} did not finish within 100 ms`),
    });
    expect(heldSyncs).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stat of a watched file: the open fails within ioTimeoutMs, naming the check and the file', async () => {
    const file = path.join(root, 'statevisor.json');
    await (await lowdbStore({ file, logger: captureLogger() })).close();
    hang = 'stat';
    await expect(lowdbStore({ file, watch: true, ioTimeoutMs: 100, logger: captureLogger() })).rejects.toThrow(`checking ${file} did not finish within 100 ms`);
  });

  it('stat of a watched file during a reload: the reload ends within ioTimeoutMs, and the logged error names the check and the file', async () => {
    const file = path.join(await realpath(root), 'statevisor.json');
    await writeFile(file, `${JSON.stringify({ version: 2, accounts: [], supervision: {} })}\n`, { mode: 0o600 });
    const logger = captureLogger();
    const store = await lowdbStore({ file, watch: true, watchDebounceMs: 20, ioTimeoutMs: 200, logger });
    try {
      // Opened (its own stamp read answered); from now on the stamp read of a reload never answers.
      hang = 'stat';
      const changed = Date.now();
      await writeFile(file, `${JSON.stringify({ version: 2, accounts: [{ id: 'theirs', enabled: true, settings: {} }], supervision: {} })}\n`);
      await vi.waitFor(() => expect(logger.lines.filter((l) => l.level === 'error')).not.toEqual([]), { timeout: 10_000, interval: 20 });
      expect(Date.now() - changed).toBeLessThan(10_000);
      expect(logger.lines.find((l) => l.level === 'error')).toEqual({
        level: 'error',
        obj: { file, err: `checking ${file} did not finish within 200 ms` },
        msg: 'statevisor store: the data file was changed on disk but cannot be loaded; keeping the data in memory (the next write replaces the file)',
      });
      // Nothing was reloaded.
      expect(await store.loadAll()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
