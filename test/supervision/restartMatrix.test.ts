/**
 * The restart rules, in the style of Erlang/OTP's own supervisor_SUITE: each restart type against
 * each way a task ends, then intensity (suspend, escalate, wide spacing) and backoff.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { Supervisor } from '../../src/index.js';
import { EscalationError, ShuttingDownError } from '../../src/index.js';
import { delay, startSupervisor } from '../helpers/supervisor.js';

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown({ timeoutMs: 1_000 });
  current = undefined;
});

async function setup(type: 'permanent' | 'transient' | 'temporary') {
  const r = await startSupervisor({ restart: { type, backoff: { minMs: 5, maxMs: 5, jitter: 'none' } } });
  current = r.sup;
  await r.sup.add({ id: 'a' });
  await r.sup.waitFor('a', 'running');
  return r;
}

describe('restart type × how the task ended', () => {
  const cases = [
    { type: 'permanent', end: 'completed', restarts: true, finalState: 'running' },
    { type: 'permanent', end: 'failed', restarts: true, finalState: 'running' },
    { type: 'transient', end: 'completed', restarts: false, finalState: 'cleaned' },
    { type: 'transient', end: 'failed', restarts: true, finalState: 'running' },
    { type: 'temporary', end: 'completed', restarts: false, finalState: 'cleaned' },
    { type: 'temporary', end: 'failed', restarts: false, finalState: 'failed' },
  ] as const;

  for (const c of cases) {
    it(`${c.type} after ${c.end}: ${c.restarts ? 'restarts' : 'stays down'}`, async () => {
      const { sup, cw } = await setup(c.type);
      const first = cw.latest('a')!;
      if (c.end === 'completed') first.resolve();
      else first.reject(new Error('boom'));
      const status = c.restarts
        ? await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2)
        : await sup.waitFor('a', c.finalState);
      expect(status.state).toBe(c.finalState);
      expect(status.restarts).toBe(c.restarts ? 1 : 0);
      await delay(30); // longer than the backoff: nothing else may start
      expect(cw.instances('a')).toHaveLength(c.restarts ? 2 : 1);
      if (c.end === 'failed') expect(sup.status('a')?.lastError?.message).toBe('boom');
    });
  }

  for (const type of ['permanent', 'transient', 'temporary'] as const) {
    it(`${type} after cancelled: never restarts`, async () => {
      const { sup, cw } = await setup(type);
      const status = await sup.disable('a');
      expect(status.state).toBe('disabled');
      await sup.enable('a');
      await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
      await sup.remove('a');
      await delay(30);
      expect(cw.instances('a')).toHaveLength(2);
      expect(cw.alive('a')).toBe(0);
    });
  }
});

describe('a non-retryable failure', () => {
  it('suspends at once, without spending restarts', async () => {
    const { sup, cw } = await setup('permanent');
    cw.latest('a')!.reject(Object.assign(new Error('credentials rejected'), { code: 'AUTH', retryable: false }));
    const status = await sup.waitFor('a', 'suspended');
    expect(status).toMatchObject({ restarts: 0, suspendedBecause: 'nonRetryable', lastError: { message: 'credentials rejected', code: 'AUTH' } });
    await delay(30);
    expect(cw.instances('a')).toHaveLength(1);
  });

  it('restart() resumes the suspended account', async () => {
    const { sup, cw } = await setup('permanent');
    cw.latest('a')!.reject(Object.assign(new Error('no'), { retryable: false }));
    await sup.waitFor('a', 'suspended');
    await sup.restart('a');
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(cw.alive('a')).toBe(1);
  });
});

describe('restart intensity', () => {
  it('maxRestarts: 3 allows three restarts; the fourth needed suspends that account only', async () => {
    const { sup, cw } = await startSupervisor({ restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 3, withinMs: 60_000 } } });
    current = sup;
    await sup.add({ id: 'a' });
    await sup.add({ id: 'b' });
    await sup.waitFor('b', 'running');
    for (let i = 1; i <= 4; i++) {
      const instance = await cw.nextInstance('a', i - 1);
      await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === i);
      instance.reject(new Error(`crash ${i}`));
    }
    const status = await sup.waitFor('a', 'suspended');
    expect(status).toMatchObject({ restarts: 3, incarnation: 4, suspendedBecause: 'intensity', lastError: { message: 'crash 4' } });
    expect(sup.status('b')).toMatchObject({ state: 'running', incarnation: 1, restarts: 0 });
    expect(cw.instances('a')).toHaveLength(4);
  });

  it("escalate: the whole supervisor shuts down with a clear error", async () => {
    const { sup, cw } = await startSupervisor({
      restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 1, withinMs: 60_000 }, onIntensityExceeded: 'escalate' },
    });
    current = sup;
    await sup.add({ id: 'a' });
    await sup.add({ id: 'b' });
    await sup.waitFor('b', 'running');
    (await cw.nextInstance('a', 0)).reject(new Error('crash 1'));
    (await cw.nextInstance('a', 1)).reject(new Error('crash 2'));
    const stats = await sup.done;
    expect(stats.error).toBeInstanceOf(EscalationError);
    expect(stats.error?.code).toBe('ESCALATED');
    expect(stats.error?.message).toContain('"a"');
    expect(stats.cancelled).toBe(1); // b was cancelled by the shutdown
    expect(cw.totalAlive()).toBe(0);
    expect(sup.actor.getSnapshot().value).toBe('stopped');
    await expect(sup.add({ id: 'c' })).rejects.toBeInstanceOf(ShuttingDownError);
    expect(await sup.shutdown()).toBe(stats);
  });

  it('restarts spaced wider than the window never suspend', async () => {
    const clock = new SimulatedClock();
    const { sup, cw } = await startSupervisor({ clock, restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 1, withinMs: 40 } } });
    current = sup;
    await sup.add({ id: 'a' });
    for (let i = 1; i <= 5; i++) {
      const instance = await cw.nextInstance('a', i - 1);
      clock.increment(41); // the previous restart has left the 40 ms window
      instance.reject(new Error(`crash ${i}`));
      await sup.waitFor('a', 'backoff');
      clock.increment(1);
    }
    const status = await sup.waitFor('a', (s) => s.incarnation === 6 && s.state === 'running');
    expect(status.restarts).toBe(5);
  });

  it('the window is exact to the millisecond: a restart at the window edge is allowed, one inside it suspends', async () => {
    const clock = new SimulatedClock();
    const { sup, cw } = await startSupervisor({ clock, restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 1, withinMs: 1_000 } } });
    current = sup;
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('crash at 0')); // restart 1 decided at t=0
    await sup.waitFor('a', 'backoff');
    clock.increment(1);
    const second = await cw.nextInstance('a', 1);
    clock.set(1_000); // restart 1 (t=0) is exactly withinMs old: out of the window
    second.reject(new Error('crash at 1000'));
    expect((await sup.waitFor('a', 'backoff')).restarts).toBe(2);
    clock.increment(1);
    const third = await cw.nextInstance('a', 2);
    clock.set(1_999); // restart 2 (t=1000) is 999 ms old: a second restart inside 1 s exceeds maxRestarts 1
    third.reject(new Error('crash at 1999'));
    const status = await sup.waitFor('a', 'suspended');
    expect(status).toMatchObject({ restarts: 2, incarnation: 3, suspendedBecause: 'intensity', since: 1_999 });
  });
});

describe('backoff', () => {
  it('grows by factor, is capped, and resets after resetAfterMs of stable running', async () => {
    const clock = new SimulatedClock();
    const { sup, cw } = await startSupervisor({
      clock,
      restart: { backoff: { minMs: 20, maxMs: 80, factor: 2, jitter: 'none' }, resetAfterMs: 150, intensity: { maxRestarts: 100 } },
    });
    current = sup;
    await sup.add({ id: 'a' });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      (await cw.nextInstance('a', i)).reject(new Error('x'));
      const s = await sup.waitFor('a', 'backoff');
      delays.push(s.nextRestartAt! - s.since);
      clock.increment(delays.at(-1)! - 1);
      await delay(5);
      expect(sup.status('a')?.state).toBe('backoff'); // not a millisecond early
      clock.increment(1);
      await sup.waitFor('a', (st) => st.incarnation === i + 2);
    }
    expect(delays).toEqual([20, 40, 80, 80]);
    const stable = await cw.nextInstance('a', 4);
    await sup.waitFor('a', 'running');
    clock.increment(150);
    stable.reject(new Error('after a stable run'));
    const s = await sup.waitFor('a', 'backoff');
    expect(s.nextRestartAt! - s.since).toBe(20);
  });
});
