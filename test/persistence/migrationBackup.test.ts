/**
 * Opening an older-version file first writes a `<file>.v<n>.bak` backup (through
 * `writeFileDurably`, i.e. its temp file `.<name>.v<n>.bak.tmp`). When that write fails or never
 * answers, the open must fail with a `StoreWriteError` naming the backup, not the data file, and
 * leave the data file as it was: no migration without its backup. The failure is injected by an
 * instrumented `node:fs/promises` that fails, or hangs, only the `open` of the backup's temp file.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** What happens to the `open` of a backup's temp file. */
let backupOpen: 'fail' | 'hang' | undefined;
/** The paths whose `open` was failed or held. */
const interfered: string[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (file, flags, mode) => {
    if (backupOpen !== undefined && String(file).endsWith('.bak.tmp')) {
      interfered.push(String(file));
      if (backupOpen === 'hang') return new Promise<never>(() => undefined);
      throw Object.assign(new Error(`ENOSPC: no space left on device, open '${String(file)}' (injected)`), { code: 'ENOSPC' });
    }
    return real.open(file, flags, mode);
  };
  return { ...real, open, default: { ...real, open } };
});

const { lowdbStore } = await import('../../src/persistence/index.js');
const { StoreWriteError } = await import('../../src/errors.js');
const { captureLogger, tempDir } = await import('./helpers.js');

const V1 = `${JSON.stringify({ version: 1, accounts: { 'shop-1': { credentials: 'tok' }, 'shop-2': { disabled: true } } }, null, 2)}\n`;

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  tmp = await tempDir();
  backupOpen = undefined;
  interfered.length = 0;
});
afterEach(async () => {
  backupOpen = undefined;
  await tmp.cleanup();
});

/** Content, inode and mtime: the data file is untouched when all three are unchanged. */
async function snapshot(file: string): Promise<{ text: string; ino: number; mtimeMs: number }> {
  const s = await stat(file);
  return { text: await readFile(file, 'utf8'), ino: s.ino, mtimeMs: s.mtimeMs };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe('the backup written before a migration', () => {
  it('a backup write that fails fails the open with a StoreWriteError naming the backup, and changes nothing', async () => {
    await writeFile(tmp.file, V1, { mode: 0o600 });
    const before = await snapshot(tmp.file);
    const backup = `${tmp.file}.v1.bak`;
    const logger = captureLogger();
    backupOpen = 'fail';

    const error = (await lowdbStore({ file: tmp.file, logger }).catch((e: unknown) => e)) as InstanceType<typeof StoreWriteError>;

    expect(interfered).toEqual([path.join(tmp.dir, '.statevisor.json.v1.bak.tmp')]);
    expect(error).toBeInstanceOf(StoreWriteError);
    expect(error.code).toBe('STORE_WRITE_FAILED');
    expect(error.file).toBe(backup);
    expect(error.message).toContain(`"${backup}"`);
    expect(error.message).toContain('ENOSPC');
    expect(error.message).not.toContain(`"${tmp.file}"`);
    // No migration without a backup: the data file is as it was, and no backup was claimed.
    expect(await snapshot(tmp.file)).toEqual(before);
    expect(await exists(backup)).toBe(false);
    expect(logger.lines.filter((l) => l.msg.includes('migrating'))).toEqual([]);
    // The lock was given back: once the disk works, the same file opens and migrates.
    backupOpen = undefined;
    const store = await lowdbStore({ file: tmp.file, logger: captureLogger() });
    await store.close();
    expect(await readFile(backup, 'utf8')).toBe(V1);
  });

  it('a backup write that never answers fails the open within ioTimeoutMs, naming the write and the backup, and changes nothing', async () => {
    await writeFile(tmp.file, V1, { mode: 0o600 });
    const before = await snapshot(tmp.file);
    const backup = `${tmp.file}.v1.bak`;
    backupOpen = 'hang';
    const started = Date.now();

    const error = (await lowdbStore({ file: tmp.file, ioTimeoutMs: 200, logger: captureLogger() }).catch((e: unknown) => e)) as InstanceType<typeof StoreWriteError>;

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(interfered).toHaveLength(1);
    expect(error).toBeInstanceOf(StoreWriteError);
    expect(error.file).toBe(backup);
    expect(error.message).toContain(`writing ${backup} did not finish within 200 ms`);
    expect(await snapshot(tmp.file)).toEqual(before);
    expect(await exists(backup)).toBe(false);
  });
});
