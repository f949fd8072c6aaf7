import type { Logger } from 'pino';
import type { SupervisionRecord } from '../persistence/accountStore.js';
import type { HistoryEntry } from '../history/historyEntry.js';
import type { AccountSlot } from './accountSlot.js';
import { publicError } from './statusOf.js';
import type { StoreHandle } from './storeHandle.js';

/*
 * Supervision state is saved as this small record rather than as XState persisted snapshots: a
 * task's snapshot describes a live session that cannot be resumed after a restart (tasks start
 * again at `loading`), and the root's snapshot holds no per-account data by design.
 */

/** What the store keeps of a slot's supervision: restart window, count, suspension, last error, the newest history. */
export function recordOf(slot: AccountSlot, history?: HistoryEntry[]): SupervisionRecord {
  const suspended = slot.run.kind === 'suspended' ? slot.run : undefined;
  return {
    restartHistory: [...slot.memory.history],
    restarts: slot.restarts,
    ...(suspended ? { suspended: { at: suspended.at, cause: suspended.cause, error: publicError(suspended.error) } } : {}),
    ...(slot.lastError ? { lastError: publicError(slot.lastError) } : {}),
    ...(history ? { history } : {}),
  };
}

/** Gives a new slot what the store remembers of its supervision. */
export function restoreSupervision(slot: AccountSlot, record: SupervisionRecord | undefined): void {
  if (!record) return;
  slot.restarts = record.restarts;
  slot.memory = { history: [...record.restartHistory], attempt: 0, previousDelayMs: 0 };
  if (record.lastError) slot.lastError = record.lastError;
  if (record.suspended) slot.suspend({ at: record.suspended.at, cause: record.suspended.cause ?? 'intensity', error: record.suspended.error });
}

/**
 * Saves supervision records in the background: a decision never waits for the disk, a failed
 * write is logged and the next change saves again, and `flush()` lets the stop wait for what is
 * in flight (each write is bounded by the store).
 *
 * @example
 * ```ts
 * records.save(slot);
 * await records.flush();
 * ```
 */
export class SupervisionRecords {
  readonly #pending = new Set<Promise<void>>();
  readonly #store: StoreHandle;
  readonly #log: Logger;
  readonly #historyOf: (slot: AccountSlot) => HistoryEntry[] | undefined;

  constructor(store: StoreHandle, log: Logger, historyOf: (slot: AccountSlot) => HistoryEntry[] | undefined) {
    this.#store = store;
    this.#log = log;
    this.#historyOf = historyOf;
  }

  save(slot: AccountSlot): void {
    const id = slot.id;
    const record = recordOf(slot, this.#historyOf(slot));
    let write: Promise<void>;
    try {
      // `Promise.resolve` of a native promise is that promise: no step added, and a custom store
      // that returns something else still cannot break the decision that saved.
      write = Promise.resolve(this.#store.current.saveSupervision(id, record));
    } catch (err) {
      // A store that throws instead of rejecting is still only a failed write.
      write = Promise.reject(err);
    }
    // One step that logs a failure and forgets the write either way: a burst of 10,000 `add()`s
    // saves 10,000 records, and the former `Promise.resolve().then().catch()` plus `finally()`
    // were 4 of the 39 promises an `add()` made (counted with `async_hooks`, 2026-12-02).
    const settled: Promise<void> = write.then(
      () => {
        this.#pending.delete(settled);
      },
      (err: unknown) => {
        this.#pending.delete(settled);
        this.#log.error({ accountId: id, err }, `account ${id}: saving supervision state failed; it will be saved with the next change`);
      },
    );
    this.#pending.add(settled);
  }

  /** Resolves once every write started so far has settled. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
