import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreWriteError } from '../../src/errors.js';
import { lowdbStore, type AccountStore } from '../../src/persistence/index.js';
import { account, captureLogger, instrumentedAdapter, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let store: AccountStore | undefined;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await tmp.cleanup();
});

async function openWith(adapter: ReturnType<typeof instrumentedAdapter>): Promise<AccountStore> {
  store = await lowdbStore({ file: tmp.file, adapter, logger: captureLogger() });
  return store;
}

async function idsOnDisk(): Promise<string[]> {
  const parsed = JSON.parse(await readFile(tmp.file, 'utf8')) as { accounts: { id: string }[] };
  return parsed.accounts.map((a) => a.id);
}

describe('group commit', () => {
  it('writes 1,000 concurrent puts in far fewer than 1,000 file writes, and all land', async () => {
    const adapter = instrumentedAdapter(tmp.file);
    const s = await openWith(adapter);
    const before = adapter.writes;
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.put(account(`acc-${i}`, { settings: { i } }))));
    const writes = adapter.writes - before;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(10);
    expect(await idsOnDisk()).toHaveLength(1000);
    await s.close();
    const reopened = (store = await lowdbStore({ file: tmp.file, logger: captureLogger() }));
    expect((await reopened.loadAll()).map((a) => a.settings.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('resolves each call only after the write that holds its change', async () => {
    const adapter = instrumentedAdapter(tmp.file);
    const s = await openWith(adapter);
    const onDiskAtResolve: boolean[] = [];
    const calls = Array.from({ length: 60 }, async (_, i) => {
      await sleep(i % 6); // spread over several batches
      await s.put(account(`a${i}`));
      onDiskAtResolve.push(adapter.written.some((doc) => doc.accounts.some((a) => (a as { id: string }).id === `a${i}`)));
    });
    await Promise.all(calls);
    expect(onDiskAtResolve).toHaveLength(60);
    expect(onDiskAtResolve.every(Boolean)).toBe(true);
    expect(adapter.written.length).toBeGreaterThan(2); // several batches did happen
  });
});

describe('write failure', () => {
  it('rejects every call of the failed write with StoreWriteError, rolls memory back, and writes normally next', async () => {
    const adapter = instrumentedAdapter(tmp.file);
    const s = await openWith(adapter);
    await s.put(account('a', { settings: { v: 1 } }));
    await s.saveSupervision('a', { restartHistory: [], restarts: 1 });
    const diskBefore = await readFile(tmp.file, 'utf8');

    adapter.failNext = 1;
    const results = await Promise.allSettled([
      s.put(account('b')),
      s.put(account('a', { settings: { v: 2 } })),
      s.delete('a'),
      s.saveSupervision('c', { restartHistory: [], restarts: 0 }),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const reason = (r as PromiseRejectedResult).reason as StoreWriteError;
      expect(reason).toBeInstanceOf(StoreWriteError);
      expect(reason.file).toBe(tmp.file);
      expect(reason.message).toContain(tmp.file);
      expect(reason.message).toContain('ENOSPC');
    }
    expect(await s.loadAll()).toEqual([account('a', { settings: { v: 1 } })]);
    expect(await s.loadSupervision()).toEqual({ a: { restartHistory: [], restarts: 1 } });
    expect(await readFile(tmp.file, 'utf8')).toBe(diskBefore);

    await s.put(account('d'));
    expect(await idsOnDisk()).toEqual(['a', 'd']);
  });

  it('keeps the changes queued behind a failed write and writes them next', async () => {
    const adapter = instrumentedAdapter(tmp.file);
    const slowFailing = {
      ...adapter,
      read: () => adapter.read(),
      write: async (data: Parameters<typeof adapter.write>[0]) => {
        if (adapter.failNext > 0) await sleep(30); // in flight long enough for more calls to queue
        return adapter.write(data);
      },
    };
    store = await lowdbStore({ file: tmp.file, adapter: slowFailing, logger: captureLogger() });
    adapter.failNext = 1;
    const failing = store.put(account('x'));
    await sleep(5); // the failing write is now in flight
    const queued = store.put(account('y'));
    await expect(failing).rejects.toBeInstanceOf(StoreWriteError);
    await queued;
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['y']);
    expect(await idsOnDisk()).toEqual(['y']);
  });

  it('fails open with StoreWriteError when the file cannot be created', async () => {
    const adapter = instrumentedAdapter(tmp.file);
    adapter.failNext = 1;
    await expect(lowdbStore({ file: tmp.file, adapter, logger: captureLogger() })).rejects.toBeInstanceOf(StoreWriteError);
    // The lock was released: a second attempt succeeds.
    store = await lowdbStore({ file: tmp.file, logger: captureLogger() });
  });

  it('bounds a write that hangs with ioTimeoutMs', async () => {
    const adapter = instrumentedAdapter(tmp.file);
    let hang = false;
    let release: () => void = () => undefined;
    store = await lowdbStore({
      file: tmp.file,
      ioTimeoutMs: 200,
      logger: captureLogger(),
      adapter: {
        read: () => adapter.read(),
        write: async (data) => {
          if (hang) await new Promise<void>((resolve) => (release = resolve));
          return adapter.write(data);
        },
      },
    });
    hang = true;
    await expect(store.put(account('slow'))).rejects.toThrow(/did not finish within 200 ms/);
    expect(await store.loadAll()).toEqual([]);
    hang = false;
    release();
    await store.put(account('next'));
    expect(await idsOnDisk()).toEqual(['next']);
  });
});
