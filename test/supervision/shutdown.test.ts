import { describe, expect, it } from 'vitest';
import { ShuttingDownError, NotStartedError, createSupervisor, memoryStore, withSettingsSchema } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { delay, silent, startSupervisor } from '../helpers/supervisor.js';
import { holdingSchema } from '../helpers/holdingSchema.js';

describe('graceful shutdown', () => {
  it('cancels every cooperative worker in parallel and counts them', async () => {
    const { sup, cw } = await startSupervisor();
    for (let i = 0; i < 50; i++) await sup.add({ id: `a${i}` });
    await Promise.all(Array.from({ length: 50 }, (_, i) => sup.waitFor(`a${i}`, 'running')));
    const stats = await sup.shutdown({ timeoutMs: 1_000 });
    expect(stats).toMatchObject({ cancelled: 50, completed: 0, failed: 0, forced: 0 });
    expect(stats.durationMs).toBeLessThan(1_000);
    expect(cw.totalAlive()).toBe(0);
    expect(cw.instances().every((i) => i.signal.aborted)).toBe(true);
    expect(sup.actor.getSnapshot().value).toBe('stopped');
    expect(sup.list().every((s) => s.state === 'cleaned')).toBe(true);
  });

  it('a worker that ignores abort is forced at its cancel deadline; shutdown still ends in time', async () => {
    const cw = controllableWorker({ ignoreAbort: (id) => id === 'stubborn' });
    const { sup } = await startSupervisor({ cancelTimeoutMs: 5_000 }, cw);
    await sup.add({ id: 'stubborn' });
    await sup.add({ id: 'nice' });
    await sup.waitFor('stubborn', 'running');
    await sup.waitFor('nice', 'running');
    const started = Date.now();
    const stats = await sup.shutdown({ timeoutMs: 150 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(150 + 100);
    expect(stats).toMatchObject({ cancelled: 1, forced: 1 });
    expect(cw.alive('stubborn')).toBe(1); // reported, not hidden
    cw.latest('stubborn')!.resolve();
  });

  it('a leaked worker whose task was already forced is counted as forced', async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await startSupervisor({ cancelTimeoutMs: 20 }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const status = await sup.disable('a');
    expect(status).toMatchObject({ state: 'cancelling', leaked: true });
    const stats = await sup.shutdown({ timeoutMs: 100 });
    expect(stats.forced).toBe(1);
    cw.latest('a')!.resolve();
  });

  it('refuses commands during and after shutdown, and a second call returns the same promise', async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await startSupervisor({ cancelTimeoutMs: 50 }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const first = sup.shutdown({ timeoutMs: 500 });
    const second = sup.shutdown({ timeoutMs: 1 });
    expect(second).toBe(first);
    await expect(sup.add({ id: 'b' })).rejects.toBeInstanceOf(ShuttingDownError);
    await expect(sup.restart('a')).rejects.toBeInstanceOf(ShuttingDownError);
    await expect(sup.update('a', { settings: { x: 1 } })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await first;
    await expect(sup.remove('a')).rejects.toBeInstanceOf(ShuttingDownError);
    cw.latest('a')!.resolve();
  });

  it('a command queued behind a slow one is refused once shutdown began, not run', async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await startSupervisor({ cancelTimeoutMs: 80 }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const slow = sup.restart('a'); // waits for the stubborn worker's cancel deadline
    const queued = sup.update('a', { settings: { v: 2 } });
    const stats = sup.shutdown({ timeoutMs: 1_000 });
    await expect(queued).rejects.toBeInstanceOf(ShuttingDownError);
    await slow.catch(() => undefined);
    await stats;
    expect(cw.instances('a').length).toBe(1); // nothing started after shutdown began
    cw.instances('a').forEach((i) => i.resolve());
  });

  it('an add or update whose settings check is still running when shutdown begins is refused and changes nothing', async () => {
    // A schema that validates asynchronously, held open for settings with `hold` until released.
    const { schema, release, held } = holdingSchema();
    const cw = controllableWorker();
    const store = memoryStore();
    const { sup } = await startSupervisor({ worker: withSettingsSchema(cw.worker, schema), store }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const added = sup.add({ id: 'b', settings: { hold: true } });
    const updated = sup.update('a', { settings: { hold: true } });
    await held(2);
    const stats = sup.shutdown({ timeoutMs: 1_000 });
    release();
    await expect(added).rejects.toBeInstanceOf(ShuttingDownError);
    await expect(updated).rejects.toBeInstanceOf(ShuttingDownError);
    await stats;
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toMatchObject({ settings: {} });
    expect(sup.status('b')).toBeUndefined();
    expect(cw.instances('a')).toHaveLength(1);
  });

  it('clears pending backoff timers: no task starts after shutdown began', async () => {
    const { sup, cw } = await startSupervisor({ restart: { backoff: { minMs: 50, maxMs: 50, jitter: 'none' } } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('x'));
    await sup.waitFor('a', 'backoff');
    await sup.shutdown({ timeoutMs: 200 });
    await delay(100);
    expect(cw.instances('a')).toHaveLength(1);
  });

  it('before start: commands are refused, and shutdown resolves at once', async () => {
    const cw = controllableWorker();
    const sup = createSupervisor({ worker: cw.worker, logger: silent });
    await expect(sup.add({ id: 'a' })).rejects.toBeInstanceOf(NotStartedError);
    const stats = await sup.shutdown();
    expect(stats).toMatchObject({ completed: 0, cancelled: 0, failed: 0, forced: 0 });
    await expect(sup.start()).rejects.toBeInstanceOf(ShuttingDownError);
  });
});
