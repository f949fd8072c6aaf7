import { afterEach, describe, expect, it } from 'vitest';
import { LeaseConnection } from '../../src/cluster/leaseConnection.js';
import { pgLeaseTable } from '../../src/cluster/leaseTable.js';
import { postgresStore } from '../../src/persistence/index.js';
import { adminQuery, freshSchema, PG_URL } from '../helpers/postgres.js';

describe('lease table on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function setup(deadlineMs = 2_000) {
    const { schema, drop } = freshSchema('lease');
    cleanups.push(drop);
    await (await postgresStore({ connectionString: PG_URL, schema })).close();
    const conn = new LeaseConnection({ connectionString: PG_URL, deadlineMs });
    cleanups.push(() => conn.close());
    return { schema, conn, table: pgLeaseTable(conn, { schema, channel: `sv_${schema}` }) };
  }

  it('acquire, renew and release are scoped to owner and epoch; expiry is judged by the database clock', async () => {
    const { schema, table } = await setup();
    await table.ensureShards(4);
    await table.ensureShards(4);
    expect((await table.acquire('a', [0, 1], 60_000)).map((l) => [l.shard, l.epoch, l.wasClean])).toEqual([[0, 1, true], [1, 1, true]]);
    // Held and not expired: b cannot take it.
    expect(await table.acquire('b', [0], 60_000)).toEqual([]);
    expect(await table.renew('a', [{ shard: 0, epoch: 1 }, { shard: 1, epoch: 7 }], 60_000)).toEqual([{ shard: 0, epoch: 1 }]);
    // Expire shard 0 by the database's clock: b takes it with a new epoch, unclean (a did not release).
    await adminQuery(`UPDATE "${schema}".shard_leases SET expires_at = now() - interval '1 second' WHERE shard = 0`);
    expect(await table.renew('a', [{ shard: 0, epoch: 1 }], 60_000)).toEqual([]);
    expect(await table.acquire('b', [0], 60_000)).toEqual([{ shard: 0, epoch: 2, wasClean: false }]);
    // a's stale release changes nothing; b's release is clean and the next owner starts at once.
    expect(await table.release('a', { shard: 0, epoch: 1 })).toBe(false);
    expect(await table.release('b', { shard: 0, epoch: 2 })).toBe(true);
    expect(await table.acquire('c', [0], 60_000)).toEqual([{ shard: 0, epoch: 3, wasClean: true }]);
    const rows = await table.leases();
    expect(rows.map((r) => [r.shard, r.owner, r.epoch])).toEqual([[0, 'c', 3], [1, 'a', 1], [2, null, 0], [3, null, 0]]);
  });

  it('a node id can be registered by one live incarnation only; an expired one is taken over', async () => {
    const { schema, table } = await setup();
    expect(await table.register('n1', 'inc-1', 60_000)).toBe(true);
    expect(await table.register('n1', 'inc-2', 60_000)).toBe(false);
    const hb = await table.heartbeat('n1', 'inc-1', 60_000, false);
    expect(hb.mine).toBe(true);
    expect(hb.nodes.map((n) => n.id)).toEqual(['n1']);
    await adminQuery(`UPDATE "${schema}".nodes SET expires_at = now() - interval '1 second'`);
    expect(await table.register('n1', 'inc-2', 60_000)).toBe(true);
    expect((await table.heartbeat('n1', 'inc-1', 60_000, false)).mine).toBe(false);
  });

  it('every lease query has a hard deadline: a hung query fails fast and the next one reconnects', async () => {
    const { conn } = await setup(400);
    const started = Date.now();
    await expect(conn.query('sleep', 'SELECT pg_sleep(5)')).rejects.toMatchObject({ code: 'LEASE_DEADLINE' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await conn.query<{ one: number }>('after', 'SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });
});
