/**
 * Helpers for testing code that embeds statevisor, and for statevisor's own tests.
 *
 * @example
 * ```ts
 * import { controllableWorker } from 'statevisor/testing';
 * ```
 */
export { controllableWorker, type ControllableWorker, type WorkerInstance } from './controllableWorker.js';
