/**
 * `npx tsx bench/cluster.ts [--quick] [--runs N] [--only failover,overhead,leases,commands]`, and
 * section 10 of `npm run bench` (`runClusterBench`): the cluster benchmarks (issue 14). Needs the
 * local PostgreSQL (.ci/setup.d/10-postgres.sh); each measurement uses a schema of its own, dropped after.
 *
 * 1. Failover after `kill -9` (real node processes + the simulator process): time from the kill
 *    until every account of the killed node registered elsewhere. Default timings (lease 15 s,
 *    renew 5 s, handover margin 20 s, idle timeout 15 s) unless --quick (3 s / 1 s / 2 s / 1.5 s).
 *    One cluster for every run: the killed node is started again and the shards settle before the
 *    next kill (a fresh cluster per run spends a minute settling 256 shards at default timings).
 * 2. Cluster overhead per account at N accounts (10,000; --quick 2,000): starting N idle accounts
 *    under one cluster node (PostgreSQL store, leases, owned view) vs one plain supervisor over the
 *    same accounts in memory: wall time, this process's CPU time (PostgreSQL's own CPU is not in
 *    it) and heap per account; the two interleaved, `runs` times each after an uncounted warm-up pair, medians.
 * 3. Lease queries per node per second at steady state, 3 in-process nodes, 256 shards, default timings.
 * 4. Acknowledged commands per second (a `put` that resolves once committed) at 100,000 stored
 *    accounts (--quick 10,000), 64 in flight, vs the lowdb store one at a time.
 *
 * Prints a markdown report on stdout and progress on stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { openClusterNode, type ClusterNode } from '../src/cluster/index.js';
import { createSupervisor } from '../src/createSupervisor.js';
import { lowdbStore, memoryStore, postgresStore } from '../src/persistence/index.js';
import type { Worker } from '../src/worker/worker.js';
import { PG_URL, TestCluster, waitFor } from '../soak/cluster/harness.js';

let quick = false;
let runs = 3;
const progress = (s: string) => process.stderr.write(`bench/cluster: ${s}\n`);
const out: string[] = [];

const idle: Worker = (ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
const schemaName = (what: string) => `bench_${what}_${Math.random().toString(16).slice(2, 10)}`;
async function drop(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function failover(): Promise<void> {
  const timings = quick
    ? { leaseMs: 3_000, renewMs: 1_000, handoverMarginMs: 2_000, idleTimeoutMs: 1_500, heartbeatIntervalMs: 400, shards: 64 }
    : { leaseMs: 15_000, renewMs: 5_000, handoverMarginMs: 20_000, idleTimeoutMs: 15_000, heartbeatIntervalMs: 5_000, shards: 256 };
  const times: number[] = [];
  let accounts = 0;
  const cluster = new TestCluster(timings);
  try {
    await cluster.open(50);
    await Promise.all(['a', 'b', 'c'].map((id) => cluster.startNode(id)));
    for (let run = 0; run < runs; run++) {
      await waitFor(() => cluster.balanced(['a', 'b', 'c']), 300_000, 'balance');
      await waitFor(() => cluster.allLiveOnce(), 120_000, 'all live');
      const moved = await cluster.accountsOf('b');
      const before = await cluster.sim.stats();
      cluster.nodes.get('b')!.signal('SIGKILL');
      const t = Date.now();
      await waitFor(async () => {
        const s = await cluster.sim.stats();
        return moved.every((id) => (s.accounts[id]?.timeline.length ?? 0) > (before.accounts[id]?.timeline.length ?? 0) && s.accounts[id]?.sessions === 1);
      }, 300_000, 'failover');
      times.push(Date.now() - t);
      accounts += moved.length;
      progress(`failover run ${run + 1}: ${times[times.length - 1]} ms (${moved.length} accounts)`);
      const broken = await cluster.broken();
      if (broken.length > 0) throw new Error(`failover run ${run + 1} broke an invariant: ${broken.join('; ')}`);
      await cluster.nodes.get('b')!.exited;
      if (run + 1 < runs) await cluster.startNode('b');
    }
  } finally {
    await cluster.close();
  }
  out.push(`### Failover after kill -9 (lease ${timings.leaseMs} ms, renew ${timings.renewMs} ms, handover margin ${timings.handoverMarginMs} ms, platform idle timeout ${timings.idleTimeoutMs} ms; ${timings.shards} shards, 3 nodes, 50 accounts)`, '');
  out.push('| runs | accounts moved | median | worst | bound (lease + renew + margin) |', '|---|---|---|---|---|');
  out.push(`| ${times.length} | ${accounts} | ${median(times)} ms | ${Math.max(...times)} ms | ${timings.leaseMs + timings.renewMs + timings.handoverMarginMs} ms |`, '');
}

interface StartRun {
  ms: number;
  cpuMs: number;
  heapPerAccount: number;
}

async function startAll(n: number, make: () => Promise<{ start: () => Promise<void>; running: () => number; stop: () => Promise<void> }>): Promise<StartRun> {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const sys = await make();
  await sys.start();
  await waitForRunning(() => sys.running() === n, 600_000);
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  gc();
  const heap = process.memoryUsage().heapUsed - heap0;
  await sys.stop();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, heapPerAccount: heap / n };
}

/** Polls every 5 ms (waitFor's 100 ms would add up to 100 ms to a start of about a second). */
async function waitForRunning(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not every account running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function overhead(): Promise<void> {
  const n = quick ? 2_000 : 10_000;
  const accounts = Array.from({ length: n }, (_, i) => ({ id: `a${i}`, enabled: true, settings: {} }));
  const schema = schemaName('overhead');
  const seed = await postgresStore({ connectionString: PG_URL, schema });
  await seed.pool.query(`INSERT INTO "${schema}".accounts (id, record) SELECT 'a' || g, jsonb_build_object('id', 'a' || g, 'enabled', true, 'settings', '{}'::jsonb) FROM generate_series(0, $1::int - 1) g`, [n]);
  await seed.close();
  try {
    const singles: StartRun[] = [];
    const clusters: StartRun[] = [];
    // Rep 0 warms both paths up and is not counted: the first start in a process pays for
    // compiling the code it runs (a cold first pair measured 0.60× where the next measured 1.30×).
    for (let rep = 0; rep <= runs; rep++) {
      if (rep === 1) {
        singles.splice(0);
        clusters.splice(0);
      }
      singles.push(
        await startAll(n, async () => {
          const sup = createSupervisor({ store: memoryStore(accounts), worker: idle, logger: quiet });
          return { start: () => sup.start(), running: () => sup.list().filter((s) => s.state === 'running').length, stop: async () => void (await sup.shutdown()) };
        }),
      );
      clusters.push(
        await startAll(n, async () => {
          const node = await openClusterNode({ connectionString: PG_URL, schema, nodeId: `bench-${rep}`, shards: 256, leaseMs: 15_000, renewMs: 5_000, handoverMarginMs: 0, logger: silent });
          const sup = createSupervisor({ store: node.store, worker: idle, logger: quiet });
          return {
            start: async () => {
              await sup.start();
              await node.start(sup);
            },
            running: () => sup.list().filter((s) => s.state === 'running').length,
            stop: async () => {
              await node.drain(10_000);
              await sup.shutdown();
              await node.close();
            },
          };
        }),
      );
      const [single, clustered] = [singles.at(-1)!, clusters.at(-1)!];
      progress(`overhead ${rep === 0 ? 'warm-up' : `rep ${rep}`}: single ${Math.round(single.ms)} ms (CPU ${Math.round(single.cpuMs)} ms), cluster ${Math.round(clustered.ms)} ms (CPU ${Math.round(clustered.cpuMs)} ms)`);
    }
    const m = (xs: StartRun[], k: keyof StartRun) => median(xs.map((x) => x[k]));
    const us = (ms: number) => Math.round((ms * 1000) / n);
    out.push(`### Cluster overhead per account (${n.toLocaleString('en')} idle accounts, one node, ${runs} interleaved runs each after a warm-up pair, medians)`, '');
    out.push('| | start µs/account (wall) | start µs/account (CPU of this process) | heap B/account |', '|---|---|---|---|');
    out.push(`| single node (memory store) | ${us(m(singles, 'ms'))} | ${us(m(singles, 'cpuMs'))} | ${Math.round(m(singles, 'heapPerAccount'))} |`);
    out.push(`| cluster node (PostgreSQL, leases, owned view, status publishing) | ${us(m(clusters, 'ms'))} | ${us(m(clusters, 'cpuMs'))} | ${Math.round(m(clusters, 'heapPerAccount'))} |`);
    const ratios = (k: keyof StartRun) => clusters.map((c, i) => c[k] / singles[i]![k]);
    out.push(
      `| ratio, median of the per-run ratios (goal ≤ 1.2×) | ${median(ratios('ms')).toFixed(2)}× (runs: ${ratios('ms').map((r) => r.toFixed(2)).join(', ')}) | ${median(ratios('cpuMs')).toFixed(2)}× (runs: ${ratios('cpuMs').map((r) => r.toFixed(2)).join(', ')}) | ${(m(clusters, 'heapPerAccount') / m(singles, 'heapPerAccount')).toFixed(2)}× |`,
      '',
    );
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

/**
 * Runs the cluster benchmarks and returns the markdown report. Needs PostgreSQL at `PG_URL`;
 * without it, says so instead of measuring.
 *
 * @example
 * ```ts
 * console.log(await runClusterBench({ quick: true }));
 * ```
 */
export async function runClusterBench(options: { quick?: boolean; runs?: number; only?: string[] } = {}): Promise<string> {
  quick = options.quick ?? false;
  runs = options.runs ?? 3;
  const only = new Set(options.only ?? ['failover', 'overhead', 'leases', 'commands']);
  out.length = 0;
  out.push(`Cluster benchmarks: ${quick ? 'quick' : 'full'} run, ${os.cpus().length} cores, Node ${process.version}.`, '');
  const probe = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
  } catch (e) {
    return `Not measured: PostgreSQL is not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')} (${e instanceof Error ? e.message : String(e)}); .ci/setup.d/10-postgres.sh starts it.`;
  } finally {
    await probe.end().catch(() => undefined);
  }
  if (only.has('commands')) await commands();
  if (only.has('leases')) await leaseQueries();
  if (only.has('overhead')) await overhead();
  if (only.has('failover')) await failover();
  return out.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' }, only: { type: 'string' } }, strict: true });
  runClusterBench({ quick: values.quick, ...(values.runs ? { runs: Number(values.runs) } : {}), ...(values.only ? { only: values.only.split(',') } : {}) }).then(
    (report) => process.stdout.write(`${report}\n`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
