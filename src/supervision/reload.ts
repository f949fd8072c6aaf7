import { isDeepStrictEqual } from 'node:util';
import type { Account } from '../account.js';
import { checkAccountRecord } from '../accountSchema.js';
import { NotStartedError, ShuttingDownError } from '../errors.js';
import { resolveRestartPolicy } from './restartPolicy.js';
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
 * command of that account is in flight. Nothing is written to the store.
 */
export async function reloadAccounts(rt: Runtime): Promise<ReloadResult> {
  if (rt.phase === 'idle' || rt.phase === 'starting') throw new NotStartedError();
  if (rt.phase !== 'running') throw new ShuttingDownError();
  await rt.options.store.refresh?.();
  const stored = await rt.options.store.loadAll();
  const result: ReloadResult = { added: [], removed: [], changed: [], unchanged: 0, invalid: [] };
  const seen = new Set<string>();
  const steps: Promise<void>[] = [];
  for (const record of stored) {
    const checked = checkAccountRecord(record);
    if (!checked.ok) {
      result.invalid.push(record.id);
      continue;
    }
    seen.add(checked.account.id);
    steps.push(rt.serial(checked.account.id, () => reconcileOne(rt, checked.account, result)));
  }
  for (const id of [...rt.slots.keys()]) {
    if (!seen.has(id)) steps.push(rt.serial(id, () => dropOne(rt, id, result)));
  }
  await Promise.all(steps);
  rt.log.info({ added: result.added.length, removed: result.removed.length, changed: result.changed.length, unchanged: result.unchanged }, 'reloaded accounts from the store');
  return result;
}

async function reconcileOne(rt: Runtime, account: Account, result: ReloadResult): Promise<void> {
  if (rt.phase !== 'running') return;
  const slot = rt.slots.get(account.id);
  if (!slot) {
    const created = rt.createSlot(account);
    rt.startTask(created);
    rt.publish(created);
    result.added.push(account.id);
    return;
  }
  if (isDeepStrictEqual(slot.account, account)) {
    result.unchanged += 1;
    return;
  }
  await rt.stopTask(slot);
  slot.account = account;
  slot.policy = resolveRestartPolicy(rt.options.policy, account.restart);
  slot.resetSupervision();
  rt.startTask(slot);
  rt.publish(slot);
  result.changed.push(account.id);
}

async function dropOne(rt: Runtime, id: string, result: ReloadResult): Promise<void> {
  const slot = rt.slots.get(id);
  if (!slot || rt.phase !== 'running') return;
  await rt.stopTask(slot);
  slot.removed = true;
  rt.slots.delete(id);
  rt.unpublish(id);
  result.removed.push(id);
}
