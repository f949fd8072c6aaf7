/**
 * `simulateFleet()`: the real supervisor (its machines, runtime, restart decisions, memory store
 * and job runner) run against a simulated platform on a virtual clock. No real timer, socket or
 * file is touched; quiet simulated hours cost almost nothing, each restart about a quarter of a
 * millisecond of CPU (bench/simulation.ts), and the same inputs always give the same run, down to
 * the trace hash, in one thread or several (`runInThreads.ts`).
 */
import { availableParallelism } from 'node:os';
import { systemClock, type Clock } from '../clock/clock.js';
import { SimulationInputError } from './errors.js';
import { createFleetSimulation, reportOf, resolveFleet, type FleetSimulationOptions, type ResolvedFleet } from './fleetSimulation.js';
import type { FleetReport } from './report.js';
import { runInThreads } from './runInThreads.js';
import { runPart } from './runPart.js';

/** What to simulate: a fleet, a policy, a platform and a duration. */
export interface SimulateFleetOptions extends FleetSimulationOptions {
  /** Called after each simulated hour with the simulated time reached. */
  onProgress?: (atMs: number) => void;
  /**
   * Run on the real clock instead (`durationMs` of real time), to check the simulation against
   * real time: the same platform schedule and supervisor, with timers that really wait. For small
   * fleets and short, scaled-down runs only.
   */
  realTime?: boolean;
  /**
   * Worker threads to run the fleet on, each supervising every n-th account with a supervisor of
   * its own; the report, trace included, is the same for any number. Default: one per core, at
   * most 4, for fleets of 2,000 accounts or more; otherwise 1. Always 1 with `realTime` and when
   * the policy (or an account's) escalates: an escalation stops the whole supervisor, which parts
   * cannot share (an explicit number above 1 is then refused).
   */
  threads?: number;
}

/** Fleets smaller than this run in one thread by default: starting a thread costs more than it saves. */
const THREADS_FROM_ACCOUNTS = 2_000;
const MAX_DEFAULT_THREADS = 4;

/**
 * Runs a whole fleet under the real supervisor on a virtual clock and reports what happened.
 *
 * @example
 * ```ts
 * const report = await simulateFleet({
 *   seed: 7,
 *   accounts: 10_000,
 *   durationMs: 24 * 3_600_000,
 *   policy: { intensity: { maxRestarts: 22, withinMs: 900_000 } },
 *   platform: { outages: [{ atMs: 2 * 3_600_000, durationMs: 300_000 }], crashesPerHour: 0.01 },
 * });
 * console.log(report.trace, report.restarts.p99, report.suspended.total, report.outages[0]?.allBackAfterMs);
 * ```
 */
export async function simulateFleet(options: SimulateFleetOptions): Promise<FleetReport> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (options.realTime) {
    const sim = createFleetSimulation(options, realClockFromNow());
    const { supervisor, recorder } = sim;
    recorder.command('start', sim.accountIds.length);
    await supervisor.start();
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, options.durationMs - sim.now())));
    recorder.command('shutdown');
    await supervisor.shutdown();
    const used = process.cpuUsage(cpu);
    return sim.report({ wallMs: Math.round(performance.now() - started), cpuMs: Math.round((used.user + used.system) / 1000) });
  }
  const fleet = resolveFleet(options);
  const threads = threadsFor(options, fleet);
  const { onProgress, realTime: _realTime, threads: _threads, ...plain } = options;
  const records = threads === 1 ? [await runPart(plain, undefined, onProgress)] : await runInThreads(plain, threads, onProgress);
  // The CPU time of the process: every thread's.
  const used = process.cpuUsage(cpu);
  return reportOf(options, fleet, records, { wallMs: Math.round(performance.now() - started), cpuMs: Math.round((used.user + used.system) / 1000) });
}

function threadsFor(options: SimulateFleetOptions, fleet: ResolvedFleet): number {
  const escalates = fleet.policy.onIntensityExceeded === 'escalate' || fleet.accounts.some((a) => a.restart?.onIntensityExceeded === 'escalate');
  if (options.threads !== undefined) {
    if (!Number.isSafeInteger(options.threads) || options.threads < 1) throw new SimulationInputError('threads', `must be a whole number of at least 1 (got ${String(options.threads)})`);
    if (options.threads > 1 && escalates) {
      throw new SimulationInputError('threads', `cannot be ${options.threads}: the policy escalates (onIntensityExceeded: 'escalate'), which stops the whole supervisor; run it in one thread`);
    }
    return Math.min(options.threads, fleet.accounts.length);
  }
  if (escalates || fleet.accounts.length < THREADS_FROM_ACCOUNTS) return 1;
  return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_THREADS));
}

/** The system clock, with `now()` counted from this call, so times in the report are from the start. */
function realClockFromNow(): Clock {
  const start = systemClock.now();
  return { now: () => systemClock.now() - start, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms), clearTimeout: (handle) => systemClock.clearTimeout(handle) };
}
