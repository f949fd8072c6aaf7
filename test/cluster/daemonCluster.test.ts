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
