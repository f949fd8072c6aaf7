/**
 * The simulator as its own process:
 *
 * ```sh
 * node --import tsx src/simulator/main.ts --port 8787 --rate 0.5
 * # stdout: {"listening":"ws://127.0.0.1:8787/"}
 * ```
 *
 * Flags: `--port` (default 0 = ephemeral), `--host` (default 127.0.0.1; a non-loopback host
 * also needs `--allow-remote`), `--rate` (pushed messages per second per session, default 0), `--idle-timeout-ms` (close
 * a connection silent for that long with 4008; default 0 = off).
 * SIGTERM / SIGINT close it cleanly (exit code 0).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createSimulator, type Simulator } from './simulator.js';
import { isLoopback, type SimulatorOptions } from './options.js';

/** A simulator started by {@link runSimulatorProcess}. @example `await running.stop();` */
export interface RunningSimulator {
  simulator: Simulator;
  /** Closes the simulator and removes the signal handlers. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Parses `--port`, `--host`, `--rate`, `--allow-remote` into simulator options; throws a
 * `RangeError` naming a bad flag.
 *
 * @example
 * ```ts
 * parseSimulatorArgs(['--port', '8787']); // { port: 8787, host: '127.0.0.1', rate: 0, allowRemote: false }
 * ```
 */
export function parseSimulatorArgs(argv: readonly string[]): SimulatorOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      rate: { type: 'string', default: '0' },
      'idle-timeout-ms': { type: 'string', default: '0' },
      'allow-remote': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`--port must be an integer 0–65535, got "${values.port}"`);
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`--rate must be a number ≥ 0, got "${values.rate}"`);
  const idleTimeoutMs = Number(values['idle-timeout-ms']);
  if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 0) throw new RangeError(`--idle-timeout-ms must be an integer ≥ 0 (0 = off), got "${values['idle-timeout-ms']}"`);
  if (!isLoopback(values.host) && !values['allow-remote']) {
    throw new RangeError(`--host ${values.host} is not loopback and the control endpoint is unauthenticated; add --allow-remote to do it anyway`);
  }
  return { port, host: values.host, rate, allowRemote: values['allow-remote'], ...(idleTimeoutMs > 0 ? { idleTimeoutMs } : {}) };
}

/**
 * Starts a simulator from command-line flags, prints `{"listening":"ws://HOST:PORT/"}` on one
 * stdout line once it listens, and closes it on SIGTERM or SIGINT.
 *
 * @example
 * ```ts
 * const running = await runSimulatorProcess(['--port', '0', '--rate', '1']);
 * await running.stop();
 * ```
 */
export async function runSimulatorProcess(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<RunningSimulator> {
  const simulator = await createSimulator(parseSimulatorArgs(argv));
  let stopping: Promise<void> | undefined;
  const onSignal = (): void => {
    stop().catch((e: unknown) => process.stderr.write(`simulator: close failed: ${String(e)}\n`));
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      await simulator.close();
    })());
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  out.write(`${JSON.stringify({ listening: simulator.url })}\n`);
  return { simulator, stop };
}

/**
 * Entry point: runs {@link runSimulatorProcess} on `process.argv`; on a startup error prints it
 * to stderr and sets exit code 2. Never rejects.
 *
 * @example
 * ```ts
 * await main(); // as done when this file is run directly
 * ```
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    await runSimulatorProcess(argv);
  } catch (e) {
    process.stderr.write(`simulator: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // main() never rejects; once the simulator is closed nothing keeps the process alive.
  void main();
}
