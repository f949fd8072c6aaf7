/**
 * One test per XState behaviour listed in ../shared/xstate-facts.md that the design must defend
 * against, plus the scale facts (1 and 9): per-account cost constant, mass cancel not quadratic.
 */
import { describe, expect, it } from 'vitest';
import { fromCallback } from 'xstate';
import { AccountExistsError, memoryStore } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { delay, startSupervisor } from '../helpers/supervisor.js';

describe('defences against XState traps', () => {
  it('fact 1: cancellation passes through cancelling (the worker sees its abort), never a bare stop()', async () => {
    const { sup, cw } = await startSupervisor();
    const seen: string[] = [];
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const unsub = sup.subscribe((all) => seen.push(all[0]!.state));
    await sup.shutdown();
    unsub();
    expect(cw.latest('a')!.signal.aborted).toBe(true);
    expect(cw.latest('a')!.state).toBe('resolved');
    expect(seen).toContain('cancelling');
    expect(seen.at(-1)).toBe('cleaned');
  });

  it('fact 2: finished tasks are not kept: the root has no children, whatever ran', async () => {
    const { sup, cw } = await startSupervisor({ restart: { backoff: { minMs: 0, maxMs: 0, jitter: 'none' }, intensity: { maxRestarts: 1_000 } } });
    await sup.add({ id: 'a' });
    for (let i = 0; i < 100; i++) (await cw.nextInstance('a', i)).resolve();
    await sup.waitFor('a', (s) => s.incarnation === 101 && s.state === 'running');
    expect(Object.keys(sup.actor.getSnapshot().children)).toEqual([]);
    expect(cw.totalAlive()).toBe(1);
    await sup.shutdown();
  });

  it('fact 3: a duplicate id is refused, and the first worker stays the only one', async () => {
    const { sup, cw } = await startSupervisor();
    const results = await Promise.allSettled([sup.add({ id: 'a' }), sup.add({ id: 'a' })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(AccountExistsError);
    await sup.waitFor('a', 'running');
    expect(cw.maxAlive('a')).toBe(1);
    const stats = await sup.shutdown();
    expect(stats.cancelled).toBe(1);
    expect(cw.totalAlive()).toBe(0);
  });

  it('fact 4: commands racing a task that just ended never error the root', async () => {
    const { sup, cw } = await startSupervisor({ restart: { type: 'temporary' } });
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    cw.latest('a')!.resolve(); // the task ends on its own…
    await sup.remove('a'); // …while a command cancels it
    await expect(sup.remove('a')).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    expect(sup.actor.getSnapshot().status).toBe('active');
    expect(sup.actor.getSnapshot().value).toBe('running');
    await sup.shutdown();
  });

  it('fact 5: a worker that throws (sync, async, non-Error) fails its own account only', async () => {
    const throwing = {
      sync: () => {
        throw new Error('sync');
      },
      async: () => Promise.reject(new Error('async')),
      value: () => Promise.reject('a string'),
      callback: fromCallback(() => {
        throw new Error('callback');
      }),
    };
    const cw = controllableWorker();
    const { sup } = await startSupervisor({
      workerFor: (account) => (account.id in throwing ? throwing[account.id as keyof typeof throwing] : cw.worker),
      restart: { type: 'temporary' },
    });
    await sup.add({ id: 'healthy' });
    for (const id of Object.keys(throwing)) await sup.add({ id });
    for (const id of Object.keys(throwing)) expect((await sup.waitFor(id, 'failed')).lastError?.message).toBeTruthy();
    expect(sup.status('value')!.lastError!.message).toBe('a string');
    expect(sup.status('callback')!.lastError!.message).toBe('callback');
    expect(sup.status('healthy')!.state).toBe('running');
    expect(sup.actor.getSnapshot().value).toBe('running');
    await sup.shutdown();
  });

  it('fact 6: the root persists small and by name, whatever the number of accounts, and without secrets', async () => {
    const { sup } = await startSupervisor();
    const before = JSON.stringify(sup.actor.getPersistedSnapshot()).length;
    for (let i = 0; i < 200; i++) await sup.add({ id: `a${i}`, credentials: `secret-${i}` });
    const persisted = sup.actor.getPersistedSnapshot() as unknown as { children: object };
    const json = JSON.stringify(persisted);
    expect(json.length).toBe(before);
    expect(persisted.children).toEqual({});
    expect(json).not.toContain('secret-');
    await sup.shutdown();
  });

  it('inspection events of the root and of every task carry no credentials', async () => {
    const events: string[] = [];
    const { sup, cw } = await startSupervisor({ inspect: (e) => events.push(JSON.stringify(e)) });
    await sup.add({ id: 'a', credentials: 'top-secret-token', settings: { note: 'visible' } });
    await sup.waitFor('a', 'running');
    cw.latest('a')!.reject(new Error('boom'));
    await sup.waitFor('a', (s) => s.incarnation === 2 && s.state === 'running');
    await sup.shutdown();
    expect(events.length).toBeGreaterThan(20);
    // A task's snapshot (only a task's context has `loadTimeoutMs`), in its running state.
    expect(events.some((e) => e.includes('"loadTimeoutMs"') && e.includes('"value":"running"'))).toBe(true);
    expect(events.some((e) => e.includes('RESTART_SCHEDULED'))).toBe(true);
    expect(events.filter((e) => e.includes('top-secret-token'))).toEqual([]);
  });
});

describe('scale: per-account cost does not grow with the number of accounts', () => {
  it('starts 10,000 accounts well under 10 s', async () => {
    const { sup, cw } = await startSupervisor();
    const started = Date.now();
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => sup.add({ id: `acc-${i}` })));
    await sup.waitFor('acc-9999', 'running');
    await delay(0);
    const took = Date.now() - started;
    expect(cw.totalAlive()).toBe(10_000);
    expect(took).toBeLessThan(10_000);
    const stats = await sup.shutdown({ timeoutMs: 10_000 });
    expect(stats.cancelled).toBe(10_000);
  });

  it('fact 9: a mass cancel of 10,000 tasks that each hold a pending timer is not quadratic', async () => {
    // Every task is in cancelling with its cancelTimeout timer pending when the shutdown lands.
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await startSupervisor({ cancelTimeoutMs: 60_000 }, cw);
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => sup.add({ id: `acc-${i}` })));
    await sup.waitFor('acc-9999', 'running');
    const removals = Array.from({ length: 10_000 }, (_, i) => sup.remove(`acc-${i}`));
    await delay(50); // all in cancelling, each with a pending 60 s timer
    const started = Date.now();
    for (const instance of cw.instances()) instance.resolve();
    await Promise.all(removals);
    const took = Date.now() - started;
    expect(sup.list()).toHaveLength(0);
    expect(took).toBeLessThan(5_000);
    await sup.shutdown();
  });
});

describe('decisions during start', () => {
  it('a task that ends while the supervisor is still starting its accounts gets its decision', async () => {
    // start() yields every 1,000 accounts; tasks started before a yield fail during it.
    const accounts = Array.from({ length: 2_500 }, (_, i) => ({ id: `a${i}`, enabled: true, settings: {} }));
    const { sup } = await startSupervisor({
      store: memoryStore(accounts),
      worker: () => Promise.reject(Object.assign(new Error('rejected'), { retryable: false })),
    });
    await Promise.all(accounts.map((a) => sup.waitFor(a.id, 'suspended')));
    expect(sup.list().every((s) => s.state === 'suspended')).toBe(true);
    await sup.shutdown();
  });
});
