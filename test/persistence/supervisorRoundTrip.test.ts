/** The supervisor over a real lowdb file: what survives a restart, and reload / watch from outside. */
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSupervisor, StoreWriteError, type Supervisor } from '../../src/index.js';
import { lowdbStore } from '../../src/persistence/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { FAST, silent } from '../helpers/supervisor.js';
import { instrumentedAdapter, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let open: Supervisor[] = [];
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await Promise.all(open.map((s) => s.shutdown({ timeoutMs: 1_000 })));
  open = [];
  await tmp.cleanup();
});

async function supervisorOn(file: string, cw = controllableWorker(), watch = false) {
  const store = await lowdbStore({ file, watch, watchDebounceMs: 30, logger: silent });
  const sup = createSupervisor({ ...FAST, logger: silent, store, worker: cw.worker, restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' } } });
  open.push(sup);
  await sup.start();
  return { sup, cw };
}

describe('supervision state survives a restart of the process', () => {
  it('a suspended account stays suspended with its error; a healthy one runs again with its restart history', async () => {
    const first = await supervisorOn(tmp.file);
    await first.sup.add({ id: 'bad', credentials: 'x' });
    await first.sup.add({ id: 'good' });
    (await first.cw.nextInstance('good', 0)).reject(new Error('transient glitch'));
    await first.sup.waitFor('good', (s) => s.state === 'running' && s.incarnation === 2);
    (await first.cw.nextInstance('bad', 0)).reject(Object.assign(new Error('credentials rejected'), { code: 'AUTH', retryable: false }));
    await first.sup.waitFor('bad', 'suspended');
    await first.sup.shutdown();

    const second = await supervisorOn(tmp.file);
    expect(second.sup.status('bad')).toMatchObject({ state: 'suspended', suspendedBecause: 'nonRetryable', lastError: { message: 'credentials rejected', code: 'AUTH' } });
    const good = await second.sup.waitFor('good', 'running');
    expect(good).toMatchObject({ restarts: 1, lastError: { message: 'transient glitch' } });
    expect(second.cw.instances('bad')).toEqual([]);
    // The restart inside the intensity window still counts.
    const stored = JSON.parse(await readFile(tmp.file, 'utf8')) as { supervision: Record<string, { restartHistory: number[] }> };
    expect(stored.supervision.good!.restartHistory).toHaveLength(1);
    await second.sup.restart('bad');
    await second.sup.waitFor('bad', 'running');
  });

  it('shutdown releases the store lock, so the next supervisor can open it', async () => {
    const first = await supervisorOn(tmp.file);
    await first.sup.shutdown();
    await expect(supervisorOn(tmp.file)).resolves.toBeDefined();
  });
});

describe('a failing disk under the supervisor', () => {
  it('rejects the command with StoreWriteError, rolls memory back, keeps serving, and the next write succeeds', async () => {
    const adapter = instrumentedAdapter(tmp.file);
    const store = await lowdbStore({ file: tmp.file, adapter, logger: silent });
    const cw = controllableWorker();
    const sup = createSupervisor({ ...FAST, logger: silent, store, worker: cw.worker });
    open.push(sup);
    await sup.start();
    await sup.add({ id: 'kept' });
    adapter.failNext = 1;
    await expect(sup.add({ id: 'lost' })).rejects.toBeInstanceOf(StoreWriteError);
    expect(sup.status('lost')).toBeUndefined();
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['kept']);
    adapter.failNext = 1;
    await expect(sup.update('kept', { settings: { v: 2 } })).rejects.toBeInstanceOf(StoreWriteError);
    expect((await store.get('kept'))?.settings).toEqual({});
    await sup.waitFor('kept', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.latest('kept')!.account.settings).toEqual({});
    await sup.add({ id: 'later' });
    await sup.waitFor('later', 'running');
    const onDisk = JSON.parse(await readFile(tmp.file, 'utf8')) as { accounts: { id: string }[] };
    expect(onDisk.accounts.map((a) => a.id)).toEqual(['kept', 'later']);
  });
});

describe('reload and watch over the file', () => {
  async function seed() {
    const first = await supervisorOn(tmp.file);
    for (const id of ['same', 'changed', 'deleted']) await first.sup.add({ id, settings: { v: 1 } });
    await first.sup.shutdown();
  }

  async function editFile(edit: (doc: { accounts: { id: string; settings: Record<string, unknown> }[] }) => void) {
    const doc = JSON.parse(await readFile(tmp.file, 'utf8')) as { accounts: { id: string; enabled: boolean; settings: Record<string, unknown> }[] };
    edit(doc);
    await writeFile(tmp.file, JSON.stringify(doc, null, 2));
  }

  const outsideEdit = (doc: { accounts: { id: string; enabled?: boolean; settings: Record<string, unknown> }[] }) => {
    doc.accounts = doc.accounts.filter((a) => a.id !== 'deleted');
    doc.accounts.find((a) => a.id === 'changed')!.settings = { v: 2 };
    doc.accounts.push({ id: 'added', enabled: true, settings: {} });
  };

  it('reload(): re-reads the file; only the changed accounts move', async () => {
    await seed();
    const { sup, cw } = await supervisorOn(tmp.file);
    for (const id of ['same', 'changed', 'deleted']) await sup.waitFor(id, 'running');
    await editFile(outsideEdit);
    const result = await sup.reload();
    expect(result).toEqual({ added: ['added'], removed: ['deleted'], changed: ['changed'], unchanged: 1, invalid: [] });
    await sup.waitFor('added', 'running');
    expect(sup.status('deleted')).toBeUndefined();
    expect(sup.status('same')).toMatchObject({ incarnation: 1, state: 'running' });
    expect(sup.status('changed')).toMatchObject({ incarnation: 2 });
    expect(cw.latest('changed')!.account.settings).toEqual({ v: 2 });
  });

  it('reload() of a broken file rejects and changes nothing', async () => {
    await seed();
    const { sup, cw } = await supervisorOn(tmp.file);
    await sup.waitFor('same', 'running');
    await writeFile(tmp.file, '{ "version": 2, "accounts": [');
    await expect(sup.reload()).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    expect(sup.list().map((s) => [s.id, s.incarnation])).toEqual([['same', 1], ['changed', 1], ['deleted', 1]]);
    expect(cw.totalAlive()).toBe(3);
  });

  it('watch: true reloads by itself; unchanged accounts keep their incarnation', async () => {
    await seed();
    const { sup, cw } = await supervisorOn(tmp.file, controllableWorker(), true);
    for (const id of ['same', 'changed', 'deleted']) await sup.waitFor(id, 'running');
    await editFile(outsideEdit);
    await sup.waitFor('added', 'running', { timeoutMs: 5_000 });
    await sup.waitFor('changed', (s) => s.incarnation === 2 && s.state === 'running');
    expect(sup.status('deleted')).toBeUndefined();
    expect(sup.status('same')).toMatchObject({ incarnation: 1, state: 'running' });
    expect(cw.latest('changed')!.account.settings).toEqual({ v: 2 });
    expect(cw.alive('deleted')).toBe(0);
    // The supervisor's own writes do not trigger a reload.
    await sup.update('same', { settings: { v: 3 } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sup.status('changed')!.incarnation).toBe(2);
  });
});
