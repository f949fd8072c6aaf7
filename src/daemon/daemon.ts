import path from 'node:path';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { websocketSession } from '../sessions/websocketSession.js';
import { createControlApi, instrumentStore, type ControlApi } from '../api/index.js';
import { createSupervisor, type Supervisor } from '../createSupervisor.js';
import { createInspectionRelay, type InspectionRelay } from '../inspect/index.js';
import { REDACT_PATHS } from '../logging/redaction.js';
import type { AccountStore } from '../persistence/accountStore.js';
import { lowdbStore } from '../persistence/lowdbStore.js';
import { createSimulator, type Simulator } from '../simulator/index.js';
import type { ShutdownStats } from '../supervision/shutdownStats.js';
import type { DaemonConfig } from './config.js';
import { armDemoFaults, demoAccounts } from './demo.js';
import { clusterSupervisor, systemClock, type ClusterNode } from '../cluster/index.js';
import { openDaemonClusterNode } from './clusterMode.js';
import { loggedKeywordReplies } from './replyLogger.js';

/** A running daemon: its supervisor, control API, and the embedded simulator and inspection relay if any. */
export interface RunningDaemon {
  readonly supervisor: Supervisor;
  readonly api: ControlApi;
  readonly simulator: Simulator | undefined;
  readonly relay: InspectionRelay | undefined;
  readonly logger: Logger;
  /** Graceful stop within `config.shutdownTimeoutMs`: supervisor (and its store), API, relay, simulator. Idempotent. */
  stop(): Promise<ShutdownStats>;
}

/** What the daemon writes to and reads from, injectable for tests. */
export interface DaemonIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where the generated API token is printed, once: never through the logger. */
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

type Parts = { store?: AccountStore; simulator?: Simulator; relay?: InspectionRelay; api?: ControlApi; node?: ClusterNode; clusterView?: { close(): void } };

/**
 * Starts the daemon: opens the store (taking its lock), starts the bundled simulator when no
 * upstream is configured (seeding three demo accounts into an empty store), the inspection relay
 * with `inspect`, the control API (before the supervisor, so `/health` says "starting"), then the
 * supervisor with the WebSocket session worker.
 *
 * @example
 * ```ts
 * const daemon = await startDaemon(loadConfig({ cwd, env, flags: {} }), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 * process.once('SIGTERM', () => void daemon.stop());
 * ```
 */
export async function startDaemon(config: DaemonConfig, io: DaemonIo): Promise<RunningDaemon> {
  const logger = daemonLogger(config, io.stdout);
  const parts: Parts = {};
  try {
    // Cluster mode (database.url): the node's view of PostgreSQL instead of the lowdb file.
    parts.node = await openDaemonClusterNode(config, io.env, logger);
    const node = parts.node;
    const store = instrumentStore(node ? node.store : await lowdbStore({ file: config.dataFile, secret: io.env.STATEVISOR_SECRET, watch: true, logger }));
    parts.store = store;
    parts.simulator = config.upstreamUrl ? undefined : await createSimulator({ rate: 0.2 });
    if (parts.simulator && config.demo && !node) await seedDemo(store, parts.simulator, logger);
    parts.relay = config.inspect ? await createInspectionRelay({ port: config.inspectPort }) : undefined;
    const url = config.upstreamUrl ?? parts.simulator!.url;
    const supervisor = createSupervisor({
      worker: websocketSession({
        url,
        onMessage: loggedKeywordReplies(),
        ...(config.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: config.heartbeatIntervalMs } : {}),
        ...(node ? { canSend: node.canSend } : {}),
      }),
      store,
      logger,
      cancelTimeoutMs: config.cancelTimeoutMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      ...(config.restart ? { restart: config.restart } : {}),
      ...(parts.relay ? { inspect: parts.relay.inspect } : {}),
    });
    // Cluster mode: the API shows the whole cluster and commits commands for accounts other nodes run.
    const clusterView = node ? clusterSupervisor(supervisor, node, systemClock, 1_000, (e) =>
          logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'cluster: reading the published statuses failed; showing the last ones'),
        ) : undefined;
    parts.clusterView = clusterView;
    const apiSupervisor = clusterView ?? supervisor;
    const api = await createControlApi({
      supervisor: apiSupervisor,
      host: config.api.host,
      port: config.api.port,
      ...(config.api.token ? { token: config.api.token } : { dataDir: path.dirname(config.dataFile) }),
      logger,
      writeLatency: store.writeLatency,
      ...(node ? { cluster: () => node.info() } : {}),
    });
    parts.api = api;
    if (api.createdToken) io.stderr.write(`statevisor: generated the control API token (saved in ${api.tokenFile}, shown once): ${api.createdToken}\n`);
    await supervisor.start();
    if (node) await node.start(supervisor, (e) => logger.fatal({ err: e }, e.message));
    logger.info({ dataFile: config.dataFile, upstream: url, api: api.url, inspector: parts.relay?.pageUrl, accounts: supervisor.list().length }, `statevisor running${parts.simulator ? ' against the bundled simulator' : ''}`);
    return running(supervisor, { ...parts, api }, logger, config);
  } catch (err) {
    await closeParts(parts);
    throw err;
  }
}

function running(supervisor: Supervisor, parts: Parts & { api: ControlApi }, logger: Logger, config: DaemonConfig): RunningDaemon {
  let stopping: Promise<ShutdownStats> | undefined;
  const stop = async () => {
    // Cluster mode: hand every shard off first (its accounts stop, then the lease is released), so successors start at once.
    await parts.node?.drain(config.shutdownTimeoutMs);
    const stats = await supervisor.shutdown({ timeoutMs: config.shutdownTimeoutMs });
    await closeParts({ ...parts, store: undefined });
    const { error, ...counts } = stats;
    logger.info(counts, `statevisor stopped in ${stats.durationMs} ms${stats.forced ? `, ${stats.forced} forced` : ''}`);
    if (error) logger.fatal({ err: error }, error.message);
    return stats;
  };
  return { supervisor, api: parts.api, simulator: parts.simulator, relay: parts.relay, logger, stop: () => (stopping ??= stop()) };
}

// Each close is bounded by its own component (API 5 s, simulator and relay a few hundred ms).
async function closeParts(parts: Parts): Promise<void> {
  parts.clusterView?.close();
  await parts.api?.close();
  await parts.relay?.close();
  await parts.simulator?.close();
  await parts.store?.close();
  await parts.node?.close();
}

async function seedDemo(store: AccountStore, simulator: Simulator, logger: Logger): Promise<void> {
  if ((await store.loadAll()).length === 0) {
    for (const account of demoAccounts()) await store.put(account);
    logger.info('empty store: seeded three demo accounts (healthy, rejected credentials, flaky connection)');
  }
  armDemoFaults(simulator);
}

/** Pretty lines on a terminal, JSON lines otherwise; credentials censored either way. */
function daemonLogger(config: DaemonConfig, stdout: DaemonIo['stdout']): Logger {
  const options = { name: 'statevisor', level: config.logLevel, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
  if (!stdout.isTTY) return pino(options, stdout);
  return pino(options, pretty({ destination: stdout, colorize: true, ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss.l', sync: true }));
}
