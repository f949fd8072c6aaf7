import path from 'node:path';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { websocketSession } from '../sessions/websocketSession.js';
import { createControlApi, instrumentStore, type ControlApi } from '../api/index.js';
import { ApiListenError } from '../api/errors.js';
import { StatevisorError } from '../errors.js';
import { createSupervisor, type Supervisor } from '../createSupervisor.js';
import { createInspectionRelay, type InspectionRelay } from '../inspect/index.js';
import { escapeControl } from '../logging/escapeControl.js';
import { redactUrl } from '../secrets/redactUrl.js';
import { statevisorLoggerOptions } from '../logging/redaction.js';
import type { AccountStore } from '../persistence/accountStore.js';
import { lowdbStore } from '../persistence/lowdbStore.js';
import { createSimulator, type Simulator } from '../simulator/index.js';
import type { ShutdownStats } from '../supervision/shutdownStats.js';
import type { DaemonConfig } from './config.js';
import { armDemoFaults, demoAccounts } from './demo.js';
import { clusterMetrics, clusterSupervisor, systemClock, type ClusterNode } from '../cluster/index.js';
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

/**
 * The control API's port is taken (or cannot be bound): the message names the flag that changes it.
 *
 * @example
 * ```ts
 * // statevisor: Cannot listen on 127.0.0.1:7070 (EADDRINUSE): the port is in use (another statevisor?).
 * // Choose another port: start with --api-port <port> (or set "api.port" in statevisor.config.json, or STATEVISOR_API_PORT).
 * ```
 */
export class DaemonListenError extends StatevisorError {
  constructor(cause: ApiListenError, setting: { flag: string; key: string; env: string } = API_PORT_SETTING) {
    super(
      'API_LISTEN_FAILED',
      `${cause.message.replace(/\.$/, '')}: start with ${setting.flag} <port> (or set "${setting.key}" in statevisor.config.json, or ${setting.env}).`,
      { cause, retryable: false },
    );
  }
}

const API_PORT_SETTING = { flag: '--api-port', key: 'api.port', env: 'STATEVISOR_API_PORT' };
const INSPECT_PORT_SETTING = { flag: '--inspect-port', key: 'inspectPort', env: 'STATEVISOR_INSPECT_PORT' };

function nameThePortSetting(setting: typeof API_PORT_SETTING): (err: unknown) => never {
  return (err) => {
    throw err instanceof ApiListenError ? new DaemonListenError(err, setting) : err;
  };
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
    const store = instrumentStore(node ? node.store : await lowdbStore({ file: config.dataFile, secret: io.env.STATEVISOR_SECRET, watch: true, skipInvalid: config.skipInvalid, logger }));
    parts.store = store;
    if (!io.env.STATEVISOR_SECRET) {
      logger.warn({ dataFile: config.dataFile }, `credentials are stored in plaintext in ${config.dataFile} (mode 0600, readable only by this user): set STATEVISOR_SECRET to encrypt them`);
    }
    parts.simulator = config.upstreamUrl ? undefined : await createSimulator({ rate: 0.2 });
    if (parts.simulator && config.demo && !node) await seedDemo(store, parts.simulator, logger);
    parts.relay = config.inspect ? await createInspectionRelay({ port: config.inspectPort }).catch(nameThePortSetting(INSPECT_PORT_SETTING)) : undefined;
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
      // The session worker calls ctx.ready() once registered, so a start counts until its login is done.
      ...(config.admission.startsPerSecond > 0 ? { admission: { ...config.admission, holdUntil: 'ready' as const } } : {}),
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
      maxConnections: config.api.maxConnections,
      headersTimeoutMs: config.api.headersTimeoutMs,
      requestTimeoutMs: config.api.requestTimeoutMs,
      ...(node
        ? {
            cluster: () => node.info(),
            // Each node's metrics count only the accounts it runs (summing over nodes gives the cluster).
            metricsSupervisor: supervisor,
            extraMetrics: () => clusterMetrics(node.stats(), config.admission.startsPerSecond > 0 ? config.admission.startsPerSecond : undefined),
          }
        : {}),
    }).catch(nameThePortSetting(API_PORT_SETTING));
    parts.api = api;
    if (api.createdToken) io.stderr.write(`statevisor: generated the control API token (saved in ${api.tokenFile}; \`statevisor token\` shows where it is later): ${api.createdToken}\n`);
    await supervisor.start();
    if (node) await node.start(supervisor, (e) => logger.fatal({ err: e }, e.message));
    logger.info({ dashboard: `${api.url}/ui/` }, `dashboard: ${api.url}/ui/ (sign in with the API token${api.tokenFile ? ` from ${api.tokenFile}` : ''})`);
    logger.info({ dataFile: config.dataFile, upstream: redactUrl(url), api: api.url, inspector: parts.relay?.pageUrl, accounts: supervisor.list().length }, `statevisor running${parts.simulator ? ' against the bundled simulator' : ''}`);
    return running(supervisor, { ...parts, api }, logger, config);
  } catch (err) {
    await closeParts(parts);
    throw err;
  }
}

function running(supervisor: Supervisor, parts: Parts & { api: ControlApi }, logger: Logger, config: DaemonConfig): RunningDaemon {
  let stopping: Promise<ShutdownStats> | undefined;
  const stop = async () => {
    const started = performance.now();
    // Cluster mode: hand every shard off first (its accounts stop, then the lease is released), so successors start at once.
    await parts.node?.drain(config.shutdownTimeoutMs);
    const stats = await supervisor.shutdown({ timeoutMs: config.shutdownTimeoutMs });
    await closeParts({ ...parts, store: undefined });
    const { error, durationMs: supervisorMs, ...counts } = stats;
    // The whole stop, API and simulator included: what the operator waited for.
    const totalMs = Math.round(performance.now() - started);
    logger.info({ ...counts, durationMs: totalMs, supervisorMs }, `statevisor stopped in ${totalMs} ms${stats.forced ? `, ${stats.forced} forced` : ''}`);
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

/**
 * Pretty lines on a terminal, JSON lines otherwise; credentials and URL secrets censored either
 * way. Pretty lines print the message with control characters escaped: a newline inside a
 * customer's message must not start something that looks like a log line of its own.
 *
 * @example
 * ```ts
 * const logger = daemonLogger({ logLevel: 'info' }, process.stdout);
 * ```
 */
export function daemonLogger(config: Pick<DaemonConfig, 'logLevel'>, stdout: DaemonIo['stdout']): Logger {
  const options = statevisorLoggerOptions({ level: config.logLevel });
  if (!stdout.isTTY) return pino(options, stdout);
  return pino(
    options,
    pretty({
      destination: stdout,
      colorize: true,
      ignore: 'pid,hostname,name',
      translateTime: 'HH:MM:ss.l',
      sync: true,
      messageFormat: (log, messageKey) => {
        const message = log[messageKey];
        return escapeControl(typeof message === 'string' ? message : JSON.stringify(message) ?? '');
      },
    }),
  );
}
