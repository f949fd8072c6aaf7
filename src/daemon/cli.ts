import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { StatevisorError } from '../errors.js';
import { registerOperatorCommands } from '../cli/index.js';
import { main as simulatorMain } from '../simulator/index.js';
import { ConfigError, loadConfig } from './config.js';
import { startDaemon, type RunningDaemon } from './daemon.js';

/** Exit codes of `statevisor start`. */
export const EXIT = Object.freeze({ ok: 0, forced: 1, fatal: 1, config: 2, interrupted: 130 });

/** What the CLI runs against; `process` in production, fakes or a child process in tests. */
export interface CliProcess {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  exit(code: number): void;
  on(event: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'uncaughtException' | 'unhandledRejection', listener: (arg?: unknown) => void): void;
}

/**
 * Builds the `statevisor` program: `start` (the daemon) and `simulate` (the bundled platform
 * simulator as its own process).
 */
export function buildProgram(proc: CliProcess): Command {
  const program = new Command('statevisor').description('A supervisor for long-lived per-account tasks, built on XState.');
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => proc.stdout.write(s), writeErr: (s) => proc.stderr.write(s) });
  program.version(packageVersion(), '-V, --version', 'print the statevisor version');
  // An operator command piped into `head` gets EPIPE once head exits: that is the reader saying
  // "enough", not an error. The daemon (`start`) keeps the default: its logs must not vanish quietly.
  program.hook('preAction', (_program, actionCommand) => {
    if (actionCommand.name() !== 'start') quietOnEpipe(proc);
  });
  program
    .command('start')
    .description('run the daemon (configuration: statevisor.config.json < environment < flags)')
    .option('--config <file>', 'configuration file (default ./statevisor.config.json)')
    .option('--data-file <file>', 'lowdb data file (default ./data/statevisor.json)')
    .option('--upstream <url>', 'platform WebSocket URL (default: the bundled simulator on loopback)')
    .option('--restart <json>', 'restart policy as JSON, any subset', parseJson)
    .option('--shutdown-timeout <ms>', 'graceful shutdown deadline (default 10000)', parseInteger)
    .option('--cancel-timeout <ms>', 'per-task cancel deadline (default 5000)', parseInteger)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)')
    .option('--api-host <host>', 'control API host (default 127.0.0.1)')
    .option('--api-port <port>', 'control API port (default 7070)', parseInteger)
    .option('--inspect', 'relay XState inspection events to the Stately inspector')
    .option('--inspect-port <port>', 'inspection relay port on 127.0.0.1 (default 7071)', parseInteger)
    .option('--no-demo', 'do not seed demo accounts into an empty store')
    .option('--skip-invalid', 'open a data file with invalid records: skip them (each is logged) and keep them in the file unchanged')
    .option('--database-url <url>', 'cluster mode: PostgreSQL URL instead of the data file (env STATEVISOR_DATABASE_URL)')
    .option('--node-id <id>', 'cluster mode: this node\'s id (default <hostname>-<pid>)')
    .option('--lease-ms <ms>', 'cluster mode: shard lease length (default 15000)', parseInteger)
    .option('--renew-ms <ms>', 'cluster mode: lease renewal interval (default 5000)', parseInteger)
    .option('--handover-margin-ms <ms>', 'cluster mode: wait before taking over after an unclean loss (default 20000)', parseInteger)
    .option('--reconcile-ms <ms>', 'cluster mode: full re-read of the accounts table, in case a notification was lost (default 30000)', parseInteger)
    .option('--database-schema <name>', 'cluster mode: PostgreSQL schema (default statevisor)')
    .option('--heartbeat-interval-ms <ms>', 'session heartbeat interval, below the platform idle timeout (default 15000)', parseInteger)
    .option('--starts-per-second <n>', 'admission control: account starts per second, 0 = off (default 50)', Number)
    .option('--start-burst <n>', 'admission control: most starts within any one second (default 50)', parseInteger)
    .option('--max-starting <n>', 'admission control: most tasks starting at once (default 200)', parseInteger)
    .option('--shards <n>', 'cluster mode: number of shards, the same on every node (default 256)', parseInteger)
    .action(async (opts: Record<string, unknown>) => runStart(proc, opts));
  registerOperatorCommands(program, { env: proc.env, cwd: proc.cwd, stdout: proc.stdout, stderr: proc.stderr, exit: (code) => proc.exit(code) });
  program
    .command('simulate')
    .description('run the bundled platform simulator as its own process')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (_opts: unknown, cmd: Command) => simulatorMain(cmd.args));
  return program;
}

async function runStart(proc: CliProcess, opts: Record<string, unknown>): Promise<void> {
  // An empty STATEVISOR_SECRET means "not set", not "encrypt with the empty key".
  const env = proc.env.STATEVISOR_SECRET === '' ? { ...proc.env, STATEVISOR_SECRET: undefined } : proc.env;
  // Listening from the start: a signal that lands while the daemon starts (or just as it logs
  // "running") is acted on once it runs, instead of killing it with its lock still on disk.
  const signals = signalRouter(proc);
  let daemon: RunningDaemon;
  try {
    const configFile = typeof opts.config === 'string' ? { configFile: opts.config } : {};
    const config = loadConfig({ cwd: proc.cwd, env, ...configFile, flags: startFlags(opts) });
    daemon = await startDaemon(config, { stdout: proc.stdout, stderr: proc.stderr, env });
  } catch (err) {
    proc.stderr.write(`statevisor: ${err instanceof Error ? err.message : String(err)}\n`);
    return proc.exit(err instanceof ConfigError ? EXIT.config : errorExit(err));
  }
  handleSignals(proc, daemon, signals);
}

function startFlags(opts: Record<string, unknown>): Record<string, unknown> {
  return {
    dataFile: opts.dataFile,
    upstreamUrl: opts.upstream,
    restart: opts.restart,
    shutdownTimeoutMs: opts.shutdownTimeout,
    cancelTimeoutMs: opts.cancelTimeout,
    logLevel: opts.logLevel,
    'api.host': opts.apiHost,
    'api.port': opts.apiPort,
    inspect: opts.inspect,
    inspectPort: opts.inspectPort,
    'database.url': opts.databaseUrl,
    nodeId: opts.nodeId,
    'database.schema': opts.databaseSchema,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    'cluster.leaseMs': opts.leaseMs,
    'cluster.renewMs': opts.renewMs,
    'cluster.handoverMarginMs': opts.handoverMarginMs,
    'cluster.shards': opts.shards,
    'cluster.reconcileMs': opts.reconcileMs,
    'admission.startsPerSecond': opts.startsPerSecond,
    'admission.burst': opts.startBurst,
    'admission.maxStarting': opts.maxStarting,
    // commander sets demo: true unless --no-demo; only the explicit flag overrides lower layers.
    demo: opts.demo === false ? false : undefined,
    skipInvalid: opts.skipInvalid === true ? true : undefined,
  };
}

/**
 * SIGINT/SIGTERM: graceful shutdown, exit 0 when nothing was forced, 1 otherwise. A second SIGINT
 * exits at once with 130. SIGHUP: reload (re-read the data file and reconcile, as `POST
 * /v1/reload`; systemd's `ExecReload=kill -HUP $MAINPID`); the configuration is not re-read. An
 * uncaught error is logged as fatal, then the same bounded shutdown, exit 1.
 */
function handleSignals(proc: CliProcess, daemon: RunningDaemon, signals: SignalRouter): void {
  let interrupts = 0;
  const stop = (reason: string, fatal: boolean) => {
    daemon.logger.info(`${reason}: shutting down`);
    void daemon.stop().then(
      (stats) => proc.exit(fatal || stats.error ? EXIT.fatal : stats.forced > 0 ? EXIT.forced : EXIT.ok),
      () => proc.exit(EXIT.fatal),
    );
  };
  signals.attach((signal) => {
    if (signal === 'SIGHUP') return reloadOnHangup(daemon);
    if (signal === 'SIGINT' && ++interrupts > 1) return proc.exit(EXIT.interrupted);
    stop(signal, false);
  });
  const fatal = (err: unknown) => {
    daemon.logger.fatal({ err }, 'uncaught error');
    stop('fatal error', true);
  };
  proc.on('uncaughtException', fatal);
  proc.on('unhandledRejection', fatal);
  void daemon.supervisor.done.then((stats) => {
    if (stats.error) stop('escalation', true);
  });
}

type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
type SignalRouter = { attach(handler: (signal: Signal) => void): void };

/** Listens for SIGINT, SIGTERM and SIGHUP at once; holds them until a handler is attached. Two SIGINTs before that exit with 130. */
function signalRouter(proc: CliProcess): SignalRouter {
  let handler: ((signal: Signal) => void) | undefined;
  const held: Signal[] = [];
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    proc.on(signal, () => {
      if (handler) return handler(signal);
      if (signal === 'SIGINT' && held.includes('SIGINT')) return proc.exit(EXIT.interrupted);
      held.push(signal);
    });
  }
  return {
    attach: (h) => {
      handler = h;
      for (const signal of held.splice(0)) h(signal);
    },
  };
}

function reloadOnHangup(daemon: RunningDaemon): void {
  daemon.logger.info('SIGHUP: reloading the data file');
  daemon.supervisor.reload().then(
    (r) => daemon.logger.info({ added: r.added.length, removed: r.removed.length, changed: r.changed.length, unchanged: r.unchanged, invalid: r.invalid.length }, 'SIGHUP: reload done'),
    (err: unknown) => daemon.logger.error({ err }, 'SIGHUP: reload failed; the accounts run as before'),
  );
}

function quietOnEpipe(proc: CliProcess): void {
  for (const stream of [proc.stdout, proc.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') proc.exit(0);
      else throw err;
    });
  }
}

function packageVersion(): string {
  // src/daemon/cli.ts and dist/daemon/cli.js both sit two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
/** Bad configuration and a cluster that cannot be joined as configured (no database, taken node id) exit 2. */
const CONFIG_CODES = new Set(['CONFIG_INVALID', 'DATABASE_UNAVAILABLE', 'DUPLICATE_NODE_ID', 'STORE_VERSION_TOO_NEW']);

function errorExit(err: unknown): number {
  return (err instanceof StatevisorError && CONFIG_CODES.has(err.code)) || err instanceof RangeError ? EXIT.config : EXIT.fatal;
}

function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number.');
  return n;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InvalidArgumentError('must be JSON.');
  }
}
