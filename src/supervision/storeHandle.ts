import type { AccountStore } from '../persistence/accountStore.js';
import { unopenedStore } from '../persistence/unopenedStore.js';

/**
 * The supervisor's account store, from "not open" to "closed": `start()` opens it (the default
 * lowdb store takes its lock then), the last step of every stop closes it. Until it is open,
 * `current` is a stand-in that rejects every call with `STORE_NOT_OPEN`.
 *
 * @example
 * ```ts
 * const store = new StoreHandle(async () => memoryStore());
 * await store.open();
 * await store.current.loadAll();
 * ```
 */
export class StoreHandle {
  #current: AccountStore = unopenedStore;
  #opened = false;
  readonly #open: () => Promise<AccountStore>;

  constructor(open: () => Promise<AccountStore>) {
    this.#open = open;
  }

  get current(): AccountStore {
    return this.#current;
  }

  get opened(): boolean {
    return this.#opened;
  }

  async open(): Promise<void> {
    this.#current = await this.#open();
    this.#opened = true;
  }

  /** Closes the store if it was opened; nothing to do otherwise. */
  async close(): Promise<void> {
    if (this.#opened) await this.#current.close();
  }
}
