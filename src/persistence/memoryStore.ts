import type { Account } from '../account.js';
import type { AccountStore, SupervisionRecord } from './accountStore.js';
import { copyData } from './copyData.js';
import { recordById } from './recordById.js';

/**
 * An `AccountStore` in memory (the default store is the lowdb file, not this): the reference the other
 * stores' tests compare against. Nothing survives the process.
 *
 * Records are copied in and out (`copyData`), so a caller mutating an object it passed or got back changes nothing stored.
 *
 * @example
 * ```ts
 * const supervisor = createSupervisor({ worker, store: memoryStore([{ id: 'a', enabled: true, settings: {} }]) });
 * ```
 */
export function memoryStore(initial: readonly Account[] = []): AccountStore {
  const accounts = new Map<string, Account>(initial.map((a) => [a.id, copyData(a)]));
  const supervision = new Map<string, SupervisionRecord>();
  return {
    loadAll: async () => [...accounts.values()].map((a) => copyData(a)),
    get: async (id) => {
      const a = accounts.get(id);
      return a && copyData(a);
    },
    put: async (account) => {
      accounts.set(account.id, copyData(account));
    },
    delete: async (id) => {
      accounts.delete(id);
      supervision.delete(id);
    },
    loadSupervision: async () => recordById([...supervision].map(([id, r]) => [id, copyData(r)] as const)),
    saveSupervision: async (id, record) => {
      if (record) supervision.set(id, copyData(record));
      else supervision.delete(id);
    },
    close: async () => {},
  };
}
