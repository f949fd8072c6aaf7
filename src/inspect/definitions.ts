import type { AnyStateMachine } from 'xstate';
import { accountTaskMachine } from '../machines/accountTask.js';
import { supervisorMachine } from '../machines/supervisor.js';

/** A machine's definition as JSON: what `machine.toJSON()` gives (state ids, transitions, invokes, delays). */
export type MachineDefinition = Record<string, unknown>;

/** The machines statevisor runs, by name. */
export const MACHINES: Readonly<Record<'supervisor' | 'accountTask', AnyStateMachine>> = Object.freeze({
  supervisor: supervisorMachine,
  accountTask: accountTaskMachine,
});

/**
 * The JSON definition of one machine: `machine.toJSON()` made plain (state nodes become their
 * ids, functions their names), ready for `JSON.stringify` or the Stately visualizer.
 *
 * @example
 * ```ts
 * Object.keys(machineDefinition(accountTaskMachine).states as object); // ['loading', 'running', …]
 * ```
 */
export function machineDefinition(machine: AnyStateMachine): MachineDefinition {
  return JSON.parse(JSON.stringify(machine, (_key, value: unknown) => (typeof value === 'function' ? { type: value.name } : value))) as MachineDefinition;
}

/**
 * The definitions of `supervisorMachine` and `accountTaskMachine`, by name (what
 * `statevisor machines --json` prints).
 *
 * @example
 * ```ts
 * const { supervisor, accountTask } = machineDefinitions();
 * ```
 */
export function machineDefinitions(): Record<keyof typeof MACHINES, MachineDefinition> {
  return { supervisor: machineDefinition(MACHINES.supervisor), accountTask: machineDefinition(MACHINES.accountTask) };
}
