import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { checkAccountRecord } from '../accountSchema.js';
import type { SupervisionRecord } from '../persistence/accountStore.js';
import type { CommandDeps } from './commands.js';

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
 * An account new to this supervisor gets what the store remembers of its supervision, as at
 * start: in cluster mode a node takes accounts over by reloading, and a suspended account must
 * stay suspended, with its restart history, on the node that takes it over.
 * Nothing is written to the store except the reset supervision state of changed accounts.
 */
export async function reloadAccounts(d: CommandDeps, log: Logger): Promise<ReloadResult> {
  d.gate.assertAccepting();
  const store = d.store.current;
  await store.refresh?.();
  const ids = new Set([...(await store.loadAll()).map((a) => a.id), ...d.accounts.ids()]);
  const result: ReloadResult = { added: [], removed: [], changed: [], unchanged: 0, invalid: [] };
  // Read once, and only if some account is new here (most reloads add nothing).
  let records: Promise<Record<string, SupervisionRecord>> | undefined;
  const recordOf = async (id: string): Promise<SupervisionRecord | undefined> => {
    const all = await (records ??= store.loadSupervision());
    return Object.hasOwn(all, id) ? all[id] : undefined;
  };
  await Promise.all([...ids].map((id) => d.queue.run(id, () => reconcile(d, id, result, recordOf))));
  log.info({ added: result.added.length, removed: result.removed.length, changed: result.changed.length, unchanged: result.unchanged }, 'reloaded accounts from the store');
  return result;
}

async function reconcile(d: CommandDeps, id: string, result: ReloadResult, recordOf: (id: string) => Promise<SupervisionRecord | undefined>): Promise<void> {
  if (!d.gate.accepting) return;
  const stored = await d.store.current.get(id);
  const slot = d.accounts.slot(id);
  if (stored === undefined) {
    if (!slot) return;
    await d.accounts.stopTask(slot);
    d.accounts.dropSlot(slot);
    result.removed.push(id);
    return;
  }
  const checked = checkAccountRecord(stored);
  if (!checked.ok) {
    result.invalid.push(id);
    return;
  }
  if (!slot) {
    const record = await recordOf(id);
    // The read may have waited: a shutdown that began meanwhile starts nothing more.
    if (!d.gate.accepting) return;
    d.accounts.addSlot(checked.account, record);
    result.added.push(id);
  } else if (isDeepStrictEqual(slot.account, checked.account)) {
    result.unchanged += 1;
  } else {
    await d.accounts.stopTask(slot);
    d.accounts.reconfigure(slot, checked.account);
    result.changed.push(id);
  }
}
