import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import { startSupervisor } from '../helpers/supervisor.js';

describe('reload()', () => {
  it('starts new accounts, stops deleted ones, restarts changed ones, leaves the rest alone', async () => {
    const store = memoryStore([
      { id: 'same', enabled: true, settings: { v: 1 } },
      { id: 'changed', enabled: true, settings: { v: 1 } },
      { id: 'deleted', enabled: true, settings: {} },
    ]);
    const { sup, cw } = await startSupervisor({ store });
    for (const id of ['same', 'changed', 'deleted']) await sup.waitFor(id, 'running');
    await store.put({ id: 'changed', enabled: true, settings: { v: 2 } });
    await store.delete('deleted');
    await store.put({ id: 'new', enabled: true, settings: {} });

    const result = await sup.reload();
    expect(result).toEqual({ added: ['new'], removed: ['deleted'], changed: ['changed'], unchanged: 1, invalid: [] });
    expect(sup.status('same')).toMatchObject({ state: 'running', incarnation: 1 });
    expect(sup.status('deleted')).toBeUndefined();
    expect(cw.alive('deleted')).toBe(0);
    await sup.waitFor('changed', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.latest('changed')!.account.settings).toEqual({ v: 2 });
    await sup.waitFor('new', 'running');
    expect(cw.instances('same')).toHaveLength(1);
    await sup.shutdown();
  });

  it('an account new to the supervisor gets the supervision state the store remembers: a suspended one stays suspended (a cluster node taking it over)', async () => {
    const store = memoryStore();
    const { sup, cw } = await startSupervisor({ store });
    await store.put({ id: 'taken-over', enabled: true, settings: {} });
    await store.saveSupervision('taken-over', { restartHistory: [1, 2], restarts: 7, suspended: { at: 3, cause: 'nonRetryable', error: { message: 'bad credentials', code: 'AUTH' } } });
    expect(await sup.reload()).toMatchObject({ added: ['taken-over'] });
    expect(sup.status('taken-over')).toMatchObject({ state: 'suspended', restarts: 7 });
    expect(cw.instances('taken-over')).toHaveLength(0);
    await sup.shutdown();
  });

  it('follows a store that reports external changes', async () => {
    const inner = memoryStore();
    let notify: () => void = () => undefined;
    const store = { ...inner, onExternalChange: (l: () => void) => ((notify = l), () => (notify = () => undefined)) };
    const { sup } = await startSupervisor({ store });
    await inner.put({ id: 'outside', enabled: true, settings: {} });
    notify();
    await sup.waitFor('outside', 'running');
    await sup.shutdown();
  });
});
