/**
 * The lowdb store's error paths and what it leaves alone, where its mutation run found nothing
 * watching: a read that hangs or fails names what it was doing and why; a corrupt file's own
 * error is not wrapped again; a write that hangs names the file; a write after close says the
 * store is closed; a store without `watch` watches nothing; a file that needs no rewrite is not
 * rewritten when opened. Reads and writes that hang or fail come from an adapter (the store's
 * documented `adapter` option) over the real durable file adapter.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { durableFileAdapter, lowdbStore, type AccountStore } from '../../src/persistence/index.js';
import type { StoreFile } from '../../src/persistence/fileSchema.js';
import { account, captureLogger, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const open: AccountStore[] = [];
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await tmp.cleanup();
});

async function openStore(options: Partial<Parameters<typeof lowdbStore>[0]> = {}): Promise<AccountStore> {
  const store = await lowdbStore({ file: tmp.file, logger: captureLogger(), ...options });
  open.push(store);
  return store;
}

/** The real durable adapter, with `read` or `write` replaced. */
function adapter(overrides: Partial<Adapter<StoreFile>>): Adapter<StoreFile> {
  const real = durableFileAdapter(tmp.file);
  return { read: () => real.read(), write: (data) => real.write(data), ...overrides };
}

describe('reading the file at open', () => {
  it('a read that hangs fails the open, naming the read and the time it was given', async () => {
    await (await openStore()).put(account('a'));
    await open.pop()!.close();
    const hang = adapter({ read: () => new Promise<StoreFile | null>(() => undefined) });
    await expect(openStore({ adapter: hang, ioTimeoutMs: 100 })).rejects.toMatchObject({
      code: 'STORE_CORRUPT',
      message: expect.stringContaining(`it cannot be read (reading ${tmp.file} did not finish within 100 ms)`),
    });
  });

  it('a read that fails with a system error says its code and message', async () => {
    const failing = adapter({ read: () => Promise.reject(Object.assign(new Error('i/o error'), { code: 'EIO' })) });
    await expect(openStore({ adapter: failing })).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining('it cannot be read (EIO: i/o error)') });
  });

  it("a corrupt file's own error (with its position) is passed on, not wrapped again", async () => {
    await writeFile(tmp.file, '{ "version": 2, "accounts": [ oops', { mode: 0o600 });
    const error = await openStore().then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(error).toMatchObject({ code: 'STORE_CORRUPT' });
    expect(error!.message).not.toContain('cannot be read (');
  });
});

describe('writing', () => {
  it('a write that hangs fails the change, naming the file it was writing', async () => {
    await (await openStore()).put(account('first')); // the file exists: opening it writes nothing
    await open.pop()!.close();
    const hang = adapter({ write: () => new Promise<void>(() => undefined) });
    const store = await openStore({ adapter: hang, ioTimeoutMs: 100 });
    await expect(store.put(account('a'))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED', message: expect.stringContaining(`writing ${tmp.file} did not finish within 100 ms`) });
  });

  it('a change after close() is refused: the store is closed', async () => {
    const store = await openStore();
    await store.close();
    open.pop();
    await expect(store.put(account('a'))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED', message: expect.stringContaining('the store is closed') });
  });
});

describe('what an open leaves alone', () => {
  it('without watch, no file watcher is started', async () => {
    const watchers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
    const baseline = watchers();
    await openStore();
    expect(watchers()).toBe(baseline);
  });

  it('a file that needs no rewrite is not rewritten (an operator\'s formatting stays)', async () => {
    await (await openStore()).put(account('a', { settings: { x: 1 } }));
    await open.pop()!.close();
    const compact = JSON.stringify(JSON.parse(await readFile(tmp.file, 'utf8')));
    await writeFile(tmp.file, compact, { mode: 0o600 });
    const store = await openStore();
    expect((await store.get('a'))?.settings).toEqual({ x: 1 });
    expect(await readFile(tmp.file, 'utf8')).toBe(compact);
  });
});
