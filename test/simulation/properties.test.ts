/**
 * The supervisor's command-sequence property and the soak, on the simulation harness: each run is
 * one integer seed, and a failure prints it with the command that replays it exactly
 * (`npm run replay -- --seed N --suite commands|soak`). The seeds start at a random base each
 * run (set STATEVISOR_SEED to pin it), so the suite keeps exploring.
 */
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCommandSequence, runFleetSoak, SeededRunError, stepsFor } from './scenarios.js';

const base = process.env.STATEVISOR_SEED ? Number(process.env.STATEVISOR_SEED) : randomInt(1, 2 ** 31);

async function seeded<T>(suite: string, seed: number, run: (seed: number) => Promise<T>): Promise<T> {
  try {
    return await run(seed);
  } catch (err) {
    throw new SeededRunError(suite, seed, err);
  }
}

describe('command sequences on a virtual clock (seeded)', () => {
  it(`hold every invariant for 200 seeds from ${base}`, async () => {
    for (let i = 0; i < 200; i++) await seeded('commands', base + i, runCommandSequence);
  }, 120_000);

  it('a seed stands for one sequence and one trace', async () => {
    expect(stepsFor(42)).toEqual(stepsFor(42));
    expect(stepsFor(42)).not.toEqual(stepsFor(43));
    const a = await runCommandSequence(42);
    const b = await runCommandSequence(42);
    expect(b.trace).toBe(a.trace);
  });

  it('regressions of the real-time property (shrunk counterexamples) hold on the virtual clock', async () => {
    await runCommandSequence(0, [
      { kind: 'add', id: 'a', enabled: true, concurrent: false },
      { kind: 'remove', id: 'a', concurrent: true },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
    ]);
    await runCommandSequence(0, [
      { kind: 'update', id: 'a', concurrent: true },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
      { kind: 'enable', id: 'a', concurrent: false },
      { kind: 'wait', ms: 13 },
      { kind: 'add', id: 'a', enabled: true, concurrent: true },
      { kind: 'ignoreAbort', id: 'a' },
      { kind: 'remove', id: 'a', concurrent: true },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
    ]);
  });

  it('a failing run names its seed and the command that replays it', async () => {
    const failing = await seeded('commands', 7, async () => {
      throw new Error('invariant broken');
    }).catch((e: unknown) => e);
    expect(String(failing)).toContain('seed 7 failed; replay it exactly with: npm run replay -- --seed 7 --suite commands');
  });
});

describe('soak on the simulated platform (seeded)', () => {
  it(`30 accounts, 10 simulated minutes of outages, dropped sessions and commands (seed ${base})`, async () => {
    const result = await seeded('soak', base, (seed) => runFleetSoak(seed, { accounts: 30, minutes: 10 }));
    expect(result.detail).toMatch(/restarts/);
  }, 120_000);
});
