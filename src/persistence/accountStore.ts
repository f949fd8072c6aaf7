import type { Account } from '../account.js';
import type { HistoryEntry } from '../history/historyEntry.js';

/**
 * What the supervisor remembers about an account between processes: enough to keep a suspended
 * account suspended and to keep counting restarts in the current intensity window.
 */
export interface SupervisionRecord {
  /** Set while the account is suspended. */
  suspended?: { at: number; cause?: 'intensity' | 'nonRetryable'; error: { message: string; code?: string } };
  /** Epoch milliseconds of the restarts inside the current intensity window. */
  restartHistory: number[];
  /** Total restarts made by the supervisor. */
  restarts: number;
  lastError?: { message: string; code?: string };
  /** The newest entries of the account's flight recorder (bounded by the supervisor's `history.persisted`). */
  history?: HistoryEntry[];
}

/**
 * The supervisor's only way to persist. Small on purpose, like lowdb's adapters: a PostgreSQL
 * implementation needs these seven methods and nothing from the machines.
 *
 * Every mutating method resolves only once the change is durable for that implementation, and
 * rejects (with `StoreWriteError` for I/O) leaving what it holds unchanged.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * await store.put({ id: 'a', enabled: true, settings: {} });
 * const supervisor = createSupervisor({ store, worker });
 * ```
 */
export interface AccountStore {
  /** Every stored account, in insertion order. */
  loadAll(): Promise<Account[]>;
  get(id: string): Promise<Account | undefined>;
  /** Inserts or replaces the account with this id. */
  put(account: Account): Promise<void>;
  /** Deletes the account and its supervision record; a missing id is not an error. */
  delete(id: string): Promise<void>;
  /** Supervision records by account id. */
  loadSupervision(): Promise<Record<string, SupervisionRecord>>;
  /** Saves (or with `undefined` clears) one account's supervision record. */
  saveSupervision(id: string, record: SupervisionRecord | undefined): Promise<void>;
  /**
   * Optional: re-reads the backing data if something else changed it (lowdb: the file), so the next
   * `loadAll()` sees it. `supervisor.reload()` calls it first. Rejects, changing nothing, if the new
   * data cannot be used.
   */
  refresh?(): Promise<void>;
  /**
   * Optional: calls `listener` when the stored data was changed from outside this store (for
   * lowdb with `watch: true`, another program editing the file); never for the store's own writes.
   * Returns the unsubscribe function. The supervisor answers with `reload()`.
   */
  onExternalChange?(listener: () => void): () => void;
  /** Flushes pending writes and releases what the store holds (files, locks, connections). */
  close(): Promise<void>;
}
