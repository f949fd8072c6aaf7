/**
 * Whole-fleet simulation: the real supervisor on a virtual clock against a seeded platform model.
 * `simulateFleet()` answers "what would my restart policy do to my fleet?" far faster than real
 * time (the cost follows the restarts, about a third of a millisecond of CPU each, see bench/simulation.ts), and every run
 * replays exactly from its seed. `statevisor what-if` is its command line.
 *
 * @example
 * ```ts
 * import { simulateFleet } from 'statevisor';
 * const report = await simulateFleet({ seed: 7, accounts: 1_000, durationMs: 86_400_000, platform: { outages: [{ atMs: 7_200_000, durationMs: 300_000 }] } });
 * ```
 * @packageDocumentation
 */
export { simulateFleet, type SimulateFleetOptions } from './simulateFleet.js';
export { createFleetSimulation, type FleetSimulation, type FleetSimulationOptions } from './fleetSimulation.js';
export { PLATFORM_DEFAULTS, resolvePlatformModel, SimulatedPlatform, type Outage, type PlatformModel, type PlatformModelInput } from './platform.js';
export type { FleetReport, OutageReport, SuspensionGroup } from './report.js';
export type { Decision, Suspension } from './recorder.js';
export { VirtualClock, VirtualTimer } from './virtualClock.js';
export { runUntilSettled } from './drive.js';
export { randomStream, type Random } from './random.js';
export { TraceHash } from './traceHash.js';
export { fleetChartSvg } from './chart.js';
export { SimulationInputError, SimulationStalledError } from './errors.js';
