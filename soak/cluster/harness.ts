// Real processes for the cluster tests and the cluster soak: the simulator as its own process, statevisor daemons in
// cluster mode against a schema of their own on the local PostgreSQL, and the ground truth.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClusterNodeStats } from '../../src/cluster/clusterNode.js';
import { desiredOwner } from '../../src/cluster/rendezvous.js';
import { shardOf } from '../../src/cluster/shardOf.js';
import { postgresStore } from '../../src/persistence/index.js';
import { createSimulatorClient, type SimulatorStats } from '../../src/simulator/index.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The local server (`.ci/setup.d/10-postgres.sh` starts it): trust auth for `postgres` on 127.0.0.1:5432. */
export const PG_URL = process.env.STATEVISOR_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOKEN = 'cluster-test-token-0123456789';

/** Scaled-down timings: lease 3 s, renew 1 s, simulator idle timeout 1.5 s, handover margin 2 s (above the idle timeout). */
export const TIMINGS = { leaseMs: 3_000, renewMs: 1_000, handoverMarginMs: 2_000, idleTimeoutMs: 1_500, heartbeatIntervalMs: 400, shards: 64 };

/** Polls `check` every 100 ms until it returns true; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A child process whose first stdout JSON line matching `ready` resolves `started`; keeps the last log lines. */
interface Proc {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function spawnProc(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  createInterface({ input: child.stdout }).on('line', keep);
  createInterface({ input: child.stderr }).on('line', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, lines, exited };
}

async function firstLine(p: Proc, match: (json: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await waitFor(
    () => {
      if (p.child.exitCode !== null) throw new Error(`${what}: the process exited (${p.child.exitCode}):\n${p.lines.slice(-20).join('\n')}`);
      for (const line of p.lines) {
        try {
          const json = JSON.parse(line) as Record<string, unknown>;
          if (match(json)) return ((found = json), true);
        } catch {
          /* not JSON */
        }
      }
      return false;
    },
    timeoutMs,
    what,
  );
  return found!;
}

/** Ends a process: SIGKILL after `graceMs` if the signal did not end it. Bounded. */
async function end(p: Proc, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGCONT');
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export interface NodeProc extends Proc {
  id: string;
  apiUrl: string;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface SimProc extends Proc {
  url: string;
  stats(): Promise<SimulatorStats>;
  stop(): Promise<void>;
}

/**
 * One test's cluster: a fresh schema, the simulator process, accounts seeded, nodes started on
 * demand. `close()` stops everything it started and drops the schema.
 */
export class TestCluster {
  readonly nodes = new Map<string, NodeProc>();
  sim!: SimProc;
  dir!: string;
  readonly accountIds: string[] = [];
  constructor(
    readonly timings = TIMINGS,
    readonly databaseUrl = PG_URL,
    readonly schema = `cluster_${randomBytes(6).toString('hex')}`,
  ) {}

  async open(accounts: number): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'statevisor-cluster-'));
    const p = spawnProc(['src/simulator/main.ts', '--port', '0', '--idle-timeout-ms', String(this.timings.idleTimeoutMs), '--rate', '0.5'], {});
    const { listening } = (await firstLine(p, (j) => typeof j.listening === 'string', 30_000, 'the simulator to listen')) as { listening: string };
    const controlUrl = listening.replace(/^ws/, 'http').replace(/\/$/, '');
    const client = createSimulatorClient(controlUrl);
    this.sim = Object.assign(p, { url: listening, stats: () => client.stats(), stop: () => end(p) });
    const store = await postgresStore({ connectionString: this.databaseUrl, schema: this.schema });
    for (let i = 0; i < accounts; i++) {
      const id = `acct-${String(i).padStart(3, '0')}`;
      this.accountIds.push(id);
      await store.put({ id, enabled: true, credentials: `tok-${i}`, settings: { keywords: [{ match: 'price', reply: 'ten euros' }] } });
    }
    await store.close();
  }

  /** Starts `statevisor start` in cluster mode; resolves once it runs (its API is up and it joined). */
  async startNode(id: string, extra: string[] = [], databaseUrl = this.databaseUrl): Promise<NodeProc> {
    const t = this.timings;
    const args = [
      'src/daemon/main.ts', 'start', '--database-url', databaseUrl, '--database-schema', this.schema, '--node-id', id,
      '--upstream', this.sim.url, '--api-port', '0', '--data-file', path.join(this.dir, id, 'data.json'), '--no-demo', '--log-level', 'info',
      '--lease-ms', String(t.leaseMs), '--renew-ms', String(t.renewMs), '--handover-margin-ms', String(t.handoverMarginMs),
      '--shards', String(t.shards), '--heartbeat-interval-ms', String(t.heartbeatIntervalMs), '--shutdown-timeout', '8000', '--cancel-timeout', '2000',
      ...extra,
    ];
    const p = spawnProc(args, { STATEVISOR_API_TOKEN: TOKEN });
    const node: NodeProc = Object.assign(p, {
      id,
      apiUrl: '',
      signal: (sig: NodeJS.Signals) => void p.child.kill(sig),
      stop: () => end(p),
    });
    this.nodes.set(id, node);
    const running = (await firstLine(p, (j) => typeof j.msg === 'string' && j.msg.startsWith('statevisor running'), 60_000, `node ${id} to start`)) as { api: string };
    node.apiUrl = running.api;
    return node;
  }

  /** One statement on the cluster's database (its own short connection). */
  async query(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  /** `owner:epoch` of every shard whose lease has not expired. */
  async epochs(): Promise<Map<number, string>> {
    const r = await this.query(`SELECT shard, owner, epoch FROM "${this.schema}".shard_leases WHERE owner IS NOT NULL AND expires_at > now()`);
    return new Map((r.rows as { shard: number; owner: string; epoch: string }[]).map((row) => [row.shard, `${row.owner}:${row.epoch}`]));
  }

  /** Owner of each shard whose lease has not expired, by the database's clock. */
  async owners(): Promise<Map<number, string>> {
    const r = await this.query(`SELECT shard, owner FROM "${this.schema}".shard_leases WHERE owner IS NOT NULL AND expires_at > now()`);
    return new Map((r.rows as { shard: number; owner: string }[]).map((row) => [row.shard, row.owner]));
  }

  /** Every shard is held by the node rendezvous hashing gives it among `live`. */
  async balanced(live: readonly string[]): Promise<boolean> {
    const owners = await this.owners();
    for (let shard = 0; shard < this.timings.shards; shard++) if (owners.get(shard) !== desiredOwner(shard, live)) return false;
    return true;
  }

  /** Accounts whose shard `node` holds now. */
  async accountsOf(node: string): Promise<string[]> {
    const owners = await this.owners();
    return this.accountIds.filter((id) => owners.get(shardOf(id, this.timings.shards)) === node);
  }

  /** Every account has exactly one live session at the simulator. */
  async allLiveOnce(): Promise<boolean> {
    const stats = await this.sim.stats();
    return this.accountIds.every((id) => stats.accounts[id]?.sessions === 1);
  }

  /** The invariants that hold in every scenario; returns what broke (empty when none). */
  async broken(): Promise<string[]> {
    const stats = await this.sim.stats();
    const out: string[] = [];
    if (stats.violations.length > 0) out.push(`violations: ${JSON.stringify(stats.violations.slice(0, 5))}`);
    for (const [id, a] of Object.entries(stats.accounts)) {
      if (a.maxConcurrent > 1) out.push(`${id}: maxConcurrent ${a.maxConcurrent}`);
      if (a.staleFrames > 0) out.push(`${id}: staleFrames ${a.staleFrames}`);
      if (a.duplicateReplies > 0) out.push(`${id}: duplicateReplies ${a.duplicateReplies}`);
    }
    return out;
  }

  /** `GET /v1/cluster` of a node. */
  async clusterInfo(node: NodeProc): Promise<{ node: string; nodes: { id: string; shards: number; draining: boolean }[]; self: ClusterNodeStats }> {
    const res = await fetch(`${node.apiUrl}/v1/cluster`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`GET /v1/cluster: HTTP ${res.status}`);
    return ((await res.json()) as { cluster: never }).cluster;
  }

  logs(id: string): string {
    return (this.nodes.get(id)?.lines ?? []).slice(-40).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => end(n)));
    await this.sim?.stop();
    await this.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Epoch of each shard `node` holds now. */
export async function epochsOf(cluster: TestCluster, node: string): Promise<Map<number, number>> {
  const r = await cluster.query(`SELECT shard, epoch FROM "${cluster.schema}".shard_leases WHERE owner = $1`, [node]);
  return new Map((r.rows as { shard: number; epoch: string }[]).map((row) => [row.shard, Number(row.epoch)]));
}

/** Starts three nodes and waits until the shards are spread as rendezvous hashing says and every account runs once. */
export async function threeNodes(cluster: TestCluster, accounts = 50): Promise<void> {
  await cluster.open(accounts);
  await Promise.all(['a', 'b', 'c'].map((id) => cluster.startNode(id)));
  await waitFor(() => cluster.balanced(['a', 'b', 'c']), 60_000, 'the shards to spread over the three nodes');
  await waitFor(() => cluster.allLiveOnce(), 40_000, 'every account to run once');
}
