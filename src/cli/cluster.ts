import type { Command } from 'commander';
import type { ClusterInfo } from '../cluster/clusterNode.js';
import { apiCall } from './client.js';
import { action, connect, printJson, withConnectionOptions, type CommonFlags } from './command.js';
import { formatTable } from './format.js';
import type { OperatorIo } from './io.js';

/**
 * Adds `statevisor cluster [--json]`: the live nodes (id, heartbeat age, shards held, draining)
 * and, with `--shards`, which node holds each shard, from any node's `GET /v1/cluster`.
 *
 * @example
 * ```ts
 * registerClusterCommand(program, processIo());
 * ```
 */
export function registerClusterCommand(program: Command, io: OperatorIo): void {
  withConnectionOptions(program.command('cluster').description('cluster mode: the live nodes and the shards each holds'))
    .option('--shards', 'also list every shard with its owner, epoch and lease time left')
    .action(
      action(io, async (flags: CommonFlags & { shards?: boolean }) => {
        const { cluster } = await apiCall<{ cluster: ClusterInfo }>(await connect(io, flags), 'GET', '/v1/cluster');
        if (flags.json) return printJson(io, cluster);
        const nodes = cluster.nodes.map((n) => [n.id === cluster.node ? `${n.id} (this)` : n.id, `${Math.round(n.heartbeatAgeMs)} ms`, String(n.shards), n.draining ? 'yes' : 'no']);
        io.stdout.write(formatTable(['node', 'heartbeat age', 'shards', 'draining'], nodes));
        if (flags.shards) {
          const rows = cluster.shards.map((s) => [String(s.shard), s.owner ?? '-', String(s.epoch), s.expiresInMs === null ? '-' : `${Math.round(s.expiresInMs)} ms`]);
          io.stdout.write(`\n${formatTable(['shard', 'owner', 'epoch', 'lease left'], rows)}`);
        }
      }),
    );
}
