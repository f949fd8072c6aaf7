/**
 * @internal The entry of a worker thread of `runInThreads()`: runs one part of the fleet and posts
 * `{ progress }` after each simulated hour, then `{ ok: true, record }` or `{ ok: false, error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FleetPart, FleetSimulationOptions } from './fleetSimulation.js';
import { runPart } from './runPart.js';

const { options, part } = workerData as { options: FleetSimulationOptions; part: FleetPart };
const port = parentPort!;
runPart(options, part, (atMs) => port.postMessage({ progress: atMs })).then(
  (record) => port.postMessage({ ok: true, record }),
  (error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ ok: false, error: { name: e.name, message: e.message, code: (e as { code?: unknown }).code, stack: e.stack } });
  },
);
