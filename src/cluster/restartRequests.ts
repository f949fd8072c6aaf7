import type { RestartRequestCount } from '../persistence/postgresStore.js';

/** What {@link RestartRequests} reads and drives. */
export interface RestartRequestsOptions {
  /** Every account id of the local copy of the accounts table. */
  ids: () => Iterable<string>;
  /** The account's restart-request counter and row as last read (`undefined`: none requested of the row). */
  requested: (id: string) => RestartRequestCount | undefined;
  /** Whether this node runs the account now. */
  owns: (id: string) => boolean;
  /** Restarts the account on this node's supervisor. */
  restart: (id: string) => Promise<unknown>;
  /** A restart was requested but could not be carried out (the account is disabled, gone, or the supervisor stops). */
  onSkipped: (id: string, error: unknown) => void;
}

/**
 * Carries out, on the owner, the restarts requested through any node's API. A request is a bump of
 * the account's counter in PostgreSQL (`accounts.restart_requests`); the owner remembers the value
 * it last applied per account and restarts the account when the table shows more. Comparing
 * counters, not hearing notifications, is what makes a request durable: a lost `NOTIFY` delays the
 * restart until the next full reconcile and never loses it, and a notification heard twice
 * restarts once.
 *
 * Reads may arrive out of order (a full re-read that started before a notification's read can end
 * after it), so what was applied never goes down: a lower count of the same row is a stale read. An
 * account deleted and added again is a new row (a higher `seq`) whose counter starts at 0, and a
 * read of an older row is stale. An account this node does not run is only remembered (its counter
 * becomes the baseline): when the node takes it over later, it starts a fresh incarnation anyway,
 * which is what the request asked for.
 *
 * @example
 * ```ts
 * const restarts = new RestartRequests({ ids: () => view.ids(), requested: (id) => view.restartRequestsOf(id), owns, restart: (id) => supervisor.restart(id), onSkipped });
 * await restarts.apply();            // after a full reconcile
 * await restarts.apply(['shop-42']); // after a notification about one account
 * ```
 */
export class RestartRequests {
  readonly #applied = new Map<string, RestartRequestCount>();

  constructor(private readonly o: RestartRequestsOptions) {}

  /**
   * Compares the counters of `ids` (every account when omitted) with what was applied; restarts
   * what is behind. A full pass (no `ids`) also forgets accounts no longer in the table.
   */
  apply(ids?: Iterable<string>): Promise<void> {
    const known = new Set(this.o.ids());
    if (ids === undefined) for (const id of [...this.#applied.keys()]) if (!known.has(id)) this.#applied.delete(id);
    const started: Promise<void>[] = [];
    for (const id of ids ?? known) {
      if (!known.has(id)) continue;
      const read = this.o.requested(id);
      const applied = this.#applied.get(id);
      if (read && applied && read.row < applied.row) continue; // a stale read of a row since deleted
      const base = read && applied && read.row === applied.row ? applied.count : read ? 0 : (applied?.count ?? 0);
      const count = read?.count ?? 0;
      // Remembered first: a second notification while this restart runs does not restart again.
      if (read) this.#applied.set(id, { row: read.row, count: Math.max(base, count) });
      if (count > base && this.o.owns(id)) {
        started.push(
          this.o.restart(id).then(
            () => undefined,
            (e: unknown) => this.o.onSkipped(id, e),
          ),
        );
      }
    }
    return Promise.all(started).then(() => undefined);
  }
}
