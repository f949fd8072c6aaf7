// The daemon in cluster mode: bad input at start, GET /v1/cluster and `statevisor cluster`.
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, TOKEN, waitFor, type NodeProc } from '../../soak/cluster/harness.js';
import { shardOf } from '../../src/cluster/shardOf.js';
import { openStream, type StreamClient } from '../api/helpers.js';
import { PROMTOOL, promtoolCheck } from '../helpers/promtool.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let cluster: TestCluster | undefined;
let stream: StreamClient | undefined;
afterEach(async () => {
  stream?.ws.terminate();
  stream = undefined;
  await cluster?.close();
  cluster = undefined;
});

/** Runs the statevisor command to its end (bounded); resolves with its exit code and output. */
function statevisor(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/daemon/main.ts', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('daemon in cluster mode', () => {
  it('an unreachable database at start exits 2 naming host and port (never the password)', { timeout: 90_000 }, async () => {
    const port = await closedPort();
    const { code, out } = await statevisor(['start', '--database-url', `postgres://postgres:s3cr3t@127.0.0.1:${port}/postgres`, '--api-port', '0', '--no-demo', '--data-file', path.join(os.tmpdir(), 'statevisor-never-used', 'd.json')], {
      STATEVISOR_API_TOKEN: TOKEN,
    });
    expect(code).toBe(2);
    expect(out).toContain(`127.0.0.1:${port}`);
    expect(out).not.toContain('s3cr3t');
  });
});

describe('a cluster of two daemons', () => {
  // One cluster for all of it: a setup costs about 15 s on 2 cores (two daemons, shards settling).
  it('a second live node with the same id refuses to start (DUPLICATE_NODE_ID, exit 2); GET /v1/cluster and `statevisor cluster` list the nodes; a command on a node that does not run the account is committed in PostgreSQL and the owner applies it (restart too, even when its notification is lost); every node lists and streams the whole cluster with node per status; metrics count only the node\'s own accounts; admission is shared among the live nodes; a suspended account stays suspended on the node that takes it over', { timeout: 180_000 }, async () => {
    cluster = new TestCluster();
    await cluster.open(10);
    // A short periodic reconcile, so the restart committed without a notification is picked up quickly.
    const reconcileMs = 3_000;
    const a = await cluster.startNode('a', ['--reconcile-ms', String(reconcileMs)]);
    const b = await cluster.startNode('b', ['--reconcile-ms', String(reconcileMs)]);
    await waitFor(() => cluster!.balanced(['a', 'b']), 60_000, 'the shards to spread');
    await waitFor(() => cluster!.allLiveOnce(), 30_000, 'every account to run once');

    const t = cluster.timings;
    const dup = await statevisor(
      ['start', '--database-url', cluster.databaseUrl, '--database-schema', cluster.schema, '--node-id', 'a', '--upstream', cluster.sim.url, '--api-port', '0', '--no-demo', '--data-file', path.join(cluster.dir, 'dup', 'd.json'), '--lease-ms', String(t.leaseMs), '--renew-ms', String(t.renewMs), '--shards', String(t.shards)],
      { STATEVISOR_API_TOKEN: TOKEN },
    );
    expect(dup.code).toBe(2);
    expect(dup.out).toContain('already uses the node id "a"');
    const info = await cluster.clusterInfo(a);
    expect(info.node).toBe('a');
    expect(info.nodes.map((n) => n.id).sort()).toEqual(['a', 'b']);
    expect(info.nodes.reduce((sum, n) => sum + n.shards, 0)).toBe(t.shards);
    const cli = await statevisor(['cluster', '--url', a.apiUrl], { STATEVISOR_API_TOKEN: TOKEN });
    expect(cli.code).toBe(0);
    expect(cli.out).toMatch(/^node\s+heartbeat age\s+shards\s+draining/m);
    expect(cli.out).toMatch(/^a \(this\)\s+\d+ ms\s+\d+\s+no/m);
    expect(cli.out).toMatch(/^b\s+\d+ ms\s+\d+\s+no/m);

    const call = async (node: typeof a, method: string, url: string, body?: unknown) => {
      const res = await fetch(`${node.apiUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const statusOn = async (node: typeof a, id: string) => (await call(node, 'GET', `/v1/accounts/${id}`)).json.account as { node: string; state: string; incarnation: number; since: number; restarts: number };
    // Every node lists every account, each with the node that runs it.
    await waitFor(async () => {
      const { json } = await call(a, 'GET', '/v1/accounts');
      const accounts = json.accounts as { id: string; node: string; state: string }[];
      return accounts.length === 10 && accounts.every((s) => s.state === 'running' && (s.node === 'a' || s.node === 'b'));
    }, 20_000, 'node a to list the whole cluster');
    const [onB, restartedOnB] = await cluster.accountsOf('b');
    expect(restartedOnB, 'b runs at least two of the ten accounts').toBeDefined();
    // The view of other nodes' accounts is eventually consistent: published in batches, read every second.
    await waitFor(async () => (await statusOn(a, onB!)).node === 'b' && (await statusOn(a, restartedOnB!)).node === 'b', 10_000, `node a to see ${onB} and ${restartedOnB} on b`);
    // The live stream of a starts with the whole cluster, and follows b's accounts too.
    stream = await openStream(a.apiUrl, { token: TOKEN });
    await stream.until((m) => m[0]?.type === 'snapshot', 5_000);
    const snapshot = (stream.messages[0] as { statuses: { id: string; node: string }[] }).statuses;
    expect(snapshot.map((s) => s.id).sort()).toEqual(cluster.accountIds);
    expect(snapshot.find((s) => s.id === onB)?.node).toBe('b');
    // Disable on a an account b runs: committed (200), then b stops it, and a's stream shows it.
    const disabled = await call(a, 'POST', `/v1/accounts/${onB}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.json.account).toMatchObject({ id: onB, enabled: false, node: 'b' });
    await waitFor(async () => (await cluster!.sim.stats()).accounts[onB!]?.sessions === 0, 15_000, 'b to stop the disabled account');
    await waitFor(async () => (await statusOn(a, onB!)).state === 'disabled', 15_000, 'a to see it disabled on b');
    await stream.until((m) => m.some((x) => x.type === 'status' && x.id === onB && (x.status as { state: string; node: string }).state === 'disabled' && (x.status as { node: string }).node === 'b'), 10_000);
    // A restart of a disabled account is refused on any node, as on one node.
    expect((await call(a, 'POST', `/v1/accounts/${onB}/restart`)).json.error).toMatchObject({ code: 'ACCOUNT_DISABLED' });

    // Restart on a of an account b runs: committed as a request, b restarts it (a new session, a new incarnation).
    const sessionsOf = async (id: string) => (await cluster!.sim.stats()).accounts[id]!.timeline.length;
    const target = restartedOnB!;
    const before = { sessions: await sessionsOf(target), incarnation: (await statusOn(b, target)).incarnation };
    const restarted = await call(a, 'POST', `/v1/accounts/${target}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.json.account).toMatchObject({ id: target, node: 'b' });
    await waitFor(async () => (await sessionsOf(target)) > before.sessions && (await cluster!.sim.stats()).accounts[target]?.sessions === 1, 15_000, `b to restart ${target}`);
    await waitFor(async () => (await statusOn(a, target)).incarnation > before.incarnation, 10_000, `a to see the new incarnation of ${target}`);
    await stream.until((m) => m.some((x) => x.type === 'status' && x.id === target && (x.status as { incarnation: number }).incarnation > before.incarnation), 10_000);
    const timeline = (await cluster.sim.stats()).accounts[target]!.timeline;
    // The old session was closed by b (a clean cancel), before the new one registered.
    expect(timeline[before.sessions - 1]!.closeCode).toBe(1000);
    expect(timeline[before.sessions]!.registeredAt).toBeGreaterThanOrEqual(timeline[before.sessions - 1]!.closedAt!);

    // A restart request whose notification is lost (committed without NOTIFY) is carried out by the periodic reconcile.
    const second = { sessions: await sessionsOf(target), incarnation: (await statusOn(b, target)).incarnation };
    await cluster.query(`UPDATE "${cluster.schema}".accounts SET restart_requests = restart_requests + 1 WHERE id = $1`, [target]);
    const pickedUpMs = await waitFor(async () => (await sessionsOf(target)) > second.sessions && (await statusOn(b, target)).incarnation > second.incarnation, reconcileMs + 15_000, `the reconcile on b to restart ${target}`);
    console.log(`restart committed without NOTIFY: carried out after ${pickedUpMs} ms (reconcile every ${reconcileMs} ms)`);
    expect((await cluster.clusterInfo(b)).self.restartRequestsApplied).toBe(2);
    expect((await cluster.clusterInfo(a)).self.restartRequestsApplied).toBe(0);

    // A new account added through a lands on its owner.
    const added = await call(a, 'POST', '/v1/accounts', { id: 'fresh-1', credentials: 'tok-fresh' });
    expect([200, 201]).toContain(added.status);
    await waitFor(async () => (await cluster!.sim.stats()).accounts['fresh-1']?.sessions === 1, 15_000, 'the new account to run on its owner');

    // An account whose credentials the platform rejects, on b: suspended there (non-retryable).
    let owners = await cluster.owners();
    const refused = Array.from({ length: 200 }, (_, i) => `refused-${i}`).find((id) => owners.get(shardOf(id, cluster!.timings.shards)) === 'b')!;
    expect((await call(a, 'POST', '/v1/accounts', { id: refused, credentials: 'bad-token' })).status).toBeLessThan(300);
    await waitFor(async () => (await statusOn(a, refused))?.state === 'suspended', 15_000, `${refused} to be suspended on b`);
    const suspendedOnB = await statusOn(a, refused);
    expect(suspendedOnB).toMatchObject({ node: 'b', state: 'suspended' });
    expect(b.lines.some((line) => line.includes(`account ${refused} suspended`))).toBe(true);

    // Metrics: each node counts only the accounts it runs, so the sum over nodes is the cluster.
    owners = await cluster.owners();
    const all = [...cluster.accountIds, 'fresh-1', refused];
    const runsOn = (node: string) => all.filter((id) => owners.get(shardOf(id, cluster!.timings.shards)) === node).length;
    for (const node of [a, b]) {
      const m = await metrics(node);
      // Prometheus accepts the node's metrics, the cluster families included.
      expect(PROMTOOL, 'promtool is not installed: run .ci/setup.d/30-promtool.sh').not.toBe('');
      const checked = await promtoolCheck(m.text);
      expect(checked.output).toBe('');
      expect(checked.code).toBe(0);
      expect(m.text).toMatch(/^statevisor_cluster_rejected_writes_total\{kind="supervision"\} 0$/m);
      expect(m.text).toMatch(new RegExp(`^statevisor_cluster_restart_requests_applied_total ${node.id === 'b' ? 2 : 0}$`, 'm'));
      expect(m.accounts, `accounts counted by ${node.id}`).toBe(runsOn(node.id));
      expect(m.liveNodes).toBe(2);
      // The daemon's default admission (50 starts a second) is shared between the two live nodes.
      expect(m.startsPerSecondLimit).toBe(25);
      expect(m.shardsActive).toBe([...owners.values()].filter((o) => o === node.id).length);
    }
    // b leaves: a admits the whole fleet's rate again.
    b.signal('SIGTERM');
    expect(await b.exited).toBe(0);
    await waitFor(async () => (await metrics(a)).liveNodes === 1, 20_000, 'a to see b gone');
    expect((await metrics(a)).startsPerSecondLimit).toBe(50);
    // a took the suspended account over from the stored supervision state: suspended without
    // trying it again (started again, it would have been refused and suspended anew: a logs that).
    await waitFor(() => cluster!.balanced(['a']), 30_000, 'a to hold every shard');
    await waitFor(async () => (await statusOn(a, refused))?.node === 'a', 10_000, `a to run ${refused}`);
    expect(await statusOn(a, refused)).toMatchObject({ node: 'a', state: 'suspended', restarts: suspendedOnB.restarts });
    expect(a.lines.filter((line) => line.includes(`account ${refused} suspended`))).toEqual([]);
    expect(await cluster.broken()).toEqual([]);
  });
});

/** The figures of a node's `GET /metrics` these tests read. */
async function metrics(node: NodeProc): Promise<{ text: string; accounts: number; liveNodes: number; startsPerSecondLimit: number; shardsActive: number }> {
  const res = await fetch(`${node.apiUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  const values = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
  const one = (name: string) => {
    const v = values(name);
    if (v.length !== 1) throw new Error(`GET /metrics of ${node.id}: ${v.length} samples of ${name}`);
    return v[0]!;
  };
  return {
    text,
    accounts: values('statevisor_accounts').reduce((x, y) => x + y, 0),
    liveNodes: one('statevisor_cluster_live_nodes'),
    startsPerSecondLimit: one('statevisor_admission_starts_per_second_limit'),
    shardsActive: one('statevisor_cluster_shards_active'),
  };
}
