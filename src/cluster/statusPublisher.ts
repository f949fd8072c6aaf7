import type { Pool } from 'pg';
import type { AccountStatus } from '../account.js';
import type { Fence } from '../persistence/fence.js';
import { withTimeout } from '../withTimeout.js';
import type { ClusterClock } from './clock.js';

/**
 * Publishes this node's account statuses to `account_status`, batched: changes seen in
 * `flushMs` go out as one statement per shard, fenced by that shard's lease epoch exactly like
 * supervision writes. A node that lost a shard (a pause, a cut from the database) therefore cannot
 * overwrite the new owner's statuses: its late rows are refused and counted in `rejected`.
 *
 * @example
 * ```ts
 * const publisher = new StatusPublisher({ pool, quotedSchema: '"statevisor"', nodeId: 'a', fenceFor, shardOf, clock, flushMs: 250, queryTimeoutMs: 2_000, onError: (e) => log.warn({ err: e }, 'status publish failed') });
 * supervisor.statusModel.on('changed', ({ id, status }) => publisher.change(id, status));
 * ```
 */
export class StatusPublisher {
  readonly #last = new Map<string, string>();
  readonly #pending = new Map<string, AccountStatus>();
  #timer: unknown;
  #flushing: Promise<void> | undefined;
  #closed = false;
  rejected = 0;
  published = 0;

  constructor(
    private readonly o: {
      pool: Pool;
      quotedSchema: string;
      nodeId: string;
      fenceFor: (shard: number) => Fence;
      shardOf: (id: string) => number;
      clock: ClusterClock;
      flushMs: number;
      queryTimeoutMs: number;
      onError: (e: unknown) => void;
    },
  ) {}

  /**
   * Takes one change of the status read model (`undefined`: the account left this node); remembers
   * it for the next publication unless nothing published changed. One change costs about 1.2 µs
   * of CPU; taking the full list on every change (as this did) cost 3.7 ms at 10,000 accounts, and
   * a node whose sessions report a heartbeat every 15 s makes about 670 changes a second at that size.
   */
  change(id: string, status: AccountStatus | undefined): void {
    if (this.#closed) return;
    if (!status) {
      // Forgotten, so that the account's next status here (it may come back) is published. A
      // pending last status still goes out: the final state of a handed-off account is news.
      this.#last.delete(id);
      return;
    }
    const s = status;
    const key = `${s.state}|${s.incarnation}|${s.since}|${s.restarts}|${s.enabled}|${JSON.stringify(s.report ?? null)}|${s.lastError?.message ?? ''}`;
    if (this.#last.get(id) === key) return;
    this.#last.set(id, key);
    this.#pending.set(id, s);
    if (this.#timer === undefined) this.#timer = this.o.clock.setTimeout(() => void this.flush(), this.o.flushMs);
  }

  /** Writes what is pending now (one statement per shard). Never rejects. */
  flush(): Promise<void> {
    this.#timer = undefined;
    const run = async () => {
      await this.#flushing;
      const batch = [...this.#pending.values()];
      this.#pending.clear();
      const byShard = new Map<number, AccountStatus[]>();
      for (const s of batch) {
        const shard = this.o.shardOf(s.id);
        byShard.set(shard, [...(byShard.get(shard) ?? []), s]);
      }
      for (const [shard, statuses] of byShard) await this.#write(shard, statuses);
    };
    const p = run().catch((e: unknown) => this.o.onError(e));
    this.#flushing = p;
    return p;
  }

  async #write(shard: number, statuses: AccountStatus[]): Promise<void> {
    const fence = this.o.fenceFor(shard);
    const s = this.o.quotedSchema;
    const query = this.o.pool.query<{ held: string }>(
      `WITH lease AS (SELECT 1 FROM ${s}.shard_leases WHERE shard = $1 AND owner = $2 AND epoch = $3 FOR SHARE),
            w AS (INSERT INTO ${s}.account_status (id, node, status, updated_at)
                  SELECT u.id, $2, u.status, now() FROM unnest($4::text[], $5::jsonb[]) AS u(id, status)
                  WHERE EXISTS (SELECT 1 FROM lease) AND EXISTS (SELECT 1 FROM ${s}.accounts a WHERE a.id = u.id)
                  ON CONFLICT (id) DO UPDATE SET node = EXCLUDED.node, status = EXCLUDED.status, updated_at = now())
       SELECT count(*) AS held FROM lease`,
      [shard, fence.owner, fence.epoch, statuses.map((x) => x.id), statuses.map((x) => JSON.stringify(x))],
    );
    const r = await withTimeout(query, this.o.queryTimeoutMs);
    if (!r.ok) throw r.error;
    if (Number(r.value.rows[0]?.held ?? 0) === 0) this.rejected += statuses.length;
    else this.published += statuses.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.o.clock.clearTimeout(this.#timer);
    await this.#flushing;
  }
}
