/**
 * The platform simulator: a fake remote platform for demos and tests. See src/protocol/PROTOCOL.md.
 *
 * @example
 * ```ts
 * import { createSimulator } from 'statevisor';
 * const sim = await createSimulator();
 * ```
 */
export { createSimulator, type Simulator } from './simulator.js';
export { createSimulatorClient, applyCommand, controlCommandSchema, type ControlCommand, type SimulatorClient } from './control.js';
export { defaultAuth, isLoopback, DEFAULT_TEXTS, type SimulatorOptions, type AuthPolicy, type AuthVerdict, type Violation } from './options.js';
export type { ReplyRecord, AccountStats, SimulatorStats } from './ledger.js';
export type { SimulatorEvents } from './events.js';
export type { DropMode } from './faults.js';
export { runSimulatorProcess, parseSimulatorArgs, main, type RunningSimulator } from './main.js';
