/**
 * The default restart policy's promise, checked against the real backoff and intensity code:
 * a 5-minute outage suspends nobody; an account that crashes at every start is suspended after
 * about 10 minutes.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, decideRestart } from '../../src/index.js';

/** Simulated time of each restart of an account whose task fails 50 ms after every start. */
function crashLoop(seed: number, untilMs: number): { restartsAt: number[]; suspendedAt: number | undefined } {
  let s = seed;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  let now = 50;
  let memory = { history: [] as number[], attempt: 0, previousDelayMs: 0 };
  const restartsAt: number[] = [];
  while (now < untilMs) {
    const d = decideRestart(DEFAULT_RESTART_POLICY, { reason: 'failed', ranMs: 50 }, memory, now, random);
    if (d.type !== 'RESTART_SCHEDULED') return { restartsAt, suspendedAt: now };
    memory = { history: d.history, attempt: d.attempt + 1, previousDelayMs: d.delayMs };
    now += d.delayMs;
    restartsAt.push(now);
    now += 50;
  }
  return { restartsAt, suspendedAt: undefined };
}

describe('default restart policy', () => {
  it('a 5-minute outage never suspends (2,000 simulated accounts)', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      expect(crashLoop(seed, 5 * 60_000).suspendedAt, `seed ${seed}`).toBeUndefined();
    }
  });

  it('an account that crashes at every start is suspended after about 10 minutes', () => {
    const times = Array.from({ length: 2_000 }, (_, i) => crashLoop(i + 1, 60 * 60_000).suspendedAt!);
    expect(times.every((t) => t !== undefined)).toBe(true);
    times.sort((a, b) => a - b);
    const median = times[times.length / 2]!;
    expect(median).toBeGreaterThan(8 * 60_000);
    expect(median).toBeLessThan(12 * 60_000);
    expect(times.at(-1)!).toBeLessThan(16 * 60_000);
  });

  it('is documented as it is', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual({
      type: 'permanent',
      backoff: { minMs: 5_000, maxMs: 60_000, factor: 2, jitter: 'full' },
      intensity: { maxRestarts: 22, withinMs: 900_000 },
      resetAfterMs: 60_000,
      onIntensityExceeded: 'suspend',
      onLeak: 'wait',
    });
  });
});
