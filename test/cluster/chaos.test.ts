// The cluster chaos soak for one minute (longer: npm run soak:cluster -- --minutes N).
import { describe, expect, it } from 'vitest';
import { runClusterChaos } from '../../soak/cluster/chaos.js';

describe('cluster chaos soak', () => {
  it('random kills, pauses, leaves and joins for 60 s: every check passes', { timeout: 240_000 }, async () => {
    const seed = Number(process.env.STATEVISOR_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const result = await runClusterChaos({ durationMs: 60_000, accounts: 50, seed, log: (line) => console.log(line) });
    console.log(`cluster chaos (seed ${seed}): ${result.passed} passed, ${result.failed} failed; actions: ${result.actions.join(', ')}`);
    expect(result.failures, `seed ${seed}`).toEqual([]);
    expect(result.passed).toBeGreaterThanOrEqual(4);
  });
});
