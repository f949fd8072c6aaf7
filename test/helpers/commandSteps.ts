/**
 * The random command sequences the supervisor's property tests run, and the model they are
 * checked against: shared by the real-time property test (test/supervision/properties.test.ts)
 * and the seeded one on the simulated clock (test/simulation/scenarios.ts).
 */
import fc from 'fast-check';
import type { Supervisor } from '../../src/index.js';
import type { ControllableWorker } from '../../src/testing/index.js';

export const IDS = ['a', 'b', 'c', 'd', 'e'] as const;
export type Id = (typeof IDS)[number];

/** One step of a command sequence. */
export type Step =
  | { kind: 'add'; id: Id; enabled: boolean; concurrent: boolean }
  | { kind: 'update' | 'remove' | 'enable' | 'disable' | 'restart'; id: Id; concurrent: boolean }
  | { kind: 'resolve' | 'ignoreAbort' | 'settleLeaked'; id: Id }
  | { kind: 'reject'; id: Id; retryable: boolean }
  | { kind: 'wait'; ms: number }
  | { kind: 'shutdown' };

export type CommandStep = Extract<Step, { concurrent: boolean }>;

export const SHUTDOWN_TIMEOUT_MS = 150;

/** Steps over the first `accounts` ids; waits last up to `maxWaitMs`. */
export function stepArb(accounts: number, maxWaitMs: number): fc.Arbitrary<Step> {
  const id = fc.constantFrom(...IDS.slice(0, accounts));
  const concurrent = fc.boolean();
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), id, enabled: fc.boolean(), concurrent }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('update', 'remove', 'enable', 'disable', 'restart'), id, concurrent }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('resolve', 'ignoreAbort', 'settleLeaked'), id }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('reject' as const), id, retryable: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: maxWaitMs }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'shutdown' as const }) },
  );
}

/** What the model says a command does: the new model, and whether the command succeeds. */
export function applyToModel(model: Map<Id, boolean>, step: CommandStep): boolean {
  const exists = model.has(step.id);
  switch (step.kind) {
    case 'add':
      if (exists) return false;
      model.set(step.id, step.enabled);
      return true;
    case 'remove':
      return exists && model.delete(step.id);
    case 'enable':
    case 'disable':
      if (exists) model.set(step.id, step.kind === 'enable');
      return exists;
    case 'restart':
      return exists && model.get(step.id) === true;
    default:
      return exists;
  }
}

/** Sends `step` to the supervisor; `now` stamps an update's settings so it always changes something. */
export function runCommand(sup: Supervisor, step: CommandStep, now: number): Promise<unknown> {
  switch (step.kind) {
    case 'add':
      return sup.add({ id: step.id, enabled: step.enabled });
    case 'update':
      return sup.update(step.id, { settings: { at: now } });
    case 'remove':
      return sup.remove(step.id);
    case 'enable':
      return sup.enable(step.id);
    case 'disable':
      return sup.disable(step.id);
    default:
      return sup.restart(step.id);
  }
}

/** The account's worker instance that is alive and not told to stop, if any. */
export function aliveInstance(cw: ControllableWorker, id: Id) {
  return cw.instances(id).findLast((i) => i.state === 'alive' && !i.signal.aborted);
}
