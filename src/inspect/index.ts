/**
 * XState inspection for statevisor: a loopback relay of inspection events in @statelyai/inspect's
 * wire format, the machines' JSON definitions, and Mermaid diagrams of them.
 *
 * @example
 * ```ts
 * import { createInspectionRelay, createSupervisor } from 'statevisor';
 * const relay = await createInspectionRelay();
 * const supervisor = createSupervisor({ worker, inspect: relay.inspect });
 * ```
 * @packageDocumentation
 */
export {
  createInspectionRelay,
  INSPECTION_RELAY_DEFAULTS,
  InspectorInsecureBindError,
  type InspectionRelay,
  type InspectionRelayOptions,
  type InspectionRelayStats,
} from './relay.js';
export { STATELY_INSPECT_VERSION, type StatelyEvent } from './statelyEvents.js';
export { MASK, SECRET_KEY_PATTERN, scrubReplacer, toSafeJson } from './scrub.js';
export { machineDefinition, machineDefinitions, MACHINES, type MachineDefinition } from './definitions.js';
export { toMermaid } from './mermaid.js';
export { inspectAsChildrenOf, type InspectObserver } from './supervisionTree.js';
