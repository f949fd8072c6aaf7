/**
 * Cluster mode: several statevisor nodes against one PostgreSQL database, every account on exactly
 * one node. See docs/cluster.md.
 *
 * @example
 * ```ts
 * const node = await openClusterNode({ connectionString: process.env.STATEVISOR_DATABASE_URL!, nodeId: 'a' });
 * ```
 */
export { openClusterNode, ClusterNode, type ClusterInfo, type ClusterNodeStats, type Reloadable } from './clusterNode.js';
export { CLUSTER_DEFAULTS, resolveClusterOptions, type ClusterNodeOptions, type ResolvedClusterOptions } from './options.js';
export { DuplicateNodeIdError, LeaseDeadlineError } from './errors.js';
export { shardOf } from './shardOf.js';
export { systemClock, type ClusterClock } from './clock.js';
export { clusterSupervisor, type ClusterStatus } from './clusterSupervisor.js';
export { clusterMetrics } from './clusterMetrics.js';
