import type { AnyStateMachine } from 'xstate';
import { accountTaskMachine } from '../machines/accountTask.js';
import { supervisorMachine } from '../machines/supervisor.js';

/**
 * A machine's definition as JSON: its config (what was passed to `createMachine`/`setup().createMachine`),
 * with implementations referred to by name. `createMachine(definition)` loads it back with the
 * same states and transitions; the named actions, guards, actors and delays are then to be
 * provided (`machine.provide(…)`) before it can run.
 */
export type MachineDefinition = Record<string, unknown>;

/** The machines statevisor runs, by name. */
export const MACHINES: Readonly<Record<'supervisor' | 'accountTask', AnyStateMachine>> = Object.freeze({
  supervisor: supervisorMachine,
  accountTask: accountTaskMachine,
});

/**
 * Keys whose function values compute data at run time (initial context, an invoke's input, the
 * machine's output): no name stands for them, so the definition leaves them out.
 */
const DATA_FUNCTION_KEYS = new Set(['context', 'input', 'output']);

/**
 * The JSON definition of one machine: its config as plain JSON, loadable with `createMachine()`.
 *
 * Why the config and not `machine.toJSON()`: `toJSON()` describes the resolved state nodes
 * (absolute ids in `initial.target`, a `toJSON` function on every transition), which
 * `createMachine()` cannot load back ("Initial state node … not found"). Here an inline action or
 * guard function becomes `{ type: <its name> }` (as @statelyai/inspect shows it), and the
 * functions under `context`, `input` and `output` are left out.
 *
 * @example
 * ```ts
 * const loaded = createMachine(machineDefinition(accountTaskMachine) as never);
 * Object.keys(loaded.root.states); // ['loading', 'running', 'cancelling', 'failed', 'cleaned']
 * ```
 */
export function machineDefinition(machine: AnyStateMachine): MachineDefinition {
  return plain(machine.config) as MachineDefinition;
}

function plain(value: unknown): unknown {
  if (typeof value === 'function') return { type: (value as { name?: string }).name || 'inline' };
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || (typeof item === 'function' && DATA_FUNCTION_KEYS.has(key))) continue;
    out[key] = plain(item);
  }
  return out;
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
