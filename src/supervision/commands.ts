import { isDeepStrictEqual } from 'node:util';
import type { AccountStatus } from '../account.js';
import { applyAccountPatch, parseAccountInput } from '../accountSchema.js';
import { ifMatchAdmits } from '../accountConfiguration.js';
import { AccountDisabledError, AccountExistsError, AccountNotFoundError, NotStartedError, RevisionMismatchError, ShuttingDownError } from '../errors.js';
import { assertValidSettings } from '../settingsSchema.js';
import type { AccountSlot } from './accountSlot.js';
import type { Runtime } from './runtime.js';

/*
 * The account commands. Each runs in the account's queue (`Runtime.serial`), so commands for one
 * account apply in the order received and a command that needs the old task gone waits until it
 * is `cleaned`. Each validates before it touches anything (bad input changes nothing) and persists
 * before it resolves; if the store refuses, the command rejects and the account keeps (or gets
 * back) what the store holds.
 */

/** Persists a new account and starts it if enabled. */
export async function addAccount(rt: Runtime, input: unknown): Promise<AccountStatus> {
  assertOpen(rt);
  const account = parseAccountInput(input);
  return rt.serial(account.id, async () => {
    assertRunning(rt);
    if (rt.slots.has(account.id)) throw new AccountExistsError(account.id);
    // In the queue, not before it: a schema may validate asynchronously, and commands of one
    // account must still apply in the order they arrived.
    await assertValidSettings(() => rt.options.logicFor(account), account);
    await rt.options.store.put(account);
    return rt.addSlot(account).published!;
  });
}

/** Cancels the old task, waits until it is cleaned, persists the patched account, starts the new one. */
export async function updateAccount(rt: Runtime, id: string, patch: unknown, options: { ifMatch?: string } = {}): Promise<AccountStatus> {
  return onAccount(rt, id, async (slot) => {
    // Checked in the account's queue, so no other change can land between the check and the write.
    if (options.ifMatch !== undefined && !ifMatchAdmits(options.ifMatch, slot.account)) throw new RevisionMismatchError(id);
    const next = applyAccountPatch(slot.account, patch);
    await assertValidSettings(() => rt.options.logicFor(next), next);
    // A patch that changes nothing (`{}`, or the values already there) does not restart the task.
    if (isDeepStrictEqual(next, slot.account)) return published(rt, slot);
    await rt.stopTask(slot);
    await persistOrRestore(rt, slot, () => rt.options.store.put(next));
    rt.reconfigure(slot, next);
    return slot.published!;
  });
}

/** Cancels the task, waits until it is cleaned, deletes the account. */
export async function removeAccount(rt: Runtime, id: string): Promise<void> {
  return onAccount(rt, id, async (slot) => {
    await rt.stopTask(slot);
    await persistOrRestore(rt, slot, () => rt.options.store.delete(id));
    rt.dropSlot(slot);
  });
}

/** Enables and starts a disabled account; an enabled one is left as it is. */
export async function enableAccount(rt: Runtime, id: string): Promise<AccountStatus> {
  return onAccount(rt, id, async (slot) => {
    if (slot.enabled) return published(rt, slot);
    const next = { ...slot.account, enabled: true };
    await rt.options.store.put(next);
    slot.account = next;
    rt.freshStart(slot);
    return published(rt, slot);
  });
}

/** Cancels the task, waits until it is cleaned, and persists the account as disabled. */
export async function disableAccount(rt: Runtime, id: string): Promise<AccountStatus> {
  return onAccount(rt, id, async (slot) => {
    if (!slot.enabled) return published(rt, slot);
    const next = { ...slot.account, enabled: false };
    await rt.stopTask(slot);
    await persistOrRestore(rt, slot, () => rt.options.store.put(next));
    slot.account = next;
    return published(rt, slot);
  });
}

/** Cancels the task, waits until it is cleaned, and starts a new incarnation; resumes a suspended account. */
export async function restartAccount(rt: Runtime, id: string): Promise<AccountStatus> {
  return onAccount(rt, id, async (slot) => {
    if (!slot.enabled) throw new AccountDisabledError(id);
    await rt.stopTask(slot);
    rt.freshStart(slot);
    return published(rt, slot);
  });
}

/** Runs `fn` in the account's queue with its slot, once every earlier command of the account settled. */
function onAccount<T>(rt: Runtime, id: string, fn: (slot: AccountSlot) => Promise<T>): Promise<T> {
  assertOpen(rt);
  return rt.serial(id, () => {
    assertRunning(rt);
    const slot = rt.slots.get(id);
    if (!slot) throw new AccountNotFoundError(id);
    return fn(slot);
  });
}

async function persistOrRestore(rt: Runtime, slot: AccountSlot, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    // The store still holds the old account: run it again as it was.
    rt.startTask(slot);
    rt.publish(slot);
    throw err;
  }
}

function published(rt: Runtime, slot: AccountSlot): AccountStatus {
  rt.publish(slot);
  return slot.published!;
}

function assertOpen(rt: Runtime): void {
  if (rt.phase === 'idle' || rt.phase === 'starting') throw new NotStartedError();
  assertRunning(rt);
}

function assertRunning(rt: Runtime): void {
  if (rt.phase !== 'running') throw new ShuttingDownError();
}
