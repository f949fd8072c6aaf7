import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { websocketSession } from '../actors/websocketSession.js';
import { createSupervisor, type Supervisor } from '../createSupervisor.js';
import { REDACT_PATHS } from '../logging/redaction.js';
import type { AccountStore } from '../persistence/accountStore.js';
import { lowdbStore } from '../persistence/lowdbStore.js';
import { createSimulator, type Simulator } from '../simulator/index.js';
import type { ShutdownStats } from '../supervision/shutdownStats.js';
import type { DaemonConfig } from './config.js';
import { armDemoFaults, demoAccounts } from './demo.js';
import { loggedKeywordReplies } from './replyLogger.js';

/** A running daemon: its supervisor, the embedded simulator if any, and its stop. */
export interface RunningDaemon {
  readonly supervisor: Supervisor;
  readonly simulator: Simulator | undefined;
  readonly logger: Logger;
  /** Graceful stop within `config.shutdownTimeoutMs`: supervisor (and its store), then the simulator. Idempotent. */
  stop(): Promise<ShutdownStats>;
}

/** What the daemon writes to and reads from, injectable for tests. */
export interface DaemonIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * Starts the daemon: opens the store (taking its lock), starts the bundled simulator when no
 * upstream is configured (seeding three demo accounts into an empty store), and starts the
 * supervisor with the WebSocket session worker.
 *
 * @example
 * ```ts
 * const daemon = await startDaemon(loadConfig({ cwd, env, flags: {} }), { stdout: process.stdout, env: process.env });
 * process.once('SIGTERM', () => void daemon.stop());
 * ```
 */
export async function startDaemon(config: DaemonConfig, io: DaemonIo): Promise<RunningDaemon> {
  const logger = daemonLogger(config, io.stdout);
  const store = await lowdbStore({ file: config.dataFile, secret: io.env.STATEVISOR_SECRET, watch: true, logger });
  let simulator: Simulator | undefined;
  try {
    simulator = config.upstreamUrl ? undefined : await createSimulator({ rate: 0.2 });
    if (simulator && config.demo) await seedDemo(store, simulator, logger);
    const url = config.upstreamUrl ?? simulator!.url;
    const supervisor = createSupervisor({
      worker: websocketSession({ url, onMessage: loggedKeywordReplies() }),
      store,
      logger,
      cancelTimeoutMs: config.cancelTimeoutMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      ...(config.restart ? { restart: config.restart } : {}),
    });
    await supervisor.start();
    logger.info({ dataFile: config.dataFile, upstream: url, accounts: supervisor.list().length }, `statevisor running${simulator ? ' against the bundled simulator' : ''}`);
    return running(supervisor, simulator, logger, config);
  } catch (err) {
    await simulator?.close();
    await store.close();
    throw err;
  }
}

function running(supervisor: Supervisor, simulator: Simulator | undefined, logger: Logger, config: DaemonConfig): RunningDaemon {
  let stopping: Promise<ShutdownStats> | undefined;
  const stop = async () => {
    const stats = await supervisor.shutdown({ timeoutMs: config.shutdownTimeoutMs });
    await simulator?.close();
    const { error, ...counts } = stats;
    logger.info(counts, `statevisor stopped in ${stats.durationMs} ms${stats.forced ? `, ${stats.forced} forced` : ''}`);
    if (error) logger.fatal({ err: error }, error.message);
    return stats;
  };
  return { supervisor, simulator, logger, stop: () => (stopping ??= stop()) };
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
