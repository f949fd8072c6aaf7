// Several real statevisor nodes and the simulator as its own process, on the local PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, TIMINGS, waitFor } from '../../soak/cluster/harness.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('cluster: failover', () => {
  it('kill -9 of a node: its accounts register elsewhere within lease + renew + handover margin + a few seconds; no overlap anywhere', { timeout: 120_000 }, async () => {
    cluster = new TestCluster();
    await cluster.open(50);
    await Promise.all(['a', 'b', 'c'].map((id) => cluster!.startNode(id)));
    await waitFor(() => cluster!.balanced(['a', 'b', 'c']), 60_000, 'the shards to spread over the three nodes');
    await waitFor(() => cluster!.allLiveOnce(), 40_000, 'every account to run once');
    const victim = cluster.nodes.get('b')!;
    const moved = await cluster.accountsOf('b');
    expect(moved.length).toBeGreaterThan(0);
    const before = await cluster.sim.stats();
    victim.signal('SIGKILL');
    const killedAt = Date.now();
    const bound = TIMINGS.leaseMs + TIMINGS.renewMs + TIMINGS.handoverMarginMs + 8_000;
    await waitFor(
      async () => {
        const s = await cluster!.sim.stats();
        return moved.every((id) => (s.accounts[id]?.closeCodes.length ?? 0) > (before.accounts[id]?.closeCodes.length ?? 0) && s.accounts[id]?.sessions === 1);
      },
      bound + 5_000,
      'the victim\'s accounts to register on the survivors',
    );
    const failoverMs = Date.now() - killedAt;
    console.log(`kill -9 failover: ${moved.length} accounts moved in ${failoverMs} ms (bound ${bound} ms)`);
    expect(failoverMs).toBeLessThan(bound);
    await waitFor(() => cluster!.allLiveOnce(), 20_000, 'every account to run once');
    expect(await cluster.broken()).toEqual([]);
    expect([...(await cluster.owners()).values()].every((o) => o !== 'b')).toBe(true);
  });
});
