import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidAccountError, StoreWriteError } from '../../src/errors.js';
import { DEFAULT_DATA_FILE, memoryStore } from '../../src/persistence/index.js';
import { writeFileDurably } from '../../src/persistence/durableFileAdapter.js';
import { account, useStoreDir } from './helpers.js';

const dir = useStoreDir();
const openStore = dir.openStore;

describe('lowdbStore: the AccountStore contract', () => {
  it('behaves like memoryStore for the same calls', async () => {
    const store = await openStore();
    const reference = memoryStore();
    for (const s of [store, reference]) {
      await s.put(account('b', { settings: { x: 1 } }));
      await s.put(account('a', { credentials: 'tok', restart: { type: 'transient' } }));
      await s.put(account('b', { enabled: false, settings: { x: 2 } }));
      await s.saveSupervision('a', { restartHistory: [5], restarts: 1, lastError: { message: 'boom', code: 'E' } });
      await s.saveSupervision('b', { restartHistory: [], restarts: 0 });
      await s.delete('b');
      await s.delete('missing');
      await s.put(account('b'));
    }
    expect(await store.loadAll()).toEqual(await reference.loadAll());
    expect(await store.get('a')).toEqual(await reference.get('a'));
    expect(await store.get('nope')).toBeUndefined();
    expect(await store.loadSupervision()).toEqual(await reference.loadSupervision());
  });

  it('keeps everything across close and reopen, in insertion order', async () => {
    const store = await openStore();
    await Promise.all(['c', 'a', 'b'].map((id) => store.put(account(id, { settings: { id } }))));
    await store.saveSupervision('a', { restartHistory: [1, 2], restarts: 2 });
    await store.close();
    const again = await openStore();
    expect((await again.loadAll()).map((a) => a.id)).toEqual(['c', 'a', 'b']);
    expect(await again.loadSupervision()).toEqual({ a: { restartHistory: [1, 2], restarts: 2 } });
  });

  it('copies records in and out', async () => {
    const store = await openStore();
    const a = account('a', { settings: { n: 1 } });
    await store.put(a);
    a.settings.n = 2;
    const got = await store.get('a');
    expect(got?.settings.n).toBe(1);
    if (got) got.settings.n = 3;
    expect((await store.get('a'))?.settings.n).toBe(1);
  });

  it('refuses a record that would make the file unloadable, changing nothing', async () => {
    const store = await openStore();
    await expect(store.put({ id: '', enabled: true, settings: {} })).rejects.toBeInstanceOf(InvalidAccountError);
    await expect(store.put(account('a', { settings: { big: 1n } }))).rejects.toBeInstanceOf(InvalidAccountError);
    await expect(store.saveSupervision('a', { restartHistory: [], restarts: -1 })).rejects.toThrow(/supervision\.restarts/);
    expect(await store.loadAll()).toEqual([]);
  });

  it('creates the directory, and the data file with mode 0600', async () => {
    const file = path.join(dir.tmp.dir, 'nested', 'deeper', 'statevisor.json');
    const store = await openStore({ file });
    await store.put(account('a'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // No temp file is left behind after a write.
    expect(await readdir(path.dirname(file))).toEqual(['statevisor.json', 'statevisor.json.lock']);
  });

  it('writes the temp file with mode 0600 too, even over a leftover one', async () => {
    const target = path.join(dir.tmp.dir, 'target.json');
    const leftover = path.join(dir.tmp.dir, '.target.json.tmp');
    await writeFile(leftover, 'old', { mode: 0o644 });
    // A directory in the way makes the rename fail, so the temp file stays to be looked at.
    await mkdir(target);
    await writeFile(path.join(target, 'x'), '');
    await expect(writeFileDurably(target, '{}')).rejects.toThrow();
    expect((await stat(leftover)).mode & 0o777).toBe(0o600);
    expect(await readFile(leftover, 'utf8')).toBe('{}');
  });

  it('rejects mutations after close, and close is idempotent', async () => {
    const store = await openStore();
    const pending = store.put(account('a'));
    await Promise.all([store.close(), store.close()]);
    await pending; // flushed by close
    await expect(store.put(account('b'))).rejects.toBeInstanceOf(StoreWriteError);
    expect((JSON.parse(await readFile(dir.tmp.file, 'utf8')) as { accounts: unknown[] }).accounts).toHaveLength(1);
  });

  it('exports the daemon default file', () => {
    expect(DEFAULT_DATA_FILE).toBe('./data/statevisor.json');
  });
});
