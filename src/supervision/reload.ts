import { isDeepStrictEqual } from 'node:util';
import { checkAccountRecord } from '../accountSchema.js';
import { NotStartedError, ShuttingDownError } from '../errors.js';
import type { Runtime } from './runtime.js';

/** What `reload()` did. Unchanged accounts were not touched: their incarnation stays the same. */
export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: number;
  /** Records the store returned that are not valid accounts; left alone. */
  invalid: string[];
}

/**
 * Re-reads the store and reconciles: new accounts start, deleted ones stop, changed ones restart,
 * unchanged ones are not touched. Each account's step runs in its command queue, after whatever
 * command of that account is in flight, and reads the account from the store again there: a
 * command that ran in between (a remove, a disable, an update) is never undone by a stale copy.
 * Nothing is written to the store except the reset supervision state of changed accounts.
 */
export async function reloadAccounts(rt: Runtime): Promise<ReloadResult> {
  if (rt.phase === 'idle' || rt.phase === 'starting') throw new NotStartedError();
  if (rt.phase !== 'running') throw new ShuttingDownError();
  await rt.options.store.refresh?.();
  const ids = new Set([...(await rt.options.store.loadAll()).map((a) => a.id), ...rt.slots.keys()]);
  const result: ReloadResult = { added: [], removed: [], changed: [], unchanged: 0, invalid: [] };
  await Promise.all([...ids].map((id) => rt.serial(id, () => reconcile(rt, id, result))));
  rt.log.info({ added: result.added.length, removed: result.removed.length, changed: result.changed.length, unchanged: result.unchanged }, 'reloaded accounts from the store');
  return result;
}

async function reconcile(rt: Runtime, id: string, result: ReloadResult): Promise<void> {
  if (rt.phase !== 'running') return;
  const stored = await rt.options.store.get(id);
  const slot = rt.slots.get(id);
  if (stored === undefined) {
    if (!slot) return;
    await rt.stopTask(slot);
    rt.dropSlot(slot);
    result.removed.push(id);
    return;
  }
  const checked = checkAccountRecord(stored);
  if (!checked.ok) {
    result.invalid.push(id);
    return;
  }
  if (!slot) {
    rt.addSlot(checked.account);
    result.added.push(id);
  } else if (isDeepStrictEqual(slot.account, checked.account)) {
    result.unchanged += 1;
  } else {
    await rt.stopTask(slot);
    rt.reconfigure(slot, checked.account);
    result.changed.push(id);
  }
}
