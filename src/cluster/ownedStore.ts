import type { Account } from '../account.js';
import type { AccountStore, SupervisionRecord } from '../persistence/accountStore.js';
import type { PostgresStore } from '../persistence/postgresStore.js';

/**
 * The store one node's supervisor sees in cluster mode: only the accounts of the shards this node
 * runs now. Reads come from a local copy of the accounts table (kept current by NOTIFY and a
 * periodic full reconcile), never from the database, so `supervisor.reload()` can stop a fenced
 * shard's accounts while PostgreSQL is unreachable. Writes go to PostgreSQL (supervision writes
 * fenced by the shard's epoch) and update the copy once committed.
 *
 * @example
 * ```ts
 * const view = new OwnedStore(pgStore, (id) => leases.isActive(shardOf(id, 256)));
 * createSupervisor({ store: view.store, worker });
 * ```
 */
export class OwnedStore {
  readonly #accounts = new Map<string, Account>();
  /** Each account's restart-request counter as last read (absent: 0). */
  #restarts = new Map<string, number>();

  constructor(
    private readonly pg: PostgresStore,
    private readonly owns: (accountId: string) => boolean,
  ) {}

  /** Replaces the local copy with the table (full reconcile), restart-request counters included. */
  async refreshAll(): Promise<void> {
    const [all, restarts] = await Promise.all([this.pg.loadAll(), this.pg.restartRequests()]);
    this.#accounts.clear();
    for (const a of all) this.#accounts.set(a.id, a);
    this.#restarts = restarts;
  }

  /** Re-reads one account and its restart-request counter (after a NOTIFY). */
  async refreshOne(id: string): Promise<void> {
    const [a, restarts] = await Promise.all([this.pg.get(id), this.pg.restartRequests(id)]);
    if (a) this.#accounts.set(id, a);
    else this.#accounts.delete(id);
    const n = restarts.get(id);
    if (n === undefined) this.#restarts.delete(id);
    else this.#restarts.set(id, n);
  }

  /** The account's restart-request counter as last read (0 when none was ever requested). */
  restartRequestsOf(id: string): number {
    return this.#restarts.get(id) ?? 0;
  }

  /** Every account id in the local copy (all shards). */
  ids(): string[] {
    return [...this.#accounts.keys()];
  }

  /** The account from the local copy, whoever owns it. */
  peek(id: string): Account | undefined {
    const a = this.#accounts.get(id);
    return a && structuredClone(a);
  }

  get store(): AccountStore {
    return {
      loadAll: async () => [...this.#accounts.values()].filter((a) => this.owns(a.id)).map((a) => structuredClone(a)),
      get: async (id) => {
        const a = this.#accounts.get(id);
        return a && this.owns(id) ? structuredClone(a) : undefined;
      },
      put: async (account) => {
        await this.pg.put(account);
        this.#accounts.set(account.id, structuredClone(account));
      },
      delete: async (id) => {
        await this.pg.delete(id);
        this.#accounts.delete(id);
      },
      loadSupervision: async () => {
        const all = await this.pg.loadSupervision();
        const out: Record<string, SupervisionRecord> = {};
        for (const [id, r] of Object.entries(all)) if (this.owns(id)) Object.defineProperty(out, id, { value: r, enumerable: true, writable: true, configurable: true });
        return out;
      },
      saveSupervision: (id, record) => this.pg.saveSupervision(id, record),
      // The local copy is kept current by the cluster node; reload must never wait for the database.
      refresh: async () => {},
      close: async () => {},
    };
  }
}
