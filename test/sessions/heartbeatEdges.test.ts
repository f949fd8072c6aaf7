/**
 * The heartbeat's edges, on a simulated clock: which answers count, what a timeout names, and
 * that start/stop cannot double or revive the probes (each case a mutant of heartbeat.ts that no
 * other test noticed).
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { Clock, TimerHandle } from '../../src/clock/clock.js';
import { Heartbeat } from '../../src/sessions/heartbeat.js';

function setup(intervalMs = 100, timeoutMs = 50) {
  const clock = new SimulatedClock();
  const probes: number[] = [];
  const timeouts: string[] = [];
  const alive: number[] = [];
  const hb = new Heartbeat({ intervalMs, timeoutMs, clock, probe: (seq) => probes.push(seq), onTimeout: (m) => timeouts.push(m), onAlive: (at) => alive.push(at) });
  return { hb, clock, probes, timeouts, alive };
}

describe('Heartbeat edges', () => {
  it('names exactly what is missing: the pong, the ack, or both', () => {
    for (const [answer, missing] of [['ack', 'pong'], ['pong', 'ack'], ['none', 'pong and ack']] as const) {
      const { hb, clock, probes, timeouts } = setup();
      hb.start();
      clock.increment(100);
      if (answer === 'ack') hb.ack(probes.at(-1)!);
      if (answer === 'pong') hb.pong();
      clock.increment(50);
      expect(timeouts, answer).toEqual([missing]);
    }
  });

  it('reports alive only when both answers of the latest probe arrived', () => {
    const { hb, clock, probes, alive } = setup();
    hb.start();
    clock.increment(100);
    hb.ack(probes.at(-1)!);
    expect(alive).toEqual([]);
    hb.pong();
    expect(alive).toEqual([100]);
  });

  it('an ack of an older probe does not answer a newer one once that one is due', () => {
    const { hb, clock, probes, timeouts } = setup(100, 150);
    hb.start();
    clock.increment(100); // probe 1
    hb.pong();
    clock.increment(100); // probe 2, deadline of probe 1 still at 250
    hb.pong();
    hb.ack(1);
    clock.increment(50);
    expect(probes).toEqual([1, 2]);
    expect(timeouts).toEqual(['ack']);
  });

  it('an ack of a newer probe answers the older ones too', () => {
    const { hb, clock, timeouts, alive } = setup(100, 150);
    hb.start();
    clock.increment(200); // probes 1 and 2
    hb.pong();
    hb.ack(2);
    clock.increment(40);
    expect(timeouts).toEqual([]);
    expect(alive).toEqual([200]);
    hb.stop();
  });

  it('start() twice does not double the probes; start() after stop() does not revive them', () => {
    const a = setup();
    a.hb.start();
    a.hb.start();
    a.clock.increment(100);
    expect(a.probes).toEqual([1]);
    a.hb.stop();

    const b = setup();
    b.hb.start();
    b.hb.stop();
    b.hb.start();
    b.clock.increment(1_000);
    expect(b.probes).toEqual([]);
    expect(b.timeouts).toEqual([]);
  });

  it('after stop() no answer reports alive and no timeout fires', () => {
    const { hb, clock, probes, alive, timeouts } = setup();
    hb.start();
    clock.increment(100);
    hb.stop();
    hb.pong();
    hb.ack(probes.at(-1)!);
    clock.increment(1_000);
    expect(alive).toEqual([]);
    expect(timeouts).toEqual([]);
  });

  it('stop() is final even on a clock that runs every timer due in a batch, including one cleared by an earlier callback', () => {
    // A timer wheel that collects the due timers first and then runs them cannot take back one
    // already collected. Here the deadline (probe 1 unanswered) and the next tick fall due
    // together, the deadline first: the timeout stops the heartbeat, and the tick that runs
    // anyway must neither probe a dead session nor schedule more ticks.
    const timers = new Map<number, { at: number; fn: () => void }>();
    let now = 0;
    let nextId = 1;
    const batchClock: Clock = {
      now: () => now,
      setTimeout: (fn, ms): TimerHandle => {
        timers.set(nextId, { at: now + ms, fn });
        return nextId++;
      },
      clearTimeout: (handle) => void timers.delete(handle as number),
    };
    const advanceTo = (t: number) => {
      now = t;
      const due = [...timers].filter(([, timer]) => timer.at <= t).sort(([a, x], [b, y]) => x.at - y.at || a - b);
      for (const [id, timer] of due) {
        timers.delete(id);
        timer.fn();
      }
    };
    const probes: number[] = [];
    const timeouts: string[] = [];
    const hb = new Heartbeat({ intervalMs: 100, timeoutMs: 200, clock: batchClock, probe: (seq) => probes.push(seq), onTimeout: (m) => timeouts.push(m), onAlive: () => undefined });
    hb.start();
    advanceTo(100); // probe 1; its deadline is due at 300
    advanceTo(200); // probe 2; the next tick is due at 300 too, scheduled after the deadline
    advanceTo(300);
    expect(timeouts).toEqual(['pong and ack']);
    expect(probes).toEqual([1, 2]);
    expect(timers.size).toBe(0);
  });
});
