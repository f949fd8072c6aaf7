/**
 * The `admission` option: every start of the supervisor (first starts, restarts, commands) goes
 * through one fleet-wide limiter on the supervisor's clock; a waiting start shows as `loading`
 * with `waitingForAdmission`, a disable cancels it, and shutdown drops what waits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { memoryStore, type Supervisor } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { delay, startSupervisor } from '../helpers/supervisor.js';

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown({ timeoutMs: 1_000 });
  current = undefined;
});

const accounts = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `a${i}`, enabled: true, settings: {} }));

describe('admission', () => {
  it('starts at most burst at once, then one per 1/startsPerSecond of clock time; never two incarnations', async () => {
    const clock = new SimulatedClock();
    const cw = controllableWorker();
    const { sup } = await startSupervisor({ clock, store: memoryStore(accounts(6)), admission: { startsPerSecond: 10, burst: 2 } }, cw);
    current = sup;
    await delay(20);
    expect(cw.instances()).toHaveLength(2);
    expect(sup.list().filter((s) => s.waitingForAdmission)).toHaveLength(4);
    expect(sup.status('a5')).toMatchObject({ state: 'loading', waitingForAdmission: true, incarnation: 0 });
    for (let started = 3; started <= 6; started++) {
      clock.increment(100);
      await sup.waitFor(`a${started - 1}`, 'running');
      expect(cw.instances()).toHaveLength(started);
    }
    expect(sup.list().every((s) => s.state === 'running' && !s.waitingForAdmission)).toBe(true);
    for (let i = 0; i < 6; i++) expect(cw.maxAlive(`a${i}`)).toBe(1);
  });

  it('a restart waits for admission too; a disable of a waiting account never starts it; shutdown drops the rest', async () => {
    const clock = new SimulatedClock();
    const cw = controllableWorker();
    const { sup } = await startSupervisor(
      { clock, store: memoryStore(accounts(3)), admission: { startsPerSecond: 1, burst: 1 }, restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' } } },
      cw,
    );
    current = sup;
    await sup.waitFor('a0', 'running');
    await sup.disable('a2'); // waiting behind a1: it must never start
    expect(sup.status('a2')).toMatchObject({ state: 'disabled' });
    expect(sup.status('a2')?.waitingForAdmission).toBeUndefined();
    clock.increment(1_000);
    await sup.waitFor('a1', 'running');
    (await cw.nextInstance('a0', 0)).reject(new Error('drop'));
    await sup.waitFor('a0', 'backoff');
    clock.increment(1);
    await sup.waitFor('a0', (s) => s.waitingForAdmission === true);
    clock.increment(999);
    await sup.waitFor('a0', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.instances('a2')).toHaveLength(0);
    await sup.restart('a1'); // waits: no token left
    expect(sup.status('a1')).toMatchObject({ waitingForAdmission: true });
    const stats = await sup.shutdown({ timeoutMs: 1_000 });
    current = undefined;
    expect(stats).toMatchObject({ forced: 0 });
    expect(cw.instances('a1')).toHaveLength(1);
    expect(cw.totalAlive()).toBe(0);
  });
});
