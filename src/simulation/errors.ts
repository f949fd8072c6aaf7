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

/**
 * A part of a fleet simulated in worker threads failed (its run threw, or its thread died): names
 * the part and keeps its error as `cause`. The other parts were stopped; nothing is reported.
 *
 * @example
 * ```ts
 * try { await simulateFleet({ seed: 7, accounts: 10_000, durationMs: 86_400_000, threads: 2 }); }
 * catch (e) { if (e instanceof SimulationThreadError) console.error(e.part, e.cause); }
 * ```
 */
export class SimulationThreadError extends StatevisorError {
  constructor(
    /** Which part (thread) failed, from 0. */
    readonly part: number,
    threads: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'SIMULATION_THREAD_FAILED',
      `The simulation's thread ${part + 1} of ${threads} failed: ${reason}. The other threads were stopped. Run it in one thread (--threads 1, or threads: 1) to see the failure where it happens.`,
      { cause },
    );
  }
}
