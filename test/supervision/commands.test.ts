import { afterEach, describe, expect, it } from 'vitest';
import {
  AccountDisabledError,
  AccountNotFoundError,
  InvalidAccountError,
  memoryStore,
  type AccountStore,
  type Supervisor,
} from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { delay, startSupervisor } from '../helpers/supervisor.js';

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown({ timeoutMs: 1_000 });
  current = undefined;
});

async function setup(options: Parameters<typeof startSupervisor>[0] = {}, cw = controllableWorker()) {
  const r = await startSupervisor(options, cw);
  current = r.sup;
  return r;
}

describe('input validation: refused with the field and why, nothing changed', () => {
  const bad: [string, unknown, string][] = [
    ['empty id', { id: '' }, 'id'],
    ['id over 128 characters', { id: 'x'.repeat(129) }, 'id'],
    ['id with a control character', { id: 'a\nb' }, 'id'],
    ['id not a string', { id: 42 }, 'id'],
    ['settings not an object', { id: 'a', settings: 'nope' }, 'settings'],
    ['settings an array', { id: 'a', settings: [1] }, 'settings'],
    ['enabled not a boolean', { id: 'a', enabled: 'yes' }, 'enabled'],
    ['unknown field', { id: 'a', colour: 'red' }, 'colour'],
    ['bad restart type', { id: 'a', restart: { type: 'sometimes' } }, 'restart.type'],
    ['negative backoff', { id: 'a', restart: { backoff: { minMs: -1 } } }, 'restart.backoff.minMs'],
  ];
  for (const [name, input, field] of bad) {
    it(name, async () => {
      const store = memoryStore();
      const { sup, cw } = await setup({ store });
      const error = await sup.add(input as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidAccountError);
      expect((error as InvalidAccountError).code).toBe('INVALID_ACCOUNT');
      expect((error as InvalidAccountError).field).toBe(field);
      expect((error as Error).message).toContain(`"${field}"`);
      expect(sup.list()).toEqual([]);
      expect(await store.loadAll()).toEqual([]);
      expect(cw.instances()).toEqual([]);
    });
  }

  it('a bad update changes nothing and leaves the task running', async () => {
    const { sup, cw } = await setup();
    await sup.add({ id: 'a', settings: { v: 1 } });
    await sup.waitFor('a', 'running');
    await expect(sup.update('a', { settings: 'x' as never })).rejects.toBeInstanceOf(InvalidAccountError);
    await expect(sup.update('a', { id: 'b' })).rejects.toMatchObject({ field: 'id' });
    expect(sup.status('a')).toMatchObject({ state: 'running', incarnation: 1 });
    expect(cw.latest('a')!.signal.aborted).toBe(false);
  });
});

describe('commands', () => {
  it('unknown ids are refused with AccountNotFoundError', async () => {
    const { sup } = await setup();
    for (const call of [() => sup.update('x', {}), () => sup.remove('x'), () => sup.enable('x'), () => sup.disable('x'), () => sup.restart('x')]) {
      await expect(call()).rejects.toBeInstanceOf(AccountNotFoundError);
    }
  });

  it('update: the old worker is gone before the new one starts, with the new config', async () => {
    const { sup, cw } = await setup();
    await sup.add({ id: 'a', credentials: 'old' });
    await sup.waitFor('a', 'running');
    const status = await sup.update('a', { credentials: 'new' });
    expect(status.incarnation).toBe(2);
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.maxAlive('a')).toBe(1);
    expect(cw.instances('a').map((i) => i.account.credentials)).toEqual(['old', 'new']);
    expect(cw.instances('a')[0]!.state).toBe('resolved');
  });

  it('a burst of updates applies in order and never runs two workers', async () => {
    const { sup, cw } = await setup();
    await sup.add({ id: 'a' });
    const updates = Array.from({ length: 20 }, (_, i) => sup.update('a', { settings: { v: i } }));
    await Promise.all(updates);
    const final = await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 21);
    expect(final.incarnation).toBe(21);
    expect(cw.maxAlive('a')).toBe(1);
    expect(cw.latest('a')!.account.settings).toEqual({ v: 19 });
  });

  it('disable and enable', async () => {
    const store = memoryStore();
    const { sup, cw } = await setup({ store });
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    expect(await sup.disable('a')).toMatchObject({ state: 'disabled', enabled: false });
    expect((await store.get('a'))?.enabled).toBe(false);
    expect(cw.alive('a')).toBe(0);
    await expect(sup.restart('a')).rejects.toBeInstanceOf(AccountDisabledError);
    expect(await sup.disable('a')).toMatchObject({ state: 'disabled' });
    await sup.enable('a');
    expect((await store.get('a'))?.enabled).toBe(true);
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
  });

  it('add with enabled: false stores without starting', async () => {
    const { sup, cw } = await setup();
    expect(await sup.add({ id: 'a', enabled: false })).toMatchObject({ state: 'disabled', incarnation: 0 });
    await delay(10);
    expect(cw.instances()).toEqual([]);
  });

  it('remove deletes from the store and the status', async () => {
    const store = memoryStore();
    const { sup, cw } = await setup({ store });
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await sup.remove('a');
    expect(sup.status('a')).toBeUndefined();
    expect(await store.get('a')).toBeUndefined();
    expect(cw.alive('a')).toBe(0);
  });

  it('waitFor rejects on timeout and when the account is removed', async () => {
    const { sup } = await setup();
    await sup.add({ id: 'a' });
    await expect(sup.waitFor('a', 'suspended', { timeoutMs: 30 })).rejects.toMatchObject({ code: 'WAIT_TIMEOUT' });
    const waiting = sup.waitFor('a', 'suspended', { timeoutMs: 5_000 });
    await sup.remove('a');
    await expect(waiting).rejects.toBeInstanceOf(AccountNotFoundError);
  });

  it('start() spawns every enabled account of the store, and only those', async () => {
    const store = memoryStore([
      { id: 'on', enabled: true, settings: {} },
      { id: 'off', enabled: false, settings: {} },
    ]);
    const { sup, cw } = await setup({ store });
    await sup.waitFor('on', 'running');
    expect(sup.status('off')).toMatchObject({ state: 'disabled' });
    expect(cw.instances().map((i) => i.accountId)).toEqual(['on']);
  });

  it('subscribe batches: one notification for many changes in one turn', async () => {
    const { sup } = await setup();
    const calls: number[] = [];
    const unsubscribe = sup.subscribe((all) => calls.push(all.length));
    await Promise.all(Array.from({ length: 100 }, (_, i) => sup.add({ id: `a${i}` })));
    await delay(10);
    unsubscribe();
    expect(calls.at(-1)).toBe(100);
    expect(calls.length).toBeLessThan(20);
  });
});

describe('a leaked worker', () => {
  it('keeps the account in cancelling (leaked) and blocks the next incarnation until it settles', async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await setup({ cancelTimeoutMs: 30 }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const status = await sup.update('a', { settings: { v: 2 } });
    expect(status).toMatchObject({ state: 'cancelling', leaked: true, incarnation: 1 });
    await delay(50);
    expect(cw.instances('a')).toHaveLength(1);
    cw.latest('a')!.resolve();
    const next = await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(next.leaked).toBeUndefined();
    expect(cw.maxAlive('a')).toBe(1);
  });

  it("with onLeak: 'proceed' the next incarnation starts anyway", async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await setup({ cancelTimeoutMs: 30, restart: { onLeak: 'proceed' } }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await sup.update('a', { settings: { v: 2 } });
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.alive('a')).toBe(2);
    cw.instances('a').forEach((i) => i.resolve());
  });

  it('outlives remove: a re-added account waits for it', async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await setup({ cancelTimeoutMs: 30 }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await sup.remove('a');
    expect(await sup.add({ id: 'a' })).toMatchObject({ state: 'cancelling', leaked: true });
    cw.instances('a')[0]!.resolve();
    await sup.waitFor('a', 'running');
    expect(cw.maxAlive('a')).toBe(1);
  });
});

describe('a store that fails', () => {
  function failingStore(): AccountStore & { failNext: boolean } {
    const inner = memoryStore();
    const store = {
      ...inner,
      failNext: false,
      put: async (a: Parameters<AccountStore['put']>[0]) => {
        if (store.failNext) {
          store.failNext = false;
          throw Object.assign(new Error('disk full'), { code: 'STORE_WRITE_FAILED' });
        }
        return inner.put(a);
      },
    };
    return store;
  }

  it('a failed add leaves no account behind', async () => {
    const store = failingStore();
    const { sup, cw } = await setup({ store });
    store.failNext = true;
    await expect(sup.add({ id: 'a' })).rejects.toThrow('disk full');
    expect(sup.status('a')).toBeUndefined();
    expect(cw.instances()).toEqual([]);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
  });

  it('a failed update runs the stored account again', async () => {
    const store = failingStore();
    const { sup, cw } = await setup({ store });
    await sup.add({ id: 'a', settings: { v: 1 } });
    store.failNext = true;
    await expect(sup.update('a', { settings: { v: 2 } })).rejects.toThrow('disk full');
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.latest('a')!.account.settings).toEqual({ v: 1 });
    expect(cw.maxAlive('a')).toBe(1);
  });
});
