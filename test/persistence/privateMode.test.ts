import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowdbStore } from '../../src/persistence/lowdbStore.js';
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
