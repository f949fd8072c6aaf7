/**
 * The account commands' edges that commands.test.ts leaves open: a command that finds nothing to
 * do touches neither the store nor the task, a store that refuses a remove or a disable leaves the
 * account running as the store still holds it, and input that is not an object at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { accountRevision } from '../../src/accountConfiguration.js';
import { InvalidAccountError, memoryStore, RevisionMismatchError, ShuttingDownError, type AccountStore, type Supervisor } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { startSupervisor } from '../helpers/supervisor.js';

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown({ timeoutMs: 1_000 });
  current = undefined;
});

/** A memory store that counts its writes and refuses the next one when told. */
function countingStore(): AccountStore & { writes: number; failNext: boolean } {
  const inner = memoryStore();
  const store = {
    ...inner,
    writes: 0,
    failNext: false,
    put: async (a: Parameters<AccountStore['put']>[0]) => {
      store.writes++;
      if (store.failNext) {
        store.failNext = false;
        throw Object.assign(new Error('disk full'), { code: 'STORE_WRITE_FAILED' });
      }
      return inner.put(a);
    },
    delete: async (id: string) => {
      store.writes++;
      if (store.failNext) {
        store.failNext = false;
        throw Object.assign(new Error('disk full'), { code: 'STORE_WRITE_FAILED' });
      }
      return inner.delete(id);
    },
  };
  return store;
}

async function setup(store: AccountStore) {
  const cw = controllableWorker();
  const r = await startSupervisor({ store }, cw);
  current = r.sup;
  return r;
}

describe('a command with nothing to do', () => {
  it('enable on an enabled, running account: same incarnation, worker untouched, nothing written', async () => {
    const store = countingStore();
    const { sup, cw } = await setup(store);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const writes = store.writes;
    expect(await sup.enable('a')).toMatchObject({ state: 'running', enabled: true, incarnation: 1 });
    expect(store.writes).toBe(writes);
    expect(cw.instances('a')).toHaveLength(1);
    expect(cw.latest('a')!.signal.aborted).toBe(false);
  });

  it('disable on a disabled account: nothing written, nothing started', async () => {
    const store = countingStore();
    const { sup, cw } = await setup(store);
    await sup.add({ id: 'a', enabled: false });
    const writes = store.writes;
    expect(await sup.disable('a')).toMatchObject({ state: 'disabled', enabled: false, incarnation: 0 });
    expect(store.writes).toBe(writes);
    expect(cw.instances('a')).toEqual([]);
  });
});

describe('a store that refuses the write', () => {
  it('remove: the account stays, and runs again as the store holds it', async () => {
    const store = countingStore();
    const { sup, cw } = await setup(store);
    await sup.add({ id: 'a', settings: { v: 1 } });
    await sup.waitFor('a', 'running');
    store.failNext = true;
    await expect(sup.remove('a')).rejects.toThrow('disk full');
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.latest('a')!.account.settings).toEqual({ v: 1 });
    expect(await store.get('a')).toMatchObject({ id: 'a', enabled: true });
    expect(cw.maxAlive('a')).toBe(1);
  });

  it('disable: the account stays enabled and runs again', async () => {
    const store = countingStore();
    const { sup } = await setup(store);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    store.failNext = true;
    await expect(sup.disable('a')).rejects.toThrow('disk full');
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(sup.status('a')).toMatchObject({ enabled: true });
    expect((await store.get('a'))?.enabled).toBe(true);
  });
});

describe('add() of something that is not an object', () => {
  for (const input of [null, undefined, 'a', 42]) {
    it(`${JSON.stringify(input) ?? 'undefined'} is refused as invalid input, and nothing is stored`, async () => {
      const store = countingStore();
      const { sup } = await setup(store);
      await expect(sup.add(input as never)).rejects.toBeInstanceOf(InvalidAccountError);
      expect(store.writes).toBe(0);
      expect(sup.list()).toEqual([]);
    });
  }
});

describe('an add queued behind a slow command of its id', () => {
  it('is refused as shutting down once shutdown began, before it looks for a duplicate', async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const store = countingStore();
    const { sup } = await startSupervisor({ store, cancelTimeoutMs: 80 }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const writes = store.writes;
    const slow = sup.restart('a'); // waits for the stubborn worker's cancel deadline
    const queued = sup.add({ id: 'a', settings: { v: 2 } });
    const stats = sup.shutdown({ timeoutMs: 1_000 });
    await expect(queued).rejects.toBeInstanceOf(ShuttingDownError);
    await slow.catch(() => undefined);
    await stats;
    expect(store.writes).toBe(writes);
    cw.instances('a').forEach((i) => i.resolve());
  });
});

describe('update() with ifMatch, and a patch that changes nothing', () => {
  it('a stale revision is refused and changes nothing; the current one or "*" applies', async () => {
    const store = countingStore();
    const { sup, cw } = await setup(store);
    await sup.add({ id: 'a', settings: { v: 1 } });
    await sup.waitFor('a', 'running');
    const stored = (await store.get('a'))!;
    const writes = store.writes;
    await expect(sup.update('a', { settings: { v: 2 } }, { ifMatch: '"stale"' })).rejects.toBeInstanceOf(RevisionMismatchError);
    expect(store.writes).toBe(writes);
    expect(cw.latest('a')!.signal.aborted).toBe(false);
    expect(await sup.update('a', { settings: { v: 2 } }, { ifMatch: `"${accountRevision(stored)}"` })).toMatchObject({ incarnation: 2 });
    expect(await sup.update('a', { settings: { v: 3 } }, { ifMatch: '*' })).toMatchObject({ incarnation: 3 });
    expect((await store.get('a'))?.settings).toEqual({ v: 3 });
  });

  it('{} or the values already there: no write, no restart', async () => {
    const store = countingStore();
    const { sup, cw } = await setup(store);
    await sup.add({ id: 'a', settings: { v: 1 } });
    await sup.waitFor('a', 'running');
    const writes = store.writes;
    expect(await sup.update('a', {})).toMatchObject({ state: 'running', incarnation: 1 });
    expect(await sup.update('a', { settings: { v: 1 }, enabled: true })).toMatchObject({ state: 'running', incarnation: 1 });
    expect(store.writes).toBe(writes);
    expect(cw.instances('a')).toHaveLength(1);
    expect(cw.latest('a')!.signal.aborted).toBe(false);
  });
});
