import { readFile, stat, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoreCorruptError } from '../../src/errors.js';
import { StoreInvalidRecordsError } from '../../src/persistence/index.js';
import { locateJsonError } from '../../src/persistence/jsonPosition.js';
import { account, captureLogger, useStoreDir } from './helpers.js';

const dir = useStoreDir();
const openStore = dir.openStore;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

describe('corrupt file', () => {
  it('names the line, column and offset, never quotes the file, and leaves it byte for byte', async () => {
    const text = '{\n  "version": 2,\n  "accounts": [ { "id": "a", "credentials": "hunter2" } ],\n  "supervision": {}\n  oops\n}\n';
    await writeFile(dir.tmp.file, text, { mode: 0o600 });
    const before = await stat(dir.tmp.file);
    const error = (await openStore().catch((e: unknown) => e)) as StoreCorruptError;
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect(error.file).toBe(dir.tmp.file);
    expect(error.message).toContain(dir.tmp.file);
    expect(error.message).toContain(`line 5, column 3 (offset ${text.indexOf('oops')})`);
    expect(error.message).not.toContain('hunter2');
    expect(await readFile(dir.tmp.file, 'utf8')).toBe(text);
    expect((await stat(dir.tmp.file)).mtimeMs).toBe(before.mtimeMs);
    // The lock was released: the same process can try again once the file is fixed.
    await writeFile(dir.tmp.file, json({ version: 2, accounts: [], supervision: {} }));
    await openStore();
  });

  it('reports a truncated file at its end, and an empty file as empty', async () => {
    await writeFile(dir.tmp.file, '{"version": 2, "accounts": [');
    await expect(openStore()).rejects.toThrow(/unexpected end of input.*line 1, column 29 \(offset 28\)/);
    await writeFile(dir.tmp.file, '');
    await expect(openStore()).rejects.toThrow(/the file is empty/);
  });

  it('refuses a file that is JSON but not a store, leaving it alone', async () => {
    for (const [text, pattern] of [
      ['[]', /top level is not a JSON object/],
      ['{"accounts": []}', /"version" is missing/],
      ['{"version": 2, "accounts": {}, "supervision": {}}', /field "accounts" must be an array/],
      ['{"version": 2, "accounts": [], "supervision": {}, "extra": 1}', /field "extra" is not a known field/],
    ] as const) {
      await writeFile(dir.tmp.file, text);
      await expect(openStore()).rejects.toThrow(pattern);
      expect(await readFile(dir.tmp.file, 'utf8')).toBe(text);
    }
  });

  it('locateJsonError: valid JSON has no error, and any strict prefix of an object has one within it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify({ v: value }, null, 2);
        expect(locateJsonError(text)).toBeUndefined();
        const cut = text.slice(0, text.length - 1);
        const at = locateJsonError(cut);
        expect(at).toBeDefined();
        expect(at?.offset).toBeLessThanOrEqual(cut.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('invalid records', () => {
  const file = {
    version: 2,
    accounts: [
      { id: 'good', enabled: true, settings: {} },
      { id: 'bad-enabled', enabled: 'yes', settings: {} },
      { enabled: true, settings: {} },
      { id: 'good', enabled: false, settings: {} },
      { id: 'extra', enabled: true, settings: {}, colour: 'red' },
    ],
    supervision: { good: { restartHistory: [], restarts: 0 }, broken: { restarts: 'many' } },
  };

  it('refuses to open, listing each record id, field and reason', async () => {
    await writeFile(dir.tmp.file, json(file));
    const error = (await openStore().catch((e: unknown) => e)) as StoreInvalidRecordsError;
    expect(error).toBeInstanceOf(StoreInvalidRecordsError);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect(error.issues.map((i) => [i.id, i.field])).toEqual([
      ['bad-enabled', 'enabled'],
      [undefined, 'id'],
      ['good', 'id'],
      ['extra', 'colour'],
      ['broken', 'restartHistory'],
    ]);
    expect(error.message).toContain('account "bad-enabled" (#1): field "enabled" must be true or false');
    expect(error.message).toContain('account with no valid id (#2): field "id"');
    expect(error.message).toContain('account "good" (#3): field "id" repeats the id of an earlier record');
    expect(error.message).toContain('account "extra" (#4): field "colour" is not a known field');
    expect(error.message).toContain('supervision record "broken": field "restartHistory"');
    expect(error.message).toContain('skipInvalid');
    expect(await readFile(dir.tmp.file, 'utf8')).toBe(json(file));
  });

  it('with skipInvalid: logs them, never returns them, and keeps them verbatim through later writes', async () => {
    await writeFile(dir.tmp.file, json(file), { mode: 0o600 });
    const logger = captureLogger();
    const store = await openStore({ skipInvalid: true, logger });
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(5);
    expect(logger.lines[0]?.obj).toMatchObject({ id: 'bad-enabled', field: 'enabled', reason: 'must be true or false' });
    expect(logger.lines[0]?.msg).toMatch(/^statevisor store: skipped invalid .+; it stays in the file unchanged$/);
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['good']);
    expect(await store.get('bad-enabled')).toBeUndefined();
    expect(await store.get('extra')).toBeUndefined();
    expect(Object.keys(await store.loadSupervision())).toEqual(['good']);

    await store.put(account('new'));
    await store.delete('new');
    await store.put(account('newer'));
    await store.saveSupervision('newer', { restartHistory: [], restarts: 3 });
    const written = JSON.parse(await readFile(dir.tmp.file, 'utf8')) as typeof file;
    expect(written.accounts).toEqual([...file.accounts, { id: 'newer', enabled: true, settings: {} }]);
    expect(written.supervision).toEqual({ ...file.supervision, newer: { restartHistory: [], restarts: 3 } });
  });

  it('with skipInvalid: a put or delete of an invalid record id replaces it', async () => {
    await writeFile(dir.tmp.file, json(file));
    const store = await openStore({ skipInvalid: true });
    await store.put(account('bad-enabled'));
    await store.delete('extra');
    await store.delete('broken');
    await store.put(account('good', { settings: { changed: true } })); // also drops the invalid duplicate
    const written = JSON.parse(await readFile(dir.tmp.file, 'utf8')) as typeof file;
    expect(written.accounts.map((a) => a.id)).toEqual(['good', undefined, 'bad-enabled']);
    expect(written.accounts[0]).toEqual({ id: 'good', enabled: true, settings: { changed: true } });
    expect(Object.keys(written.supervision)).toEqual(['good']);
  });
});

describe('versions', () => {
  it('migrates a version 1 file to version 2, keeping a backup', async () => {
    const v1 = {
      version: 1,
      accounts: {
        'shop-1': { credentials: 'tok', settings: { region: 'eu' } },
        'shop-2': { disabled: true, restart: { type: 'transient' } },
        'shop-3': { disabled: false, settings: {} },
      },
    };
    await writeFile(dir.tmp.file, json(v1));
    const logger = captureLogger();
    const store = await openStore({ logger });
    expect(await store.loadAll()).toEqual([
      { id: 'shop-1', enabled: true, credentials: 'tok', settings: { region: 'eu' } },
      { id: 'shop-2', enabled: false, restart: { type: 'transient' }, settings: {} },
      { id: 'shop-3', enabled: true, settings: {} },
    ]);
    expect(await store.loadSupervision()).toEqual({});
    const written = JSON.parse(await readFile(dir.tmp.file, 'utf8')) as { version: number; accounts: unknown[] };
    expect(written.version).toBe(2);
    expect(written.accounts).toHaveLength(3);
    expect(JSON.parse(await readFile(`${dir.tmp.file}.v1.bak`, 'utf8'))).toEqual(v1);
    expect((await stat(`${dir.tmp.file}.v1.bak`)).mode & 0o777).toBe(0o600);
    expect(logger.lines.filter((l) => l.msg.includes('migrating'))).toEqual([
      { level: 'info', obj: { file: dir.tmp.file, from: 1, to: 2, backup: `${dir.tmp.file}.v1.bak`, mode: '600' }, msg: 'statevisor store: migrating the data file' },
    ]);
  });

  it('reports invalid version 1 records after migration like any other', async () => {
    await writeFile(dir.tmp.file, json({ version: 1, accounts: { ok: {}, bad: { disabled: 'no' } } }));
    await expect(openStore()).rejects.toThrow(/account "bad" \(#1\): field "enabled" must be true or false/);
  });

  it('refuses a file of a newer version, naming both versions, without touching it', async () => {
    const text = json({ version: 3, accounts: [], supervision: {}, shards: [] });
    await writeFile(dir.tmp.file, text);
    await expect(openStore()).rejects.toThrow(/format version 3, newer than this statevisor understands \(2\); upgrade statevisor/);
    expect(await readFile(dir.tmp.file, 'utf8')).toBe(text);
  });
});
