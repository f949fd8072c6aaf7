/**
 * `npx tsx bench/cluster.ts [--quick]`: the cluster section of the benchmarks (issue 14). Needs the
 * local PostgreSQL (.ci/setup.d/10-postgres.sh); each measurement uses a schema of its own, dropped after.
 *
 * 1. Failover after `kill -9` (real node processes + the simulator process): time from the kill
 *    until every account of the killed node registered elsewhere. Default timings (lease 15 s,
 *    renew 5 s, handover margin 20 s, idle timeout 15 s) unless --quick (3 s / 1 s / 2 s / 1.5 s).
 * 2. Cluster overhead per account at N accounts (10,000; --quick 2,000): starting N idle accounts
 *    under one cluster node (PostgreSQL store, leases, owned view) vs one plain supervisor over the
 *    same accounts in memory: time and heap per account.
 * 3. Lease queries per node per second at steady state, 3 in-process nodes, 256 shards, default timings.
 * 4. Acknowledged commands per second (a `put` that resolves once committed) at 100,000 stored
 *    accounts (--quick 10,000), 64 in flight, vs the lowdb store one at a time.
 *
 * Prints a markdown report on stdout and progress on stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { openClusterNode, type ClusterNode } from '../src/cluster/index.js';
import { createSupervisor } from '../src/createSupervisor.js';
import { lowdbStore, memoryStore, postgresStore } from '../src/persistence/index.js';
import type { Worker } from '../src/worker/worker.js';
import { PG_URL, TestCluster, waitFor } from '../soak/cluster/harness.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, runs: { type: 'string', default: '3' }, only: { type: 'string' } }, strict: true });
const quick = values.quick;
const only = new Set((values.only ?? 'failover,overhead,leases,commands').split(','));
const progress = (s: string) => process.stderr.write(`bench/cluster: ${s}\n`);
const out: string[] = [`## Cluster (${quick ? 'quick' : 'full'} run, ${os.cpus().length} cores, Node ${process.version})`, ''];

const idle: Worker = (ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
const schemaName = (what: string) => `bench_${what}_${Math.random().toString(16).slice(2, 10)}`;
async function drop(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function failover(): Promise<void> {
  const timings = quick
    ? { leaseMs: 3_000, renewMs: 1_000, handoverMarginMs: 2_000, idleTimeoutMs: 1_500, heartbeatIntervalMs: 400, shards: 64 }
    : { leaseMs: 15_000, renewMs: 5_000, handoverMarginMs: 20_000, idleTimeoutMs: 15_000, heartbeatIntervalMs: 5_000, shards: 256 };
  const times: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const cluster = new TestCluster(timings);
    try {
      await cluster.open(50);
      await Promise.all(['a', 'b', 'c'].map((id) => cluster.startNode(id)));
      await waitFor(() => cluster.balanced(['a', 'b', 'c']), 300_000, 'balance');
      await waitFor(() => cluster.allLiveOnce(), 60_000, 'all live');
      const moved = await cluster.accountsOf('b');
      const before = await cluster.sim.stats();
      cluster.nodes.get('b')!.signal('SIGKILL');
      const t = Date.now();
      await waitFor(async () => {
        const s = await cluster.sim.stats();
        return moved.every((id) => (s.accounts[id]?.timeline.length ?? 0) > (before.accounts[id]?.timeline.length ?? 0) && s.accounts[id]?.sessions === 1);
      }, 300_000, 'failover');
      times.push(Date.now() - t);
      progress(`failover run ${run + 1}: ${times[times.length - 1]} ms (${moved.length} accounts)`);
    } finally {
      await cluster.close();
    }
  }
  out.push(`### Failover after kill -9 (lease ${timings.leaseMs} ms, renew ${timings.renewMs} ms, handover margin ${timings.handoverMarginMs} ms, platform idle timeout ${timings.idleTimeoutMs} ms)`, '');
  out.push('| runs | median | worst | bound (lease + renew + margin) |', '|---|---|---|---|');
  out.push(`| ${times.length} | ${median(times)} ms | ${Math.max(...times)} ms | ${timings.leaseMs + timings.renewMs + timings.handoverMarginMs} ms |`, '');
}

async function startAll(n: number, make: () => Promise<{ start: () => Promise<void>; running: () => number; stop: () => Promise<void> }>): Promise<{ ms: number; heapPerAccount: number }> {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t = performance.now();
  const sys = await make();
  await sys.start();
  await waitFor(() => sys.running() === n, 600_000, `${n} running`);
  const ms = performance.now() - t;
  gc();
  const heap = process.memoryUsage().heapUsed - heap0;
  await sys.stop();
  return { ms, heapPerAccount: heap / n };
}

async function overhead(): Promise<void> {
  const n = quick ? 2_000 : 10_000;
  const accounts = Array.from({ length: n }, (_, i) => ({ id: `a${i}`, enabled: true, settings: {} }));
  const schema = schemaName('overhead');
  const seed = await postgresStore({ connectionString: PG_URL, schema });
  await seed.pool.query(`INSERT INTO "${schema}".accounts (id, record) SELECT 'a' || g, jsonb_build_object('id', 'a' || g, 'enabled', true, 'settings', '{}'::jsonb) FROM generate_series(0, $1::int - 1) g`, [n]);
  await seed.close();
  try {
    const single = await startAll(n, async () => {
      const sup = createSupervisor({ store: memoryStore(accounts), worker: idle, logger: quiet });
      return { start: () => sup.start(), running: () => sup.list().filter((s) => s.state === 'running').length, stop: async () => void (await sup.shutdown()) };
    });
    progress(`single node: ${Math.round(single.ms)} ms`);
    const cluster = await startAll(n, async () => {
      const node = await openClusterNode({ connectionString: PG_URL, schema, nodeId: 'bench', shards: 256, leaseMs: 15_000, renewMs: 5_000, handoverMarginMs: 0, logger: silent });
      const sup = createSupervisor({ store: node.store, worker: idle, logger: quiet });
      return {
        start: async () => {
          await sup.start();
          await node.start(sup);
        },
        running: () => sup.list().filter((s) => s.state === 'running').length,
        stop: async () => {
          await sup.shutdown();
          await node.close();
        },
      };
    });
    progress(`cluster node: ${Math.round(cluster.ms)} ms`);
    out.push(`### Cluster overhead per account (${n.toLocaleString('en')} idle accounts, one node)`, '');
    out.push('| | start µs/account | heap B/account |', '|---|---|---|');
    out.push(`| single node (memory store) | ${Math.round((single.ms * 1000) / n)} | ${Math.round(single.heapPerAccount)} |`);
    out.push(`| cluster node (PostgreSQL, leases, owned view, status publishing) | ${Math.round((cluster.ms * 1000) / n)} | ${Math.round(cluster.heapPerAccount)} |`);
    out.push(`| ratio (goal ≤ 1.2×) | ${(cluster.ms / single.ms).toFixed(2)}× | ${(cluster.heapPerAccount / single.heapPerAccount).toFixed(2)}× |`, '');
  } finally {
    await drop(schema);
  }
}

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const quiet = pino({ level: 'silent' });

async function leaseQueries(): Promise<void> {
  const schema = schemaName('leases');
  const nodes: ClusterNode[] = [];
  const windowMs = quick ? 20_000 : 60_000;
  try {
    for (const id of ['a', 'b', 'c']) {
      const node = await openClusterNode({ connectionString: PG_URL, schema, nodeId: id, logger: silent });
      await node.start({ reload: async () => undefined });
      nodes.push(node);
    }
    // Steady state: every shard where rendezvous hashing puts it (no handoff in flight).
    const probe = new TestCluster({ leaseMs: 15_000, renewMs: 5_000, handoverMarginMs: 0, idleTimeoutMs: 0, heartbeatIntervalMs: 0, shards: 256 }, PG_URL, schema);
    await waitFor(() => probe.balanced(['a', 'b', 'c']), 300_000, 'the shards to settle');
    progress('leases settled; measuring');
    const before = nodes.map((n) => n.stats().leaseQueries);
    await new Promise((r) => setTimeout(r, windowMs));
    const rates = nodes.map((n, i) => (n.stats().leaseQueries - before[i]!) / (windowMs / 1000));
    out.push(`### Lease queries per node per second (3 nodes, 256 shards, lease 15 s, renew 5 s, ${windowMs / 1000} s window)`, '');
    out.push('| node | queries/s (goal ≤ 2) |', '|---|---|', ...rates.map((r, i) => `| ${'abc'[i]} | ${r.toFixed(2)} |`), '');
  } finally {
    for (const n of nodes) await n.close();
    await drop(schema);
  }
}

async function commands(): Promise<void> {
  const stored = quick ? 10_000 : 100_000;
  const schema = schemaName('commands');
  const store = await postgresStore({ connectionString: PG_URL, schema, poolSize: 16 });
  try {
    await store.pool.query(`INSERT INTO "${schema}".accounts (id, record) SELECT 'a' || g, jsonb_build_object('id', 'a' || g, 'enabled', true, 'settings', '{}'::jsonb) FROM generate_series(0, $1::int - 1) g`, [stored]);
    const durationMs = quick ? 3_000 : 10_000;
    let done = 0;
    const end = Date.now() + durationMs;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async (_, lane) => {
        for (let i = 0; Date.now() < end; i++) {
          await store.put({ id: `a${(lane * 7919 + i * 64) % stored}`, enabled: i % 2 === 0, settings: { n: i } });
          done++;
        }
      }),
    );
    const pgRate = done / ((performance.now() - t) / 1000);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-lowdb-'));
    const low = await lowdbStore({ file: path.join(dir, 'd.json'), logger: silent });
    const lowN = quick ? 2_000 : 20_000;
    for (let i = 0; i < lowN; i++) void low.put({ id: `a${i}`, enabled: true, settings: {} });
    await low.put({ id: 'x', enabled: true, settings: {} });
    let lowDone = 0;
    const lt = performance.now();
    while (performance.now() - lt < 3_000) {
      await low.put({ id: `a${lowDone % lowN}`, enabled: lowDone % 2 === 0, settings: {} });
      lowDone++;
    }
    const lowRate = lowDone / ((performance.now() - lt) / 1000);
    await low.close();
    await rm(dir, { recursive: true, force: true });
    out.push(`### Acknowledged commands per second (a put resolved once committed)`, '');
    out.push('| store | stored accounts | in flight | commands/s |', '|---|---|---|---|');
    out.push(`| PostgreSQL | ${stored.toLocaleString('en')} | 64 | ${Math.round(pgRate)} (goal ≥ 2,000) |`);
    out.push(`| lowdb (one at a time) | ${lowN.toLocaleString('en')} | 1 | ${lowRate.toFixed(1)} |`, '');
  } finally {
    await store.close();
    await drop(schema);
  }
}

if (only.has('commands')) await commands();
if (only.has('leases')) await leaseQueries();
if (only.has('overhead')) await overhead();
if (only.has('failover')) await failover();
process.stdout.write(`${out.join('\n')}\n`);
