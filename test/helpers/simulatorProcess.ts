/**
 * The bundled simulator as its own process, as a platform would be: `src/simulator/main.ts` under
 * tsx, with its flags. Used where both ends in one process would distort what is measured (the
 * platform's event loop shared with the supervisor's) or exceed the file-descriptor limit (10,000
 * sessions hold 20,000 sockets when both ends live in one process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createSimulatorClient, type SimulatorClient } from '../../src/simulator/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A running simulator process: its WebSocket URL, a client of its control endpoint, and `stop()`. */
export interface SimulatorProcess {
  url: string;
  client: SimulatorClient;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Spawns the simulator with `args` (for example `['--rate', '0']`; `--port 0` is added) and
 * resolves once it printed its listening line, within `timeoutMs`.
 *
 * @example
 * ```ts
 * const sim = await startSimulatorProcess(['--rate', '0']);
 * try { console.log((await sim.client.stats()).totalConnections); } finally { await sim.stop(); }
 * ```
 */
export function startSimulatorProcess(args: string[] = [], timeoutMs = 15_000): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (error: Error) => {
      clearTimeout(timer);
      lines.close();
      void stop().then(() => reject(error));
    };
    const timer = setTimeout(() => fail(new Error(`the simulator printed no listening line within ${timeoutMs} ms`)), timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      const url = (JSON.parse(line) as { listening: string }).listening;
      resolve({ url, client: createSimulatorClient(url), child, stop });
    });
    child.once('exit', (code) => fail(new Error(`the simulator exited early with ${code}`)));
  });
}
