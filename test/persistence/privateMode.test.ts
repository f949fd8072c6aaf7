import { chmod, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorePermissionError } from '../../src/errors.js';
import { lowdbStore } from '../../src/persistence/lowdbStore.js';
import { makePrivate } from '../../src/persistence/privateMode.js';
import { account, captureLogger, useStoreDir } from './helpers.js';

const dir = useStoreDir();
const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

describe('store open: an existing data file and its directory are made private', () => {
  it('a 0644 file in a 0755 directory becomes 0600 in 0700, each change logged once; the data is intact', async () => {
    const first = await dir.openStore();
    await first.put(account('shop-1', { credentials: 'plain-secret' }));
    await first.close();
    const folder = path.dirname(dir.tmp.file);
    await chmod(dir.tmp.file, 0o644);
    await chmod(folder, 0o755);

    const logger = captureLogger();
    const store = await lowdbStore({ file: dir.tmp.file, logger });
    try {
      expect(await modeOf(dir.tmp.file)).toBe(0o600);
      expect(await modeOf(folder)).toBe(0o700);
      const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
      expect(warnings).toEqual([
        expect.stringMatching(/tightened the data directory .* from mode 0755 to 0700/),
        expect.stringMatching(/tightened the data file .* from mode 0644 to 0600/),
      ]);
      expect((await store.get('shop-1'))?.credentials).toBe('plain-secret');
    } finally {
      await store.close();
    }

    // Already private: nothing to say.
    const quiet = captureLogger();
    await (await lowdbStore({ file: dir.tmp.file, logger: quiet })).close();
    expect(quiet.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('store open: what is not ours to change is refused or reported, never changed', () => {
  // Files owned by another user, as this process sees them: we pass a uid that is not the owner's.
  const otherUid = (process.getuid?.() ?? 1000) + 1;

  it('a data file open to others and owned by another user is refused with StorePermissionError, unchanged', async () => {
    await writeFile(dir.tmp.file, '{}', { mode: 0o644 });
    await chmod(dir.tmp.file, 0o644);
    const error = (await makePrivate(dir.tmp.file, path.dirname(dir.tmp.file), captureLogger(), 5_000, otherUid).catch((e: unknown) => e)) as StorePermissionError;
    expect(error).toBeInstanceOf(StorePermissionError);
    expect(error.code).toBe('STORE_PERMISSIONS');
    expect(error.message).toContain(dir.tmp.file);
    expect(error.message).toContain('chmod 600');
    expect(await modeOf(dir.tmp.file)).toBe(0o644);
  });

  it("a shared directory (another user's, or sticky like /tmp) gets a warning, not a chmod", async () => {
    const folder = path.dirname(dir.tmp.file);
    await chmod(folder, 0o1777);
    const logger = captureLogger();
    await makePrivate(dir.tmp.file, folder, logger, 5_000);
    expect((await stat(folder)).mode & 0o7777).toBe(0o1777);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('is shared with other users (mode 01777)') as string })]);
    await chmod(folder, 0o700);
  });
});
