/**
 * A fleet simulated in worker threads is the same run as the fleet simulated in one: the same
 * report, trace included, for 1, 2 and 3 threads. Each thread supervises every n-th account with a
 * supervisor of its own; nothing couples two accounts but that supervisor.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { SimulationInputError } from '../../src/simulation/errors.js';
import { simulateFleet, type SimulateFleetOptions } from '../../src/simulation/simulateFleet.js';

const MIN = 60_000;

// Every kind of fault, on few enough accounts to run three times in seconds.
const scenario: SimulateFleetOptions = {
  seed: 11,
  accounts: 120,
  durationMs: 150 * MIN,
  keepDecisions: true,
  platform: {
    outages: [
      { atMs: 30 * MIN, durationMs: 5 * MIN },
      { atMs: 80 * MIN, durationMs: 25 * MIN, share: 0.5 },
    ],
    crashesPerHour: 0.5,
    rejectShare: 0.03,
    banShare: 0.02,
    cancel: { slowShare: 0.05 },
  },
  cancelTimeoutMs: 2_000,
};

describe('simulateFleet in worker threads', () => {
  it('gives the report of one thread, trace included, with 2 and 3 threads', async () => {
    const one = await simulateFleet({ ...scenario, threads: 1 });
    const two = await simulateFleet({ ...scenario, threads: 2 });
    const three = await simulateFleet({ ...scenario, threads: 3 });
    const result = ({ wallMs: _w, cpuMs: _c, threads: _t, ...rest }: typeof one) => rest;
    expect([one.threads, two.threads, three.threads]).toEqual([1, 2, 3]);
    // The scenario exercised what it claims to: outages, suspensions of both causes, leaks.
    expect(one.outages.map((o) => o.dropped)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(one.outages[0]!.dropped).toBeGreaterThan(50);
    expect(new Set(one.suspended.groups.map((g) => g.cause))).toEqual(new Set(['intensity', 'nonRetryable']));
    expect(one.leaked).toBeGreaterThan(0);
    expect(Math.min(...one.timeline.connected)).toBeLessThan(Math.max(...one.timeline.connected));
    expect(result(two)).toEqual(result(one));
    expect(result(three)).toEqual(result(one));
  });

  it('by default uses one thread per core (at most 4) from 2,000 accounts, and one below that or when the policy escalates', async () => {
    const quiet = { seed: 3, durationMs: 60_000 };
    const cores = Math.min(availableParallelism(), 4);
    expect((await simulateFleet({ ...quiet, accounts: 2_000 })).threads).toBe(cores);
    expect((await simulateFleet({ ...quiet, accounts: 1_999 })).threads).toBe(1);
    expect((await simulateFleet({ ...quiet, accounts: 2_000, policy: { onIntensityExceeded: 'escalate' } })).threads).toBe(1);
  });

  it('reports progress once every thread reached an hour, and fails with the error of a progress callback that throws', async () => {
    const seen: number[] = [];
    await simulateFleet({ ...scenario, threads: 2, onProgress: (atMs) => seen.push(atMs) });
    expect(seen).toEqual([60 * MIN, 120 * MIN, 150 * MIN]);
    await expect(
      simulateFleet({
        ...scenario,
        threads: 2,
        onProgress: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
  });

  it('refuses more than one thread when the policy escalates, and bad thread counts', async () => {
    const escalating = { ...scenario, policy: { onIntensityExceeded: 'escalate' as const } };
    await expect(simulateFleet({ ...escalating, threads: 2 })).rejects.toThrow(SimulationInputError);
    await expect(simulateFleet({ ...escalating, threads: 2 })).rejects.toThrow(/threads cannot be 2: the policy escalates/);
    await expect(simulateFleet({ ...scenario, threads: 0 })).rejects.toThrow(/threads must be a whole number of at least 1/);
    await expect(simulateFleet({ ...scenario, accounts: [{ id: 'a', restart: { onIntensityExceeded: 'escalate' } }, { id: 'b' }], threads: 2 })).rejects.toThrow(/escalates/);
  });
});
