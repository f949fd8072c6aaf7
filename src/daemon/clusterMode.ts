import type { Logger } from 'pino';
import { openClusterNode, type ClusterNode } from '../cluster/index.js';
import type { DaemonConfig } from './config.js';

/**
 * Opens this daemon's cluster node when `database.url` is configured (else `undefined`): the
 * PostgreSQL store, the lease connection and the lease manager, with the configured timings.
 *
 * @example
 * ```ts
 * const node = await openDaemonClusterNode(config, env, logger);
 * ```
 * @throws DatabaseUnavailableError (exit 2, names host and port), RangeError for timings that cannot work.
 */
export async function openDaemonClusterNode(config: DaemonConfig, env: NodeJS.ProcessEnv, logger: Logger): Promise<ClusterNode | undefined> {
  const url = config.database.url;
  if (url === undefined) return undefined;
  return openClusterNode({
    connectionString: url,
    ...(config.nodeId !== undefined ? { nodeId: config.nodeId } : {}),
    ...(config.database.schema !== undefined ? { schema: config.database.schema } : {}),
    ...(env.STATEVISOR_SECRET ? { secret: env.STATEVISOR_SECRET } : {}),
    ...stripUndefined(config.cluster),
    logger: logger.child({ component: 'cluster' }),
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
