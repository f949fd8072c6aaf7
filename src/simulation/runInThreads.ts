/**
 * A fleet simulation split over worker threads: thread `k` of `n` supervises every account whose
 * index modulo `n` is `k`, with its own supervisor, virtual clock and copy of the platform's
 * schedule, and the parts' records merge into the record of the whole fleet (`mergeRuns()`).
 *
 * Why this gives the same run as one thread: nothing couples two accounts in a simulated fleet
 * but the supervisor itself, and what it decides for an account depends on that account's own
 * history only. Every account draws its faults, connect times and backoff jitter from streams of
 * its own, keyed by its index in the whole fleet, and the trace hashes each account's steps
 * apart. The exception is `onIntensityExceeded: 'escalate'`, where one account's escalation stops
 * the whole supervisor; `simulateFleet()` runs such a fleet in one thread. Tested: one and two
 * threads give the same report, trace included (test/simulation/threads.test.ts).
 *
 * Why threads at all: a simulated restart costs about 250 µs of CPU, mostly XState's transitions
 * and their garbage, and the README's 10,000-account day has 353,230 restarts. Two 5,000-account
 * halves run side by side on this project's 2-core machine in 43–44 s, the whole in 77–81 s
 * (2026-12-04).
 */
import { Worker } from 'node:worker_threads';
import type { FleetSimulationOptions, PartRecord } from './fleetSimulation.js';
import { SimulationThreadError } from './errors.js';

type PartMessage = { progress: number } | { ok: true; record: PartRecord } | { ok: false; error: { name: string; message: string; code?: unknown; stack?: string } };

// The worker's own file: `.js` once built; `.ts` when this runs from source (tests, the bench), where
// the thread first registers tsx's loader (an `--import tsx` in a worker's execArgv is not applied
// to its entry on Node 20).
const fromSource = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(fromSource ? './partWorker.ts' : './partWorker.js', import.meta.url);
const FROM_SOURCE = `
const { workerData } = require('node:worker_threads');
import('tsx/esm/api').then(({ register }) => { register(); return import(workerData.entry); });
`;

/**
 * Runs the fleet of `options` in `threads` worker threads and returns each part's record, in part
 * order. If a part fails, the others are stopped and the promise rejects with
 * `SimulationThreadError` naming the part and its error. `onProgress` gets the virtual time every
 * part has reached, after each simulated hour.
 *
 * @example
 * ```ts
 * const records = await runInThreads({ seed: 7, accounts: 10_000, durationMs: 86_400_000 }, 2);
 * ```
 */
export async function runInThreads(options: FleetSimulationOptions, threads: number, onProgress?: (atMs: number) => void): Promise<PartRecord[]> {
  const workers: Worker[] = [];
  const parts: Promise<PartRecord>[] = [];
  const reached = new Array<number>(threads).fill(0);
  let shown = 0;
  try {
    for (let index = 0; index < threads; index++) {
      const workerData = { options, part: { index, count: threads }, entry: WORKER_URL.href };
      // No flag of this process is passed on (`--cpu-prof`, `--inspect`…): a part runs plain.
      const worker = fromSource ? new Worker(FROM_SOURCE, { eval: true, workerData, execArgv: [] }) : new Worker(WORKER_URL, { workerData, execArgv: [] });
      workers.push(worker);
      parts.push(
        new Promise<PartRecord>((resolve, reject) => {
          worker.on('message', (message: PartMessage) => {
            if (!('progress' in message)) {
              if (message.ok) resolve(message.record);
              else reject(new SimulationThreadError(index, threads, Object.assign(new Error(message.error.message), message.error)));
              return;
            }
            reached[index] = message.progress;
            const all = Math.min(...reached);
            if (all <= shown) return;
            shown = all;
            // The caller's callback: if it throws, the run fails with its error, as in one thread.
            try {
              onProgress?.(all);
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
          worker.on('error', (error) => reject(new SimulationThreadError(index, threads, error)));
          worker.on('exit', (code) => reject(new SimulationThreadError(index, threads, new Error(`the thread exited with code ${code} before it reported`))));
        }),
      );
    }
    return await Promise.all(parts);
  } catch (error) {
    // Parts started before a later one could not be (its options could not be cloned, say) end
    // rejected when they are stopped below; nobody awaits them any more.
    for (const part of parts) part.catch(() => undefined);
    throw error;
  } finally {
    // Every thread is stopped however the run ended; one that already exited resolves at once.
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
