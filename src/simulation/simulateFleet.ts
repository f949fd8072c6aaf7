/**
 * `simulateFleet()`: the real supervisor (its machines, runtime, restart decisions, memory store
 * and job runner) run against a simulated platform on a virtual clock. No real timer, socket or
 * file is touched; quiet simulated hours cost almost nothing, each restart about a third of a millisecond
 * of CPU (bench/simulation.ts), and the same inputs always give the same run, down to the trace hash.
 */
import { systemClock, type Clock } from '../clock/clock.js';
import { createFleetSimulation, type FleetSimulationOptions } from './fleetSimulation.js';
import type { FleetReport } from './report.js';

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
}

const HOUR_MS = 3_600_000;

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
  const sim = createFleetSimulation(options, options.realTime ? realClockFromNow() : undefined);
  const { supervisor, recorder } = sim;
  recorder.command('start', sim.accountIds.length);
  if (options.realTime) {
    await supervisor.start();
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, options.durationMs - sim.now())));
    recorder.command('shutdown');
    await supervisor.shutdown();
  } else {
    await sim.settle(supervisor.start(), 'the supervisor to start');
    for (let at = HOUR_MS; ; at += HOUR_MS) {
      const until = Math.min(at, options.durationMs);
      await sim.clock.runUntil(until);
      options.onProgress?.(until);
      if (until >= options.durationMs) break;
    }
    recorder.command('shutdown');
    await sim.settle(supervisor.shutdown(), 'the supervisor to shut down');
  }
  const used = process.cpuUsage(cpu);
  return sim.report({ wallMs: Math.round(performance.now() - started), cpuMs: Math.round((used.user + used.system) / 1000) });
}

/** The system clock, with `now()` counted from this call, so times in the report are from the start. */
function realClockFromNow(): Clock {
  const start = systemClock.now();
  return { now: () => systemClock.now() - start, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms), clearTimeout: (handle) => systemClock.clearTimeout(handle) };
}
