// The daemon in cluster mode: bad input at start, GET /v1/cluster and `statevisor cluster`.
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, TOKEN, waitFor } from '../../soak/cluster/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let cluster: TestCluster | undefined;
afterEach(async () => {
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

  it('a second live node with the same id refuses to start (DUPLICATE_NODE_ID, exit 2); GET /v1/cluster and `statevisor cluster` list the nodes and shard owners', { timeout: 120_000 }, async () => {
    cluster = new TestCluster();
    await cluster.open(5);
    const a = await cluster.startNode('a');
    await cluster.startNode('b');
    await waitFor(() => cluster!.balanced(['a', 'b']), 60_000, 'the shards to spread');
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
  });
});

describe('commands from any node', () => {
  it('a command on a node that does not run the account is committed in PostgreSQL, the owner applies it, and every node lists the whole cluster with node per status', { timeout: 120_000 }, async () => {
    cluster = new TestCluster();
    await cluster.open(10);
    const a = await cluster.startNode('a');
    const b = await cluster.startNode('b');
    await waitFor(() => cluster!.balanced(['a', 'b']), 60_000, 'the shards to spread');
    await waitFor(() => cluster!.allLiveOnce(), 30_000, 'every account to run once');
    const call = async (node: typeof a, method: string, url: string, body?: unknown) => {
      const res = await fetch(`${node.apiUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    // Every node lists every account, each with the node that runs it.
    await waitFor(async () => {
      const { json } = await call(a, 'GET', '/v1/accounts');
      const accounts = json.accounts as { id: string; node: string; state: string }[];
      return accounts.length === 10 && accounts.every((s) => s.state === 'running' && (s.node === 'a' || s.node === 'b'));
    }, 20_000, 'node a to list the whole cluster');
    const onB = (await cluster.accountsOf('b'))[0]!;
    // The view of other nodes' accounts is eventually consistent: published in batches, read every second.
    await waitFor(async () => ((await call(a, 'GET', `/v1/accounts/${onB}`)).json.account as { node: string }).node === 'b', 10_000, `node a to see ${onB} on b`);
    // Disable on a an account b runs: committed (200), then b stops it.
    const disabled = await call(a, 'POST', `/v1/accounts/${onB}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.json.account).toMatchObject({ id: onB, enabled: false, node: 'b' });
    await waitFor(async () => (await cluster!.sim.stats()).accounts[onB]?.sessions === 0, 15_000, 'b to stop the disabled account');
    await waitFor(async () => ((await call(a, 'GET', `/v1/accounts/${onB}`)).json.account as { state: string }).state === 'disabled', 15_000, 'a to see it disabled on b');
    // A new account added through a lands on its owner; restart elsewhere names the owner.
    const added = await call(a, 'POST', '/v1/accounts', { id: 'fresh-1', credentials: 'tok-fresh' });
    expect([200, 201]).toContain(added.status);
    await waitFor(async () => (await cluster!.sim.stats()).accounts['fresh-1']?.sessions === 1, 15_000, 'the new account to run on its owner');
    const owner = (await cluster.owners()).get((await import('../../src/cluster/shardOf.js')).shardOf('fresh-1', cluster.timings.shards));
    const other = owner === 'a' ? b : a;
    const restart = await call(other, 'POST', '/v1/accounts/fresh-1/restart');
    expect(restart.status).toBe(409);
    expect(restart.json.error).toMatchObject({ code: 'NOT_OWNER', message: expect.stringContaining(`runs on node "${owner}"`) as unknown });
    expect(await cluster.broken()).toEqual([]);
  });
});
