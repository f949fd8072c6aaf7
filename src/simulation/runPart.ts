/**
 * One simulation run on the virtual clock, of the whole fleet or of one part of it: start the
 * supervisor, move the clock hour by hour to the end, shut down, and hand back what was observed.
 */
import { createFleetSimulation, type FleetPart, type FleetSimulationOptions, type PartRecord } from './fleetSimulation.js';

const HOUR_MS = 3_600_000;

/**
 * Runs the fleet (or the accounts of `part`) for `options.durationMs` of virtual time.
 *
 * @example
 * ```ts
 * const { run } = await runPart({ seed: 1, accounts: 100, durationMs: 3_600_000 }, undefined);
 * ```
 */
export async function runPart(options: FleetSimulationOptions, part: FleetPart | undefined, onProgress?: (atMs: number) => void): Promise<PartRecord> {
  const sim = createFleetSimulation(options, undefined, part);
  const { supervisor, recorder } = sim;
  recorder.command('start', sim.accountIds.length);
  await sim.settle(supervisor.start(), 'the supervisor to start');
  for (let at = HOUR_MS; ; at += HOUR_MS) {
    const until = Math.min(at, options.durationMs);
    await sim.clock.runUntil(until);
    onProgress?.(until);
    if (until >= options.durationMs) break;
  }
  recorder.command('shutdown');
  await sim.settle(supervisor.shutdown(), 'the supervisor to shut down');
  return sim.record();
}
