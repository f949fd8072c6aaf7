import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/account.js';
import { StatevisorError } from '../../src/errors.js';
import { lowdbStore, memoryStore, postgresStore, type AccountStore } from '../../src/persistence/index.js';
import { freshSchema, PG_URL } from '../helpers/postgres.js';
import { account, tempDir } from './helpers.js';

/**
 * One contract, three stores: what the supervisor may rely on from any `AccountStore`. Persistent
 * stores (lowdb, PostgreSQL) also promise that an acknowledged change survives a reopen, that
 * invalid input is refused without changing anything, and that credentials round-trip through
 * encryption.
 */
interface Subject {
  open(options?: { secret?: string }): Promise<AccountStore>;
  persistent: boolean;
  cleanup(): Promise<void>;
}

const subjects: Record<string, () => Promise<Subject>> = {
  memory: async () => {
    const store = memoryStore();
    return { open: async () => store, persistent: false, cleanup: async () => {} };
  },
  lowdb: async () => {
    const dir = await tempDir();
    return { open: (o) => lowdbStore({ file: dir.file, secret: o?.secret }), persistent: true, cleanup: dir.cleanup };
  },
  postgres: async () => {
    const { schema, drop } = freshSchema('contract');
    return { open: (o) => postgresStore({ connectionString: PG_URL, schema, secret: o?.secret }), persistent: true, cleanup: drop };
  },
};

describe.each(Object.keys(subjects))('AccountStore contract: %s', (name) => {
  const opened: AccountStore[] = [];
  let subject: Subject;
  const open = async (o?: { secret?: string }): Promise<AccountStore> => {
    const store = await subject.open(o);
    opened.push(store);
    return store;
  };
  const fresh = async (o?: { secret?: string }): Promise<AccountStore> => {
    subject = await subjects[name]!();
    return open(o);
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await subject.cleanup();
  });

  it('keeps accounts in insertion order; a put of an existing id replaces it in place', async () => {
    const store = await fresh();
    await store.put(account('b'));
    await store.put(account('a'));
    await store.put(account('c'));
    await store.put(account('a', { enabled: false, settings: { x: 1 } }));
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['b', 'a', 'c']);
    expect(await store.get('a')).toEqual({ id: 'a', enabled: false, settings: { x: 1 } });
    expect(await store.get('missing')).toBeUndefined();
  });

  it('hands out copies: mutating what was passed or returned changes nothing stored', async () => {
    const store = await fresh();
    const a: Account = account('a', { settings: { n: 1 } });
    await store.put(a);
    a.settings.n = 2;
    const got = (await store.get('a'))!;
    got.settings.n = 3;
    expect((await store.get('a'))!.settings).toEqual({ n: 1 });
  });

  it('delete removes the account and its supervision record; a missing id is not an error', async () => {
    const store = await fresh();
    await store.put(account('a'));
    await store.saveSupervision('a', { restartHistory: [1, 2], restarts: 2 });
    await store.put(account('b'));
    await store.delete('a');
    await store.delete('never-there');
    expect((await store.loadAll()).map((x) => x.id)).toEqual(['b']);
    expect(await store.loadSupervision()).toEqual({});
  });

  it('saves, replaces and clears supervision records', async () => {
    const store = await fresh();
    await store.put(account('a'));
    const suspended = { at: 5, cause: 'intensity' as const, error: { message: 'boom', code: 'X' } };
    await store.saveSupervision('a', { restartHistory: [1], restarts: 1 });
    await store.saveSupervision('a', { restartHistory: [1, 2], restarts: 2, suspended, lastError: { message: 'boom' } });
    expect(await store.loadSupervision()).toEqual({ a: { restartHistory: [1, 2], restarts: 2, suspended, lastError: { message: 'boom' } } });
    await store.saveSupervision('a', undefined);
    expect(await store.loadSupervision()).toEqual({});
  });

  it('persistent stores: what was acknowledged is there after a reopen, credentials included', async () => {
    const store = await fresh({ secret: 's3cret' });
    if (!subject.persistent) return expect(name).toBe('memory');
    await store.put(account('a', { credentials: 'tok-a', settings: { region: 'eu' } }));
    await store.put(account('b', { enabled: false }));
    await store.saveSupervision('a', { restartHistory: [7], restarts: 3 });
    await store.close();
    const again = await open({ secret: 's3cret' });
    expect(await again.loadAll()).toEqual([account('a', { credentials: 'tok-a', settings: { region: 'eu' } }), account('b', { enabled: false })]);
    expect(await again.loadSupervision()).toEqual({ a: { restartHistory: [7], restarts: 3 } });
  });

  it('persistent stores: a wrong or missing secret is refused with STORE_SECRET', async () => {
    const store = await fresh({ secret: 'right' });
    if (!subject.persistent) return expect(name).toBe('memory');
    await store.put(account('a', { credentials: 'tok' }));
    await store.close();
    await expect(open({ secret: 'wrong' })).rejects.toMatchObject({ code: 'STORE_SECRET' });
    await expect(open()).rejects.toMatchObject({ code: 'STORE_SECRET' });
  });

  it('persistent stores: invalid input is refused with INVALID_ACCOUNT and changes nothing', async () => {
    const store = await fresh();
    if (!subject.persistent) return expect(name).toBe('memory');
    await store.put(account('a'));
    const bad = [{ id: '', enabled: true, settings: {} }, { id: 'x', enabled: 'yes', settings: {} }, { id: 'y', enabled: true, settings: { n: 1n } }];
    for (const record of bad) {
      const error: unknown = await store.put(record as unknown as Account).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StatevisorError);
      expect((error as StatevisorError).code).toBe('INVALID_ACCOUNT');
    }
    await expect(store.saveSupervision('a', { restartHistory: 'no', restarts: 0 } as never)).rejects.toMatchObject({ code: 'INVALID_ACCOUNT' });
    expect((await store.loadAll()).map((x) => x.id)).toEqual(['a']);
    expect(await store.loadSupervision()).toEqual({});
  });

  it('mutations after close reject with STORE_WRITE_FAILED', async () => {
    const store = await fresh();
    if (!subject.persistent) return expect(name).toBe('memory');
    await store.close();
    await expect(store.put(account('a'))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
  });
});
