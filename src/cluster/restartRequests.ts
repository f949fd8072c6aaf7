/** What {@link RestartRequests} reads and drives. */
export interface RestartRequestsOptions {
  /** Every account id of the local copy of the accounts table. */
  ids: () => Iterable<string>;
  /** The account's restart-request counter as last read from the table. */
  requested: (id: string) => number;
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
 * An account this node does not run is only remembered (its counter becomes the baseline): when
 * the node takes it over later, it starts a fresh incarnation anyway, which is what the request
 * asked for.
 *
 * @example
 * ```ts
 * const restarts = new RestartRequests({ ids: () => view.ids(), requested: (id) => view.restartRequestsOf(id), owns, restart: (id) => supervisor.restart(id), onSkipped });
 * restarts.apply();            // after a full reconcile
 * restarts.apply(['shop-42']); // after a notification about one account
 * ```
 */
export class RestartRequests {
  readonly #applied = new Map<string, number>();

  constructor(private readonly o: RestartRequestsOptions) {}

  /** Compares the counters of `ids` (every account when omitted) with what was applied; restarts what is behind. */
  apply(ids?: Iterable<string>): Promise<void> {
    const known = new Set(this.o.ids());
    if (ids === undefined) for (const id of [...this.#applied.keys()]) if (!known.has(id)) this.#applied.delete(id);
    const started: Promise<void>[] = [];
    for (const id of ids ?? known) {
      if (!known.has(id)) {
        this.#applied.delete(id);
        continue;
      }
      const requested = this.o.requested(id);
      const applied = this.#applied.get(id) ?? 0;
      // Remembered first: a second notification while this restart runs does not restart again.
      this.#applied.set(id, requested);
      if (requested > applied && this.o.owns(id)) {
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
