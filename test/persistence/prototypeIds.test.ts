import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lowdbStore, memoryStore, type AccountStore, type SupervisionRecord } from '../../src/persistence/index.js';
import { StoreInvalidRecordsError } from '../../src/persistence/decodeDocument.js';
import { account, captureLogger, tempDir } from './helpers.js';

/*
 * Issue 12, item 1, at the store: ids named like Object.prototype members (and `__proto__`) are
 * ordinary keys in memory, on disk, and in what `loadSupervision()` hands out.
 */

const IDS = ['toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__lookupGetter__'];
const record = (restarts: number): SupervisionRecord => ({ restartHistory: [1_000 + restarts], restarts });

let tmp: Awaited<ReturnType<typeof tempDir>>;
let open: AccountStore[] = [];
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
  await tmp.cleanup();
});

async function fileStore(): Promise<AccountStore> {
  const store = await lowdbStore({ file: tmp.file, logger: captureLogger() });
  open.push(store);
  return store;
}

async function closeAll(): Promise<void> {
  await Promise.all(open.map((s) => s.close()));
  open = [];
}

describe('prototype-named ids in the stores', () => {
  for (const kind of ['memory', 'lowdb'] as const) {
    it(`${kind}: loadSupervision() holds exactly the saved records, as own keys of an object with no prototype`, async () => {
      const store = kind === 'memory' ? memoryStore() : await fileStore();
      for (const [i, id] of IDS.entries()) await store.put(account(id, { settings: { n: i } }));
      // Records for every other id only: the others must read as absent, not as Object.prototype members.
      for (const [i, id] of IDS.entries()) if (i % 2 === 0) await store.saveSupervision(id, record(i));
      const records = await store.loadSupervision();
      expect(Object.getPrototypeOf(records)).toBeNull();
      for (const [i, id] of IDS.entries()) {
        expect(Object.hasOwn(records, id), id).toBe(i % 2 === 0);
        expect(records[id], id).toEqual(i % 2 === 0 ? record(i) : undefined);
      }
      expect((await store.loadAll()).map((a) => a.id)).toEqual(IDS);
      expect(await store.get('__proto__')).toEqual(account('__proto__', { settings: { n: 4 } }));
      expect(await store.get('toJSON')).toBeUndefined();
    });
  }

  it('lowdb: the records and accounts come back from the file after a reopen; deleting one leaves the others', async () => {
    const store = await fileStore();
    for (const [i, id] of IDS.entries()) {
      await store.put(account(id));
      await store.saveSupervision(id, record(i));
    }
    await store.delete('constructor');
    await closeAll();
    const onDisk = JSON.parse(await readFile(tmp.file, 'utf8')) as { supervision: Record<string, unknown> };
    expect(Object.keys(onDisk.supervision)).toEqual(IDS.filter((id) => id !== 'constructor'));

    const again = await fileStore();
    const records = await again.loadSupervision();
    expect(Object.keys(records)).toEqual(IDS.filter((id) => id !== 'constructor'));
    expect(records.__proto__).toEqual(record(4));
    expect((await again.loadAll()).map((a) => a.id)).toEqual(IDS.filter((id) => id !== 'constructor'));
  });

  it('lowdb: a hand-written __proto__ key in the file is read as a record, not dropped; a version 1 file keeps it too', async () => {
    await writeFile(tmp.file, '{"version":2,"accounts":[{"id":"__proto__","enabled":true,"settings":{}}],"supervision":{"__proto__":{"restartHistory":[],"restarts":7}}}');
    const store = await fileStore();
    expect((await store.loadSupervision()).__proto__).toEqual({ restartHistory: [], restarts: 7 });
    await closeAll();

    await writeFile(tmp.file, '{"version":1,"accounts":{"__proto__":{"credentials":"a"},"toString":{"disabled":true}}}');
    const migrated = await fileStore();
    expect(await migrated.loadAll()).toEqual([account('__proto__', { credentials: 'a' }), account('toString', { enabled: false })]);
  });

  it('load errors name the file and the account', async () => {
    await writeFile(
      tmp.file,
      JSON.stringify({ version: 2, accounts: [{ id: 'valueOf', enabled: 'yes', settings: {} }], supervision: { toString: { restartHistory: 'none', restarts: 0 } } }),
    );
    const failure = await lowdbStore({ file: tmp.file, logger: captureLogger() }).then(
      (s) => {
        open.push(s);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(StoreInvalidRecordsError);
    const message = (failure as Error).message;
    expect(message).toContain(tmp.file);
    expect(message).toContain('account "valueOf" (#0): field "enabled"');
    expect(message).toContain('supervision record "toString": field "restartHistory"');
  });
});
