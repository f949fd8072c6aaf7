import type { Account } from '../account.js';
import type { AccountStore, SupervisionRecord } from './accountStore.js';

/**
 * An `AccountStore` in memory (the default store is the lowdb file, not this): the reference the other
 * stores' tests compare against. Nothing survives the process.
 *
 * Records are copied in and out, so a caller mutating an object it passed or got back changes nothing stored.
 *
 * @example
 * ```ts
 * const supervisor = createSupervisor({ worker, store: memoryStore([{ id: 'a', enabled: true, settings: {} }]) });
 * ```
 */
export function memoryStore(initial: readonly Account[] = []): AccountStore {
  const accounts = new Map<string, Account>(initial.map((a) => [a.id, structuredClone(a)]));
  const supervision = new Map<string, SupervisionRecord>();
  return {
    loadAll: async () => [...accounts.values()].map((a) => structuredClone(a)),
    get: async (id) => {
      const a = accounts.get(id);
      return a && structuredClone(a);
    },
    put: async (account) => {
      accounts.set(account.id, structuredClone(account));
    },
    delete: async (id) => {
      accounts.delete(id);
      supervision.delete(id);
    },
    loadSupervision: async () => Object.fromEntries([...supervision].map(([id, r]) => [id, structuredClone(r)])),
    saveSupervision: async (id, record) => {
      if (record) supervision.set(id, structuredClone(record));
      else supervision.delete(id);
    },
    close: async () => {},
  };
}
