import type { AccountStatus } from '../account.js';
import type { TaskError } from '../worker/describeError.js';
import type { AccountSlot } from './accountSlot.js';

/** The part of an error a status, an API, a persisted record or an inspection event shows. */
export interface PublicError {
  message: string;
  code?: string;
}

/** The part of an error a status, an API or a persisted record shows: no stack. */
export function publicError(error: TaskError): PublicError {
  return error.code === undefined ? { message: error.message } : { message: error.message, code: error.code };
}

/**
 * Builds an account's status from its slot. `since` moves (to `now`, the clock's time) only when
 * `state` differs from the `previous` status's.
 */
export function statusOf(slot: AccountSlot, leaked: boolean, now: number, previous: AccountStatus | undefined): AccountStatus {
  const state = slot.state(leaked);
  const status: AccountStatus = {
    id: slot.id,
    enabled: slot.enabled,
    state,
    incarnation: slot.incarnation,
    restarts: slot.restarts,
    since: previous && previous.state === state ? previous.since : now,
  };
  if (leaked) status.leaked = true;
  if (slot.lastError) status.lastError = publicError(slot.lastError);
  const run = slot.run;
  if (run.kind === 'backoff' && state === 'backoff') status.nextRestartAt = run.at;
  if (run.kind === 'admitting') status.waitingForAdmission = true;
  if (run.kind === 'suspended' && state === 'suspended') status.suspendedBecause = run.cause;
  if (slot.report) status.report = slot.report;
  return status;
}
