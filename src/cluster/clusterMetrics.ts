import { family } from '../api/prometheus.js';
import type { ClusterNodeStats } from './clusterNode.js';

/**
 * This node's cluster metric families for `GET /metrics` (Prometheus text format). Every node
 * exports its own: its shards, its lease traffic, the fenced writes the database refused it, and
 * the share of admission it applies. None of them counts another node's accounts, so summing a
 * family over nodes never counts anything twice; `statevisor_cluster_live_nodes` is the same on
 * every node (take `max()`, not `sum()`).
 *
 * @example
 * ```ts
 * createControlApi({ supervisor: view, metricsSupervisor: supervisor, extraMetrics: () => clusterMetrics(node.stats(), 50), token });
 * ```
 * @param admissionStartsPerSecond the configured fleet-wide admission rate, when admission is on.
 */
export function clusterMetrics(s: ClusterNodeStats, admissionStartsPerSecond?: number): string {
  const share = Math.max(1, s.liveNodes);
  let out =
    family('statevisor_cluster_shards_held', 'gauge', 'Shard leases this node holds (active, waiting out the handover margin, or handing off).', [[{}, s.held]]) +
    family('statevisor_cluster_shards_active', 'gauge', 'Shards whose accounts run on this node now.', [[{}, s.active]]) +
    family('statevisor_cluster_live_nodes', 'gauge', 'Live, non-draining nodes seen in the last lease round (the same on every node: use max(), not sum()).', [[{}, s.liveNodes]]) +
    family('statevisor_cluster_lease_rounds_total', 'counter', 'Lease rounds run by this node (heartbeat, renew, acquire, hand off).', [[{}, s.rounds]]) +
    family('statevisor_cluster_lease_queries_total', 'counter', 'Queries on the lease connection.', [[{}, s.leaseQueries]]) +
    family('statevisor_cluster_rejected_writes_total', 'counter', 'Writes of this node the database refused because the shard lease had moved on (LEASE_LOST), by kind.', [
      [{ kind: 'supervision' }, s.rejectedSupervisionWrites],
      [{ kind: 'status' }, s.rejectedStatusWrites],
    ]) +
    family('statevisor_cluster_published_statuses_total', 'counter', 'Account statuses this node published to the database for the other nodes to show.', [[{}, s.publishedStatuses]]) +
    family('statevisor_cluster_restart_requests_applied_total', 'counter', 'Restarts requested through another node and carried out here.', [[{}, s.restartRequestsApplied]]);
  if (admissionStartsPerSecond !== undefined) {
    out += family('statevisor_admission_starts_per_second_limit', 'gauge', "This node's share of the fleet-wide admission rate: the configured rate divided by the live nodes.", [[{}, admissionStartsPerSecond / share]]);
  }
  return out;
}
