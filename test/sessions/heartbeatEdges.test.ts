/**
 * The heartbeat's edges, on a simulated clock: which answers count, what a timeout names, and
 * that start/stop cannot double or revive the probes (each case a mutant of heartbeat.ts that no
 * other test noticed).
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
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
});
