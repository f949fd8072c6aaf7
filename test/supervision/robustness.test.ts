/** Regressions from a review of the runtime: races and inputs that must not hurt the supervisor. */
import { describe, expect, it } from 'vitest';
import type { AccountJobs, Worker } from '../../src/index.js';
import { memoryStore } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { delay, startSupervisor } from '../helpers/supervisor.js';

describe('robustness', () => {
  it('reload() racing a remove does not bring the removed account back', async () => {
    const store = memoryStore([{ id: 'a', enabled: true, settings: {} }]);
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await startSupervisor({ store, cancelTimeoutMs: 80 }, cw);
    await sup.waitFor('a', 'running');
    const removing = sup.remove('a'); // waits ~80 ms for the stubborn worker
    await delay(10);
    const reloading = sup.reload(); // read the store while 'a' was still in it
    await removing;
    cw.instances('a').forEach((i) => i.resolve());
    const result = await reloading;
    expect(result.added).toEqual([]);
    expect(sup.status('a')).toBeUndefined();
    expect(await store.get('a')).toBeUndefined();
    await delay(20);
    expect(cw.instances('a')).toHaveLength(1);
    await sup.shutdown();
  });

  it('reload() racing a disable does not run the disabled account', async () => {
    const store = memoryStore([{ id: 'a', enabled: true, settings: {} }]);
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await startSupervisor({ store, cancelTimeoutMs: 80 }, cw);
    await sup.waitFor('a', 'running');
    const disabling = sup.disable('a');
    await delay(10);
    const reloading = sup.reload();
    await disabling;
    cw.instances('a').forEach((i) => i.resolve());
    await reloading;
    // The leaked worker settles a few microtasks after resolve(): wait for that, not for a turn count.
    expect(await sup.waitFor('a', (s) => !s.leaked)).toMatchObject({ state: 'disabled', enabled: false });
    expect(cw.instances('a')).toHaveLength(1);
    await sup.shutdown();
  });

  it('a waitFor predicate that throws rejects that wait and nothing else', async () => {
    const { sup, cw } = await startSupervisor({ restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' } } });
    await sup.add({ id: 'a' });
    const boom = sup.waitFor('a', (s) => (s.state === 'backoff' ? JSON.parse('{') : false) as boolean);
    (await cw.nextInstance('a', 0)).reject(new Error('x'));
    await expect(boom).rejects.toBeInstanceOf(SyntaxError);
    await sup.waitFor('a', (s) => s.incarnation === 2 && s.state === 'running');
    expect(sup.actor.getSnapshot().status).toBe('active');
    await sup.shutdown();
  });

  it('shutdown({ timeoutMs: Infinity }) still ends, gracefully', async () => {
    const { sup } = await startSupervisor();
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const stats = await sup.shutdown({ timeoutMs: Infinity });
    expect(stats).toMatchObject({ cancelled: 1, forced: 0 });
  });

  it('a worker that completed can submit no more jobs', async () => {
    let jobs: AccountJobs | undefined;
    const worker: Worker = async (ctx) => {
      jobs = ctx.jobs;
    };
    const { sup } = await startSupervisor({ worker, restart: { type: 'temporary' } });
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'cleaned');
    expect(() => jobs!.submit('late', async () => 'x')).toThrow(expect.objectContaining({ code: 'SCOPE_CLOSED' }));
    await sup.shutdown();
  });
});
