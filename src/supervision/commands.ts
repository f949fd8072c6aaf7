import { isDeepStrictEqual } from 'node:util';
import type { AccountStatus } from '../account.js';
import { applyAccountPatch, parseAccountInput } from '../accountSchema.js';
import { ifMatchAdmits } from '../accountConfiguration.js';
import { AccountDisabledError, AccountExistsError, AccountNotFoundError, RevisionMismatchError } from '../errors.js';
import type { AccountSlot } from './accountSlot.js';
import type { KeyedQueue } from './keyedQueue.js';
import type { RootLink } from './rootLink.js';
import type { AccountOps } from './runtime.js';
import type { StoreHandle } from './storeHandle.js';
import type { HistoryCommand } from '../history/historyEntry.js';

/*
 * The account commands. Each runs in the account's queue, so commands for one account apply in
 * the order received and a command that needs the old task gone waits until it is `cleaned`. Each
 * validates before it touches anything (bad input changes nothing) and persists before it
 * resolves; if the store refuses, the command rejects and the account keeps (or gets back) what
 * the store holds. A command reads top to bottom: gate, queue, store, account operation; its
 * outcome (ok, or the error's code and message) goes to the account's flight recorder.
 */

/** What a command uses, given explicitly. */
export interface CommandDeps {
  /** Is the supervisor accepting commands? */
  gate: Pick<RootLink, 'accepting' | 'assertAccepting' | 'assertStillAccepting'>;
  queue: KeyedQueue;
  store: StoreHandle;
  accounts: AccountOps;
}

/** Persists a new account and starts it if enabled. */
export function addAccount(d: CommandDeps, input: unknown): Promise<AccountStatus> {
  return recorded(d, idOf(input), 'add', () => addAccountNow(d, input));
}

async function addAccountNow(d: CommandDeps, input: unknown): Promise<AccountStatus> {
  d.gate.assertAccepting();
  const account = parseAccountInput(input);
  return d.queue.run(account.id, async () => {
    d.gate.assertStillAccepting();
    if (d.accounts.slot(account.id)) throw new AccountExistsError(account.id);
    // In the queue, not before it: a schema may validate asynchronously, and commands of one
    // account must still apply in the order they arrived.
    // Awaited only when the worker's schema answers asynchronously: most checks are synchronous.
    const checking = d.accounts.assertValidSettings(account);
    if (checking) await checking;
    // The check may have waited: if shutdown began meanwhile, refuse before anything changes.
    d.gate.assertStillAccepting();
    await d.store.current.put(account);
    return d.accounts.addSlot(account);
  });
}

/**
 * Applies `patch` as a JSON merge patch, then cancels the old task, waits until it is cleaned,
 * persists the patched account and starts the new one. With `ifMatch`, refuses unless the account
 * is still at that revision; a patch that changes nothing restarts nothing.
 */
export function updateAccount(d: CommandDeps, id: string, patch: unknown, options: { ifMatch?: string } = {}): Promise<AccountStatus> {
  return recorded(d, id, 'update', () => updateAccountNow(d, id, patch, options));
}

async function updateAccountNow(d: CommandDeps, id: string, patch: unknown, options: { ifMatch?: string }): Promise<AccountStatus> {
  return onAccount(d, id, async (slot) => {
    // Checked in the account's queue, so no other change can land between the check and the write.
    if (options.ifMatch !== undefined && !ifMatchAdmits(options.ifMatch, slot.account)) throw new RevisionMismatchError(id);
    const next = applyAccountPatch(slot.account, patch);
    const checking = d.accounts.assertValidSettings(next);
    if (checking) await checking;
    // The check may have waited: if shutdown began meanwhile, refuse before anything changes.
    d.gate.assertStillAccepting();
    // A patch that changes nothing (`{}`, or the values already there) does not restart the task.
    if (isDeepStrictEqual(next, slot.account)) return d.accounts.publish(slot);
    await d.accounts.stopTask(slot);
    await persistOrResume(d, slot, () => d.store.current.put(next));
    return d.accounts.reconfigure(slot, next);
  });
}

/** Cancels the task, waits until it is cleaned, deletes the account. */
export function removeAccount(d: CommandDeps, id: string): Promise<void> {
  return recorded(d, id, 'remove', () => removeAccountNow(d, id));
}

async function removeAccountNow(d: CommandDeps, id: string): Promise<void> {
  return onAccount(d, id, async (slot) => {
    await d.accounts.stopTask(slot);
    await persistOrResume(d, slot, () => d.store.current.delete(id));
    d.accounts.dropSlot(slot);
  });
}

/** Enables and starts a disabled account; an enabled one is left as it is. */
export function enableAccount(d: CommandDeps, id: string): Promise<AccountStatus> {
  return recorded(d, id, 'enable', () => enableAccountNow(d, id));
}

async function enableAccountNow(d: CommandDeps, id: string): Promise<AccountStatus> {
  return onAccount(d, id, async (slot) => {
    if (slot.enabled) return d.accounts.publish(slot);
    const next = { ...slot.account, enabled: true };
    await d.store.current.put(next);
    return d.accounts.reconfigure(slot, next);
  });
}

/** Cancels the task, waits until it is cleaned, and persists the account as disabled. */
export function disableAccount(d: CommandDeps, id: string): Promise<AccountStatus> {
  return recorded(d, id, 'disable', () => disableAccountNow(d, id));
}

async function disableAccountNow(d: CommandDeps, id: string): Promise<AccountStatus> {
  return onAccount(d, id, async (slot) => {
    if (!slot.enabled) return d.accounts.publish(slot);
    const next = { ...slot.account, enabled: false };
    await d.accounts.stopTask(slot);
    await persistOrResume(d, slot, () => d.store.current.put(next));
    return d.accounts.keep(slot, next);
  });
}

/** Cancels the task, waits until it is cleaned, and starts a new incarnation; resumes a suspended account. */
export function restartAccount(d: CommandDeps, id: string): Promise<AccountStatus> {
  return recorded(d, id, 'restart', () => restartAccountNow(d, id));
}

async function restartAccountNow(d: CommandDeps, id: string): Promise<AccountStatus> {
  return onAccount(d, id, async (slot) => {
    if (!slot.enabled) throw new AccountDisabledError(id);
    await d.accounts.stopTask(slot);
    return d.accounts.freshStart(slot);
  });
}

/** Runs a command and records its outcome in the account's history (when the account exists then). */
function recorded<T>(d: CommandDeps, id: string | undefined, command: HistoryCommand, run: () => Promise<T>): Promise<T> {
  return run().then(
    (value) => {
      if (id !== undefined) d.accounts.recordCommand(id, command);
      return value;
    },
    (error: unknown) => {
      if (id !== undefined) d.accounts.recordCommand(id, command, error);
      throw error;
    },
  );
}

function idOf(input: unknown): string | undefined {
  const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** Runs `fn` in the account's queue with its slot, once every earlier command of the account settled. */
function onAccount<T>(d: CommandDeps, id: string, fn: (slot: AccountSlot) => Promise<T>): Promise<T> {
  d.gate.assertAccepting();
  return d.queue.run(id, () => {
    d.gate.assertStillAccepting();
    const slot = d.accounts.slot(id);
    if (!slot) throw new AccountNotFoundError(id);
    return fn(slot);
  });
}

async function persistOrResume(d: CommandDeps, slot: AccountSlot, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    // The store still holds the old account: run it again as it was.
    d.accounts.resume(slot);
    throw err;
  }
}
