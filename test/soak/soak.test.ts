import { describe, expect, it } from 'vitest';
import { runSoak } from '../../soak/soak.js';

describe('short soak: 200 supervised sessions, random faults', () => {
  it('never two sessions for one account, all healthy accounts connected at the end, no handle leak', async () => {
    const report = await runSoak({ accounts: 200, seconds: 15 });
    const failed = report.invariants.filter((i) => !i.passed);
    expect(failed, `seed ${report.seed}: ${JSON.stringify(failed)}`).toEqual([]);
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
  }, 90_000);
});
