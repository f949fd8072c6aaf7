// Admission in cluster mode: each node admits the fleet-wide limits divided by the live, non-draining nodes.
import { afterEach, describe, expect, it } from 'vitest';
import { openClusterNode } from '../../src/cluster/index.js';
import { freshSchema, PG_URL } from '../helpers/postgres.js';
import { waitFor } from '../../soak/cluster/harness.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

describe('admission share in a cluster (in-process nodes, real PostgreSQL)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a node shares admission among the live nodes it sees: 1 alone, 2 once another joins, 1 again once it drains and leaves', { timeout: 60_000 }, async () => {
    const { schema, drop } = freshSchema('share');
    cleanups.push(drop);
    const open = async (nodeId: string) => {
      const node = await openClusterNode({ connectionString: PG_URL, schema, nodeId, shards: 8, leaseMs: 3_000, renewMs: 500, handoverMarginMs: 0, logger: silent });
      cleanups.push(() => node.close());
      const shares: number[] = [];
      return { node, shares, supervisor: { reload: async () => undefined, shareAdmission: (n: number) => void shares.push(n) } };
    };
    const x = await open('x');
    await x.node.start(x.supervisor);
    expect(x.shares).toEqual([1]);
    expect(x.node.stats().liveNodes).toBe(1);
    const y = await open('y');
    await y.node.start(y.supervisor);
    // y sees both at its first round; x at its next round (every 500 ms).
    expect(y.shares).toEqual([2]);
    await waitFor(() => x.shares.at(-1) === 2, 5_000, 'x to share with y');
    expect(x.node.stats().liveNodes).toBe(2);
    // y leaves cleanly: it is draining at once, then gone; x takes the whole limit again.
    await y.node.drain(5_000);
    await waitFor(() => x.shares.at(-1) === 1, 5_000, 'x to see y gone');
    expect(x.shares).toEqual([1, 2, 1]);
  });
});
