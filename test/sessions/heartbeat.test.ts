import { afterEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../../src/sessions/heartbeat.js';

afterEach(() => {
  vi.useRealTimers();
});

function setup(intervalMs: number, timeoutMs: number) {
  vi.useFakeTimers();
  const probes: number[] = [];
  const timeouts: string[] = [];
  const hb = new Heartbeat({ intervalMs, timeoutMs, probe: (seq) => probes.push(seq), onTimeout: (m) => timeouts.push(m), onAlive: () => {} });
  return { hb, probes, timeouts };
}

describe('Heartbeat', () => {
  it('stays quiet while every probe is answered', () => {
    const { hb, probes, timeouts } = setup(100, 50);
    hb.start();
    for (let i = 0; i < 5; i += 1) {
      vi.advanceTimersByTime(100);
      hb.pong();
      hb.ack(probes.at(-1)!);
    }
    vi.advanceTimersByTime(40);
    expect(timeouts).toEqual([]);
    hb.stop();
  });

  it('times out timeoutMs after the first unanswered probe, naming what is missing', () => {
    const { hb, timeouts } = setup(100, 250);
    hb.start();
    vi.advanceTimersByTime(100); // probe 1 at t=100
    hb.pong();
    vi.advanceTimersByTime(249); // later probes must not push the deadline back
    expect(timeouts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(timeouts).toEqual(['pong and ack']);
    vi.advanceTimersByTime(1_000);
    expect(timeouts).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() clears every timer', () => {
    const { hb } = setup(100, 50);
    hb.start();
    vi.advanceTimersByTime(100);
    hb.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
