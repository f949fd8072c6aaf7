/**
 * What the lowdb store does to the file system before its first write, seen through an
 * instrumented `node:fs/promises` (a SIGKILL cannot show a missing directory fsync: the page
 * cache survives it): each directory it creates for the data file is made durable in its parent,
 * and a step that hangs (creating the directory, resolving it, checking the file's stamp) fails
 * the open within `ioTimeoutMs`, naming the step and the path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Directories whose handle was fsynced, in order. */
const syncedDirs: string[] = [];
/** The fs call that never answers, if any. */
let hang: 'mkdir' | 'realpath' | 'stat' | undefined;

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const never = () => new Promise<never>(() => undefined);
  const open: typeof real.open = async (file, flags, mode) => {
    const handle = await real.open(file, flags, mode);
    if (flags === 'r' && (await real.stat(file)).isDirectory()) {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
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

  it('stat of a watched file: the open fails within ioTimeoutMs, naming the check and the file', async () => {
    const file = path.join(root, 'statevisor.json');
    await (await lowdbStore({ file, logger: captureLogger() })).close();
    hang = 'stat';
    await expect(lowdbStore({ file, watch: true, ioTimeoutMs: 100, logger: captureLogger() })).rejects.toThrow(`checking ${file} did not finish within 100 ms`);
  });
});
