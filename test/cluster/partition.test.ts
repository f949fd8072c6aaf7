// A node cut from PostgreSQL by a TCP proxy the test controls.
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, TIMINGS, waitFor } from '../../soak/cluster/harness.js';
import { TcpProxy } from '../../soak/cluster/tcpProxy.js';

let cluster: TestCluster | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await cluster?.close();
  await proxy?.close();
  cluster = undefined;
  proxy = undefined;
});

describe('cluster: partition from PostgreSQL', () => {
  it('a node cut from the database (traffic dropped, then connections reset) fences itself within its trust window; the others take over', { timeout: 150_000 }, async () => {
    proxy = new TcpProxy({ host: '127.0.0.1', port: 5432 });
    await proxy.listen();
    cluster = new TestCluster();
    await cluster.open(50);
    await Promise.all([cluster.startNode('a'), cluster.startNode('c'), cluster.startNode('b', [], `postgres://postgres@127.0.0.1:${proxy.port}/postgres`)]);
    await waitFor(() => cluster!.balanced(['a', 'b', 'c']), 60_000, 'the shards to spread over the three nodes');
    await waitFor(() => cluster!.allLiveOnce(), 40_000, 'every account to run once');
    const moved = await cluster.accountsOf('b');
    expect(moved.length).toBeGreaterThan(0);
    const before = await cluster.sim.stats();
    proxy.drop();
    const cutAt = Date.now();
    // b's last renewal started at most renewMs before the cut: it trusts its leases for at most leaseMs − margin after that.
    const closedByB = async () => {
      const s = await cluster!.sim.stats();
      return moved.every((id) => {
        const t = s.accounts[id]?.timeline ?? [];
        const old = t[(before.accounts[id]?.timeline.length ?? 0) - 1];
        return old?.closedAt !== undefined;
      });
    };
    const fencedInMs = await waitFor(closedByB, TIMINGS.leaseMs + 10_000, "b to stop its accounts (fence) without the database");
    console.log(`partition: b fenced ${moved.length} accounts ${fencedInMs} ms after the cut (trust window ≤ ${TIMINGS.leaseMs} ms)`);
    const s1 = await cluster.sim.stats();
    for (const id of moved) {
      const old = s1.accounts[id]!.timeline[(before.accounts[id]?.timeline.length ?? 0) - 1]!;
      // A fenced close is b's own normal close, not the platform's idle timeout.
      expect(old.closeCode).toBe(1000);
      expect(old.closedAt! - cutAt).toBeLessThan(TIMINGS.leaseMs + 1_500);
    }
    proxy.reset();
    await waitFor(() => cluster!.balanced(['a', 'c']), 30_000, 'a and c to take over every shard');
    await waitFor(() => cluster!.allLiveOnce(), 30_000, 'every account to run once on a and c');
    expect(await cluster.broken()).toEqual([]);
    // The cut heals: b rejoins, and the shards spread again without any overlap.
    proxy.pass();
    await waitFor(() => cluster!.balanced(['a', 'b', 'c']), 60_000, 'b to rejoin');
    await waitFor(() => cluster!.allLiveOnce(), 30_000, 'every account to run once');
    expect(await cluster.broken()).toEqual([]);
  });
});
