import type { LeaseConnection } from './leaseConnection.js';

/** One node as the membership query returns it. */
export interface LiveNode {
  id: string;
  draining: boolean;
  /** Milliseconds since its last heartbeat, by the database's clock. */
  heartbeatAgeMs: number;
}

/** A lease this node holds: the shard and the term. */
export interface HeldLease {
  shard: number;
  epoch: number;
}

/** A lease just acquired; `wasClean` when the previous owner released it (no handover margin needed). */
export interface AcquiredLease extends HeldLease {
  wasClean: boolean;
}

/** One row of `shard_leases` for display. */
export interface LeaseRow {
  shard: number;
  owner: string | null;
  epoch: number;
  expiresInMs: number | null;
}

/**
 * The lease and membership table, as the lease manager sees it: every decision about time is made
 * by the database (`now()`), never by a node's clock. The PostgreSQL version is
 * {@link pgLeaseTable}; the property tests drive the manager against an in-memory one with a
 * simulated clock.
 *
 * @example
 * ```ts
 * const table: LeaseTable = pgLeaseTable(connection, { schema: 'statevisor', channel: 'statevisor_leases' });
 * ```
 */
export interface LeaseTable {
  /** Creates the rows of shards `0..count-1` that do not exist yet. */
  ensureShards(count: number): Promise<void>;
  /** Inserts this node, or takes over a row whose node is no longer live; `false` when a live node has this id. */
  register(nodeId: string, incarnation: string, ttlMs: number): Promise<boolean>;
  /** Refreshes this node's row and returns the live nodes; `mine: false` when the row is no longer this incarnation's. */
  heartbeat(nodeId: string, incarnation: string, ttlMs: number, draining: boolean): Promise<{ mine: boolean; nodes: LiveNode[] }>;
  /** Extends the given leases still held at exactly these epochs and not expired; returns those extended. */
  renew(owner: string, held: readonly HeldLease[], leaseMs: number): Promise<HeldLease[]>;
  /** Takes those of `shards` that are free or expired, bumping each epoch; returns what it took. */
  acquire(owner: string, shards: readonly number[], leaseMs: number): Promise<AcquiredLease[]>;
  /** Gives a lease back (clean), only at this exact epoch, and notifies the other nodes. */
  release(owner: string, lease: HeldLease): Promise<boolean>;
  /** Removes this node's row. */
  leave(nodeId: string, incarnation: string): Promise<void>;
  /** Every lease row, for `GET /v1/cluster`. */
  leases(): Promise<LeaseRow[]>;
}

/**
 * The {@link LeaseTable} on PostgreSQL, over the dedicated lease connection. Every statement is
 * one conditional UPDATE (or INSERT … ON CONFLICT … WHERE) scoped to the owner and epoch, with
 * expiry compared against `now()`.
 *
 * @example
 * ```ts
 * const table = pgLeaseTable(new LeaseConnection({ connectionString, deadlineMs: 2_000 }), { schema: 'statevisor', channel: 'sv_leases' });
 * ```
 */
export function pgLeaseTable(conn: LeaseConnection, o: { schema: string; channel: string }): LeaseTable {
  const s = `"${o.schema}"`;
  const ms = (n: number): string => `${Math.round(n)} milliseconds`;
  return {
    async ensureShards(count) {
      await conn.query('ensure shards', `INSERT INTO ${s}.shard_leases (shard) SELECT generate_series(0, $1::int - 1) ON CONFLICT (shard) DO NOTHING`, [count]);
    },
    async register(nodeId, incarnation, ttlMs) {
      const r = await conn.query(
        'register node',
        `INSERT INTO ${s}.nodes AS n (id, incarnation, expires_at) VALUES ($1, $2, now() + $3::interval)
         ON CONFLICT (id) DO UPDATE SET incarnation = EXCLUDED.incarnation, started_at = now(), heartbeat_at = now(), expires_at = EXCLUDED.expires_at, draining = false
         WHERE n.expires_at <= now() OR n.incarnation = EXCLUDED.incarnation RETURNING id`,
        [nodeId, incarnation, ms(ttlMs)],
      );
      return r.rowCount === 1;
    },
    async heartbeat(nodeId, incarnation, ttlMs, draining) {
      const r = await conn.query<{ id: string; draining: boolean; age_ms: number; mine: string }>(
        'heartbeat',
        `WITH hb AS (UPDATE ${s}.nodes SET heartbeat_at = now(), expires_at = now() + $3::interval, draining = $4 WHERE id = $1 AND incarnation = $2 RETURNING id, draining)
         SELECT n.id, CASE WHEN n.id = $1 THEN $4 ELSE n.draining END AS draining,
                CASE WHEN n.id = $1 THEN 0 ELSE (extract(epoch FROM now() - n.heartbeat_at) * 1000)::float8 END AS age_ms,
                (SELECT count(*) FROM hb) AS mine
         FROM ${s}.nodes n WHERE n.expires_at > now() OR n.id IN (SELECT id FROM hb)`,
        [nodeId, incarnation, ms(ttlMs), draining],
      );
      const mine = r.rows.length > 0 && Number(r.rows[0]!.mine) === 1;
      return { mine, nodes: r.rows.map((row) => ({ id: row.id, draining: row.draining, heartbeatAgeMs: Math.max(0, Number(row.age_ms)) })) };
    },
    async renew(owner, held, leaseMs) {
      if (held.length === 0) return [];
      const r = await conn.query<{ shard: number; epoch: string }>(
        'renew leases',
        `UPDATE ${s}.shard_leases l SET expires_at = now() + $4::interval
         FROM unnest($2::int[], $3::bigint[]) AS h(shard, epoch)
         WHERE l.shard = h.shard AND l.epoch = h.epoch AND l.owner = $1 AND l.expires_at > now()
         RETURNING l.shard, l.epoch`,
        [owner, held.map((h) => h.shard), held.map((h) => h.epoch), ms(leaseMs)],
      );
      return r.rows.map((row) => ({ shard: row.shard, epoch: Number(row.epoch) }));
    },
    async acquire(owner, shards, leaseMs) {
      if (shards.length === 0) return [];
      const r = await conn.query<{ shard: number; epoch: string; was_clean: boolean }>(
        'acquire leases',
        `UPDATE ${s}.shard_leases l SET owner = $1, epoch = l.epoch + 1, expires_at = now() + $3::interval, clean = false
         FROM (SELECT shard, clean AS was_clean FROM ${s}.shard_leases
               WHERE shard = ANY($2::int[]) AND (owner IS NULL OR expires_at <= now()) FOR UPDATE SKIP LOCKED) o
         WHERE l.shard = o.shard
         RETURNING l.shard, l.epoch, o.was_clean`,
        [owner, [...shards], ms(leaseMs)],
      );
      return r.rows.map((row) => ({ shard: row.shard, epoch: Number(row.epoch), wasClean: row.was_clean }));
    },
    async release(owner, lease) {
      const r = await conn.query(
        'release lease',
        `WITH r AS (UPDATE ${s}.shard_leases SET owner = NULL, expires_at = '-infinity', clean = true
                    WHERE shard = $2 AND owner = $1 AND epoch = $3 RETURNING shard)
         SELECT pg_notify($4, shard::text) FROM r`,
        [owner, lease.shard, lease.epoch, o.channel],
      );
      return r.rowCount === 1;
    },
    async leave(nodeId, incarnation) {
      await conn.query('leave', `WITH d AS (DELETE FROM ${s}.nodes WHERE id = $1 AND incarnation = $2 RETURNING id) SELECT pg_notify($3, 'left') FROM d`, [nodeId, incarnation, o.channel]);
    },
    async leases() {
      const r = await conn.query<{ shard: number; owner: string | null; epoch: string; expires_in_ms: number | null }>(
        'list leases',
        `SELECT shard, owner, epoch, CASE WHEN owner IS NULL THEN NULL ELSE (extract(epoch FROM expires_at - now()) * 1000)::float8 END AS expires_in_ms FROM ${s}.shard_leases ORDER BY shard`,
      );
      return r.rows.map((row) => ({ shard: row.shard, owner: row.owner, epoch: Number(row.epoch), expiresInMs: row.expires_in_ms === null ? null : Number(row.expires_in_ms) }));
    },
  };
}
