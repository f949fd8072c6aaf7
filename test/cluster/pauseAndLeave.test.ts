// SIGSTOP past the lease, and SIGTERM's clean handoff, with real node processes.
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { epochsOf, TestCluster, threeNodes, TIMINGS, TOKEN, waitFor } from '../../soak/cluster/harness.js';
import { shardOf } from '../../src/cluster/shardOf.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('cluster: pause and leave', () => {
  it('SIGSTOP past the lease, then SIGCONT: the paused node sends nothing on its old sessions, its late status and supervision writes are refused (LEASE_LOST, counted), and it rejoins with new epochs', { timeout: 150_000 }, async () => {
    cluster = new TestCluster();
    await threeNodes(cluster);
    const b = cluster.nodes.get('b')!;
    const moved = await cluster.accountsOf('b');
    const oldEpochs = await epochsOf(cluster, 'b');
    const rejectedBefore = (await cluster.clusterInfo(b)).self;
    const before = await cluster.sim.stats();
    // A supervision write of b that reaches the database only after b lost its lease: the test
    // holds the supervision table (SHARE lock) so b's write waits in PostgreSQL, carrying b's epoch.
    // A successful command saves the account's supervision record (its flight recorder), so a
    // restart on b of one of its accounts makes b write one.
    const held = new pg.Client({ connectionString: cluster.databaseUrl, connectionTimeoutMillis: 5_000 });
    await held.connect();
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await held.query('COMMIT');
      await held.end();
    };
    try {
      await held.query('BEGIN');
      await held.query(`LOCK TABLE "${cluster.schema}".supervision IN SHARE MODE`);
      const target = moved[0]!;
      const restart = await fetch(`${b.apiUrl}/v1/accounts/${target}/restart`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(10_000) });
      expect(restart.status).toBe(200);
      const waitingWrites = async () => {
        const r = await cluster!.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%supervision%'`, [cluster!.schema]);
        return Number((r.rows[0] as { n: string }).n);
      };
      await waitFor(async () => (await waitingWrites()) > 0, 10_000, "b's supervision write to wait for the table");
      b.signal('SIGSTOP');
      const stoppedAt = Date.now();
      // The survivors take b's shards over; only then may b's write go on: it must find the lease moved.
      const shard = shardOf(target, cluster.timings.shards);
      await waitFor(async () => (await cluster!.owners()).get(shard) !== undefined && (await cluster!.owners()).get(shard) !== 'b', TIMINGS.leaseMs + TIMINGS.renewMs + 10_000, `shard ${shard} to be taken over`);
      await release();
      // The platform drops b's silent sessions (idle timeout), the survivors start the accounts after the margin.
      await waitFor(
        async () => {
          const s = await cluster!.sim.stats();
          return moved.every((id) => (s.accounts[id]?.timeline.length ?? 0) > (before.accounts[id]?.timeline.length ?? 0) && s.accounts[id]?.sessions === 1);
        },
        TIMINGS.leaseMs + TIMINGS.renewMs + TIMINGS.handoverMarginMs + 15_000,
        "b's accounts to run on the survivors",
      );
      const during = await cluster.sim.stats();
      for (const id of moved) expect(during.accounts[id]?.closeCodes).toContain(4008);
      // b reads its write's answer when it wakes; past its client-side query timeout (10 s) it would see a timeout instead.
      console.log(`SIGSTOP: b woken ${Date.now() - stoppedAt} ms after the pause (its blocked write's client timeout is 10 000 ms)`);
      b.signal('SIGCONT');
    } finally {
      await release();
    }
    // b wakes with late timers and answers: it must fence itself, not talk; the database refuses its late writes.
    await waitFor(async () => (await cluster!.clusterInfo(b)).self.rejectedStatusWrites > rejectedBefore.rejectedStatusWrites, 15_000, "b's late status writes to be refused by the database");
    await waitFor(async () => (await cluster!.clusterInfo(b)).self.rejectedSupervisionWrites > rejectedBefore.rejectedSupervisionWrites, 15_000, "b's late supervision write to be refused by the database");
    expect(b.lines.some((line) => line.includes('LEASE_LOST') && line.includes('saving supervision state failed'))).toBe(true);
    await waitFor(() => cluster!.balanced(['a', 'b', 'c']), 60_000, 'b to rejoin and get its shards back');
    await waitFor(() => cluster!.allLiveOnce(), 30_000, 'every account to run once');
    const newEpochs = await epochsOf(cluster, 'b');
    for (const [shard, epoch] of newEpochs) if (oldEpochs.has(shard)) expect(epoch).toBeGreaterThan(oldEpochs.get(shard)!);
    expect(await cluster.broken()).toEqual([]);
  });

  it('SIGTERM: clean handoff, each new session registers within about a second of the old one closing, never before', { timeout: 120_000 }, async () => {
    cluster = new TestCluster();
    await threeNodes(cluster);
    const b = cluster.nodes.get('b')!;
    const moved = await cluster.accountsOf('b');
    const before = await cluster.sim.stats();
    b.signal('SIGTERM');
    expect(await b.exited).toBe(0);
    await waitFor(
      async () => {
        const s = await cluster!.sim.stats();
        return moved.every((id) => (s.accounts[id]?.timeline.length ?? 0) > (before.accounts[id]?.timeline.length ?? 0) && s.accounts[id]?.sessions === 1);
      },
      20_000,
      "b's accounts to run on the survivors",
    );
    const after = await cluster.sim.stats();
    const gaps: number[] = [];
    for (const id of moved) {
      const timeline = after.accounts[id]!.timeline;
      const old = timeline[timeline.length - 2]!;
      const fresh = timeline[timeline.length - 1]!;
      expect(old.closeCode).toBe(1000);
      expect(fresh.registeredAt).toBeGreaterThanOrEqual(old.closedAt!);
      gaps.push(fresh.registeredAt - old.closedAt!);
    }
    gaps.sort((x, y) => x - y);
    console.log(`SIGTERM handoff of ${moved.length} accounts: gap close→register median ${gaps[gaps.length >> 1]} ms, max ${gaps[gaps.length - 1]} ms`);
    // About a second on an idle machine; the bound is generous for a loaded one (no lease wait, no handover margin).
    expect(gaps[gaps.length - 1]).toBeLessThan(TIMINGS.handoverMarginMs + 1_000);
    expect(await cluster.broken()).toEqual([]);
    expect(await cluster.allLiveOnce()).toBe(true);
  });
});
