import { StatevisorError } from '../errors.js';

/**
 * A simulation (or `statevisor what-if`) was given input it cannot run: names the field or flag,
 * what was wrong, and what to give instead. Nothing ran.
 *
 * @example
 * ```ts
 * try { await simulateFleet({ seed: 1, accounts: 0, durationMs: 1_000 }); }
 * catch (e) { if (e instanceof SimulationInputError) console.error(e.field, e.message); }
 * ```
 */
export class SimulationInputError extends StatevisorError {
  constructor(
    /** The option or flag at fault, for example `--outage` or `platform.outages[1]`. */
    readonly field: string,
    reason: string,
  ) {
    super('SIMULATION_INPUT_INVALID', `Invalid simulation input: ${field} ${reason}. Nothing was run.`, { retryable: false });
  }
}

/**
 * The simulation waited for something that can never happen: nothing was pending on the virtual
 * clock, so no timer could ever settle what it was waiting for. In a supervisor this is a hang.
 */
export class SimulationStalledError extends StatevisorError {
  constructor(what: string, atMs: number) {
    super('SIMULATION_STALLED', `The simulation stalled at ${atMs} ms waiting for ${what}: no timer is pending, so it can never settle.`);
  }
}
