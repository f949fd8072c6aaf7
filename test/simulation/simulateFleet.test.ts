/**
 * simulateFleet(): the real supervisor on a virtual clock against the seeded platform.
 * Determinism, sensitivity to the policy, and agreement with the same schedule run in real time.
 */
import { describe, expect, it } from 'vitest';
import { simulateFleet, type SimulateFleetOptions } from '../../src/simulation/simulateFleet.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

const scenario = (seed: number): SimulateFleetOptions => ({
  seed,
  accounts: 30,
  durationMs: 90 * MIN,
  platform: { outages: [{ atMs: 30 * MIN, durationMs: 5 * MIN }], crashesPerHour: 0.5, rejectShare: 0.05, connectLatency: { medianMs: 300, p99Ms: 3_000 } },
});

describe('simulateFleet', () => {
  it('is deterministic: the same seed gives the same trace and numbers; another seed another trace', async () => {
    const a = await simulateFleet(scenario(1));
    const b = await simulateFleet(scenario(1));
    const c = await simulateFleet(scenario(2));
    expect(a.trace).toMatch(/^[0-9a-f]{16}$/);
    expect(b.trace).toBe(a.trace);
    expect(b.steps).toBe(a.steps);
    const numbers = (r: typeof a) => ({ restarts: r.restarts, suspended: r.suspended, outages: r.outages, timeline: r.timeline });
    expect(numbers(b)).toEqual(numbers(a));
    expect(c.trace).not.toBe(a.trace);
    // The run did happen: the outage dropped sessions and the supervisor restarted them.
    expect(a.outages[0]!.dropped).toBeGreaterThan(20);
    expect(a.restarts.total).toBeGreaterThanOrEqual(a.outages[0]!.dropped);
    expect(a.steps).toBeGreaterThan(1_000);
  });

  it('is sensitive to the policy: a stricter intensity limit suspends more accounts in the same scenario', async () => {
    const base = { ...scenario(5), platform: { ...scenario(5).platform, rejectShare: 0, outages: [{ atMs: 30 * MIN, durationMs: 10 * MIN }] } };
    const lenient = await simulateFleet({ ...base, policy: { intensity: { maxRestarts: 22, withinMs: 15 * MIN } } });
    const strict = await simulateFleet({ ...base, policy: { intensity: { maxRestarts: 6, withinMs: 15 * MIN } } });
    const intensity = (r: typeof lenient) => r.suspended.groups.filter((g) => g.cause === 'intensity').reduce((n, g) => n + g.count, 0);
    expect(intensity(strict)).toBeGreaterThan(intensity(lenient));
    expect(intensity(strict)).toBeGreaterThan(15);
    // Suspended accounts stop restarting, so the strict policy restarts less.
    expect(strict.restarts.total).toBeLessThan(lenient.restarts.total);
    expect(strict.outages[0]!.suspended).toBe(intensity(strict));
  });

  it('agrees with real time: the same fault schedule on a small fleet gives the same per-account decisions', async () => {
    // Scaled down: milliseconds instead of minutes. Backoff without jitter (100, 200, 400, 800 ms),
    // a fixed 20 ms connect, an outage from 500 to 1,500 ms hitting a seeded 70% of the accounts.
    // Each hit account fails 4 times (at ~620, ~840, ~1,260 ms, the last 240 ms before the outage
    // ends) and connects at ~2,080 ms; accounts allowed 3 restarts are suspended at the 4th.
    // Intensity windows and backoff reset are far longer than the run, so only the order of
    // events decides, and every event is at least 200 ms from an outage boundary.
    const accounts = Array.from({ length: 8 }, (_, i) => ({
      id: `rt-${i}`,
      restart: { intensity: { maxRestarts: i % 2 === 0 ? 3 : 10, withinMs: 600_000 } },
    }));
    const options: SimulateFleetOptions = {
      seed: 11,
      accounts,
      durationMs: 3_000,
      policy: { backoff: { minMs: 100, maxMs: 800, factor: 2, jitter: 'none' }, resetAfterMs: 600_000 },
      platform: { outages: [{ atMs: 500, durationMs: 1_000, share: 0.7 }], connectLatency: { medianMs: 20, p99Ms: 20 } },
      cancelTimeoutMs: 1_000,
      keepDecisions: true,
    };
    const simulated = await simulateFleet(options);
    const real = await simulateFleet({ ...options, realTime: true });
    const decisions = (r: typeof simulated) =>
      Object.fromEntries(Object.entries(r.decisions!).map(([id, ds]) => [id, ds.map(({ atMs: _at, ...d }) => d)]));
    expect(decisions(real)).toEqual(decisions(simulated));
    // The schedule did something to both kinds of account.
    const sim = decisions(simulated);
    expect(Object.values(sim).some((ds) => ds.some((d) => d.type === 'SUSPENDED'))).toBe(true);
    expect(Object.values(sim).some((ds) => ds.length === 4 && ds.every((d) => d.type === 'RESTART_SCHEDULED'))).toBe(true);
    expect(Object.values(sim).some((ds) => ds.length === 0)).toBe(true);
    // And the simulated times are the ones the comment above predicts.
    const hit = Object.values(simulated.decisions!).find((ds) => ds.length === 4)!;
    expect(hit.map((d) => d.atMs)).toEqual([500, 620, 840, 1_260]);
  }, 30_000);

  it('counts as leaked the accounts whose worker outlives cancelTimeoutMs at shutdown', async () => {
    const slow = await simulateFleet({ seed: 3, accounts: 6, durationMs: MIN, cancelTimeoutMs: 5_000, platform: { cancel: { slowShare: 1, slowDelayMs: 30_000 } } });
    expect(slow.leaked).toBe(6);
    const fast = await simulateFleet({ seed: 3, accounts: 6, durationMs: MIN, cancelTimeoutMs: 5_000, platform: { cancel: { slowShare: 0 } } });
    expect(fast.leaked).toBe(0);
  });

  it('rejects input it cannot run, naming the field', async () => {
    await expect(simulateFleet({ seed: 1, accounts: 0, durationMs: HOUR })).rejects.toMatchObject({ code: 'SIMULATION_INPUT_INVALID', field: 'accounts' });
    await expect(simulateFleet({ seed: 1, accounts: 5, durationMs: HOUR, platform: { outages: [{ atMs: 50 * MIN, durationMs: 20 * MIN }] } })).rejects.toMatchObject({
      field: 'platform.outages[0]',
      message: expect.stringMatching(/after the run ends/),
    });
  });
});
