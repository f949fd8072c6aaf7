/**
 * The `clock` option: every timer and time read of the supervisor, its tasks, the job runner and
 * the session worker's timers go through the clock it was given. With XState's `SimulatedClock`,
 * nothing happens until the test moves time, and then it happens at the exact millisecond.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createJobRunner, gather, memoryStore, type Supervisor } from '../../src/index.js';
import { systemClock } from '../../src/clock/index.js';
import { Heartbeat } from '../../src/sessions/heartbeat.js';
import { ThrottledReporter } from '../../src/sessions/reporter.js';
import { delay, silent, startSupervisor } from '../helpers/supervisor.js';

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown({ timeoutMs: 1_000 });
  current = undefined;
});

describe('systemClock', () => {
  it('is real time', async () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    let fired = false;
    systemClock.setTimeout(() => (fired = true), 1);
    const cleared = systemClock.setTimeout(() => expect.unreachable('a cleared timer fired'), 1);
    systemClock.clearTimeout(cleared);
    await delay(20);
    expect(fired).toBe(true);
  });
});

describe('a supervisor on a SimulatedClock', () => {
  it('stamps statuses with the clock', async () => {
    const clock = new SimulatedClock();
    clock.set(1_000_000);
    const { sup } = await startSupervisor({ clock });
    current = sup;
    const added = await sup.add({ id: 'a' });
    expect(added.since).toBe(1_000_000);
    await sup.waitFor('a', 'running');
    expect(sup.status('a')?.since).toBe(1_000_000);
    clock.increment(250);
    await sup.disable('a');
    expect(sup.status('a')).toMatchObject({ state: 'disabled', since: 1_000_250 });
  });

  it('fails a task whose load outlasts loadTimeoutMs of clock time, not of real time', async () => {
    const clock = new SimulatedClock();
    const base = memoryStore();
    let slow = false;
    const store = { ...base, get: async (id: string) => (slow ? new Promise<never>(() => {}) : base.get(id)) };
    const { sup } = await startSupervisor({ clock, store, loadTimeoutMs: 5_000, restart: { type: 'temporary' } });
    current = sup;
    slow = true;
    await sup.add({ id: 'a' });
    await delay(20); // real time passes; clock time does not
    expect(sup.status('a')?.state).toBe('loading');
    clock.increment(4_999);
    await delay(5);
    expect(sup.status('a')?.state).toBe('loading');
    clock.increment(1);
    const status = await sup.waitFor('a', 'failed');
    expect(status.lastError).toMatchObject({ code: 'LOAD_TIMEOUT' });
    expect(status.since).toBe(5_000);
  });
});

describe('the job runner on a SimulatedClock', () => {
  it('times a job out after timeoutMs of clock time and stamps it with the clock', async () => {
    const clock = new SimulatedClock();
    clock.set(10_000);
    const runner = createJobRunner({ clock, logger: silent, abandonAfterMs: 100 });
    const h = runner.submit('slow', (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())), { timeoutMs: 1_000 });
    clock.increment(999);
    expect(h.status().state).toBe('running');
    clock.increment(1);
    expect(h.status()).toMatchObject({ state: 'timeout', submittedAt: 10_000, startedAt: 10_000, finishedAt: 11_000 });
    await expect(h.result).rejects.toMatchObject({ code: 'JOB_TIMEOUT' });
    const shut = runner.shutdown({ timeoutMs: 1_000 });
    clock.increment(1_000);
    expect(await shut).toMatchObject({ abandoned: 0 });
  });
});

describe('gather() on a SimulatedClock', () => {
  it('jitters and cuts at the global deadline in clock time', async () => {
    const clock = new SimulatedClock();
    const started: number[] = [];
    const never = (n: number, signal: AbortSignal) =>
      new Promise<number>((_, reject) => {
        started.push(clock.now());
        signal.addEventListener('abort', () => reject(signal.reason as Error));
        void n;
      });
    let done = false;
    const results = gather(never, [1, 2], { clock, jitterMs: 100, random: () => 0.5, globalTimeoutMs: 1_000, logger: silent }).finally(() => (done = true));
    await delay(5);
    expect(started).toEqual([]);
    clock.increment(50);
    await delay(5);
    expect(started).toEqual([50, 50]);
    clock.increment(949);
    await delay(5);
    expect(done).toBe(false);
    clock.increment(1);
    expect((await results).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
  });
});

describe('the session worker\'s timers on a SimulatedClock', () => {
  it('heartbeat: probes every intervalMs and times out timeoutMs after an unanswered probe', () => {
    const clock = new SimulatedClock();
    const probes: number[] = [];
    const timeouts: string[] = [];
    const alive: number[] = [];
    const hb = new Heartbeat({ clock, intervalMs: 100, timeoutMs: 50, probe: (seq) => probes.push(seq), onTimeout: (m) => timeouts.push(m), onAlive: (at) => alive.push(at) });
    hb.start();
    clock.increment(99);
    expect(probes).toEqual([]);
    clock.increment(1);
    expect(probes).toEqual([1]);
    hb.pong();
    hb.ack(1);
    expect(alive).toEqual([100]);
    clock.increment(100);
    expect(probes).toEqual([1, 2]);
    clock.increment(49);
    expect(timeouts).toEqual([]);
    clock.increment(1);
    expect(timeouts).toEqual(['pong and ack']);
    clock.increment(1_000);
    expect(probes).toEqual([1, 2]); // stopped for good
  });

  it('reporter: throttles counter reports by clock time', () => {
    const clock = new SimulatedClock();
    const reports: Record<string, unknown>[] = [];
    const r = new ThrottledReporter((d) => reports.push(d), 1_000, clock);
    r.now();
    r.details.messagesIn += 1;
    r.countersChanged();
    expect(reports).toHaveLength(1);
    clock.increment(999);
    expect(reports).toHaveLength(1);
    clock.increment(1);
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ messagesIn: 1 });
    r.stop();
  });
});
