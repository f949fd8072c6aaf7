// A PostgreSQL restart shorter than the trust window moves no account. Against a server of the
// test's own (initdb in a temp dir), so the shared server other tests use is never restarted.
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, TIMINGS, waitFor } from '../../soak/cluster/harness.js';
import { startPrivatePostgres, type PrivatePostgres } from './privatePostgres.js';

let cluster: TestCluster | undefined;
let pg: PrivatePostgres | undefined;
afterEach(async () => {
  await cluster?.close();
  await pg?.stop();
  cluster = undefined;
  pg = undefined;
});

describe('cluster: database restart', () => {
  it('a PostgreSQL restart shorter than the trust window: no account moves, no lease changes hands', { timeout: 150_000 }, async () => {
    pg = await startPrivatePostgres();
    // A longer lease (trust window 6000 − 1200 = 4800 ms) so a restart of about a second fits well inside it.
    const timings = { ...TIMINGS, leaseMs: 6_000, renewMs: 1_000 };
    cluster = new TestCluster(timings, pg.url);
    await cluster.open(50);
    await Promise.all(['a', 'b', 'c'].map((id) => cluster!.startNode(id)));
    await waitFor(() => cluster!.balanced(['a', 'b', 'c']), 60_000, 'the shards to spread over the three nodes');
    await waitFor(() => cluster!.allLiveOnce(), 40_000, 'every account to run once');
    const epochs = await cluster.epochs();
    const before = await cluster.sim.stats();
    const downMs = await pg.restart();
    console.log(`database restart: down for ${downMs} ms (trust window ${timings.leaseMs - timings.leaseMs / 5} ms)`);
    expect(downMs).toBeLessThan(timings.leaseMs - timings.leaseMs / 5);
    // Two full lease rounds after the restart, everything is where it was.
    await new Promise((r) => setTimeout(r, 3 * timings.renewMs));
    await waitFor(async () => (await cluster!.epochs()).size === timings.shards, 10_000, 'every lease to be renewed after the restart');
    expect(await cluster.epochs()).toEqual(epochs);
    const after = await cluster.sim.stats();
    for (const id of cluster.accountIds) {
      expect(after.accounts[id]?.timeline.length, id).toBe(before.accounts[id]?.timeline.length);
      expect(after.accounts[id]?.sessions, id).toBe(1);
    }
    expect(await cluster.broken()).toEqual([]);
  });
});
