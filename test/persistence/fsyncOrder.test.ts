/**
 * Durability cannot be seen by killing the process (the page cache survives a SIGKILL), so this
 * test instruments the file system: every `open`, handle `sync`, `close` and `rename` the store
 * makes is recorded, and a write must go temp file → fsync → rename → directory fsync, and
 * resolve only after the directory fsync finished.
 */
import { mkdtemp, rm as rmDir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ops: string[] = [];
let dirSyncDelayMs = 0;
let dirSyncError: string | undefined;

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const label = (p: unknown) => {
    const s = String(p);
    return path.basename(s).startsWith('.') ? 'tmp' : s.endsWith('.json') ? 'file' : 'dir';
  };
  const open: typeof real.open = async (file, flags, mode) => {
    const handle = await real.open(file, flags, mode);
    const what = label(file);
    ops.push(`open ${what}`);
    const sync = handle.sync.bind(handle);
    const close = handle.close.bind(handle);
    const writeFile = handle.writeFile.bind(handle);
    handle.sync = async () => {
      if (what === 'dir' && dirSyncDelayMs > 0) await new Promise((r) => setTimeout(r, dirSyncDelayMs));
      if (what === 'dir' && dirSyncError) throw Object.assign(new Error(`sync: ${dirSyncError}`), { code: dirSyncError });
      await sync();
      ops.push(`sync ${what}`);
    };
    handle.close = async () => {
      await close();
      ops.push(`close ${what}`);
    };
    handle.writeFile = async (...args: Parameters<typeof handle.writeFile>) => {
      await writeFile(...args);
      ops.push(`write ${what}`);
    };
    return handle;
  };
  const rename: typeof real.rename = async (from, to) => {
    await real.rename(from, to);
    ops.push(`rename ${label(from)}→${label(to)}`);
  };
  return { ...real, default: { ...real, open, rename }, open, rename };
});

const { writeFileDurably } = await import('../../src/persistence/durableFileAdapter.js');
const { lowdbStore } = await import('../../src/persistence/lowdbStore.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-fsync-'));
  ops.length = 0;
  dirSyncDelayMs = 0;
  dirSyncError = undefined;
});
afterEach(async () => {
  await rmDir(dir, { recursive: true, force: true });
});

const DURABLE_WRITE = ['open tmp', 'write tmp', 'sync tmp', 'close tmp', 'rename tmp→file', 'open dir', 'sync dir', 'close dir'];

describe('a durable write', () => {
  it('fsyncs the temp file before the rename and the directory after it', async () => {
    await writeFileDurably(path.join(dir, 'statevisor.json'), '{}\n');
    expect(ops).toEqual(DURABLE_WRITE);
  });

  it('resolves only after the directory fsync finished', async () => {
    dirSyncDelayMs = 100;
    let resolved = false;
    const write = writeFileDurably(path.join(dir, 'statevisor.json'), '{}\n').then(() => (resolved = true));
    await vi.waitFor(() => expect(ops).toContain('rename tmp→file'), { timeout: 5_000 });
    expect(resolved).toBe(false);
    await write;
    expect(ops.indexOf('sync dir')).toBeGreaterThan(ops.indexOf('rename tmp→file'));
  });

  it('accepts a file system that cannot fsync a directory, and fails on a real I/O error', async () => {
    for (const code of ['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP']) {
      dirSyncError = code;
      await expect(writeFileDurably(path.join(dir, 'statevisor.json'), '{}\n'), code).resolves.toBeUndefined();
    }
    dirSyncError = 'EIO';
    await expect(writeFileDurably(path.join(dir, 'statevisor.json'), '{}\n')).rejects.toMatchObject({ code: 'EIO' });
    expect(ops.filter((o) => o === 'close dir')).toHaveLength(5);
  });

  it('is how the lowdb store acknowledges a put: the same sequence completed before put() resolves', async () => {
    const store = await lowdbStore({ file: path.join(dir, 'statevisor.json') });
    try {
      ops.length = 0;
      await store.put({ id: 'a', enabled: true, settings: {} });
      // The lock file and backups may add their own operations; the data file's write must be whole and in order.
      const rename = ops.indexOf('rename tmp→file');
      expect(rename, ops.join(', ')).toBeGreaterThan(-1);
      expect(ops.slice(rename - 4, rename + 4)).toEqual(DURABLE_WRITE);
    } finally {
      await store.close();
    }
  });
});
