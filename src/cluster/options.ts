import type { StoreLogger } from '../persistence/lowdbOptions.js';
import type { ClusterClock } from './clock.js';
import { defaultTrustMargin } from './trustWindow.js';

/**
 * Options of {@link openClusterNode}. Times in milliseconds; every default is in
 * {@link CLUSTER_DEFAULTS} with its reason.
 *
 * @example
 * ```ts
 * const node = await openClusterNode({ connectionString: process.env.STATEVISOR_DATABASE_URL!, nodeId: 'node-a' });
 * ```
 */
export interface ClusterNodeOptions {
  connectionString: string;
  /** Unique among live nodes. Default `<hostname>-<pid>`. */
  nodeId?: string;
  secret?: string;
  schema?: string;
  shards?: number;
  leaseMs?: number;
  renewMs?: number;
  handoverMarginMs?: number;
  /** Subtracted from the lease for the local trust window. Default: a fifth of the lease. */
  trustMarginMs?: number;
  /** Membership must be unchanged this long before shards move between live nodes. Default 2 × renewMs. */
  stableMs?: number;
  /** Full re-read of the accounts table, in case a notification was lost. Default 30 000. */
  reconcileMs?: number;
  clock?: ClusterClock;
  logger?: StoreLogger & { debug?(o: object, m: string): void };
}

/**
 * The defaults, and why:
 * - `shards` 256: enough to spread load over dozens of nodes, few enough that one renewal
 *   statement covers them all (≤ 2 lease queries per node per second at steady state).
 * - `leaseMs` 15 000: a dead node's accounts move after at most about this long (plus the margin);
 *   long enough that a GC pause or a slow database does not cost a lease.
 * - `renewMs` 5 000: three renewals per lease, so one lost round never loses a shard.
 * - `handoverMarginMs` 20 000: after an unclean loss the successor waits this long before starting
 *   the accounts, so the platform has dropped the old owner's silent sessions first (it must be
 *   above the platform's idle timeout; the bundled simulator's is off unless `--idle-timeout-ms`).
 */
export const CLUSTER_DEFAULTS = Object.freeze({
  schema: 'statevisor',
  shards: 256,
  leaseMs: 15_000,
  renewMs: 5_000,
  handoverMarginMs: 20_000,
  reconcileMs: 30_000,
  /** Share of the shards a node may hand off per round. */
  moveFraction: 0.1,
});

/** {@link ClusterNodeOptions} with defaults applied. */
export interface ResolvedClusterOptions {
  schema: string;
  shards: number;
  leaseMs: number;
  renewMs: number;
  handoverMarginMs: number;
  trustMarginMs: number;
  stableMs: number;
  reconcileMs: number;
  moveBudget: number;
}

/**
 * Applies defaults and checks that the timings can work.
 * @example
 * ```ts
 * resolveClusterOptions({ leaseMs: 3_000, renewMs: 1_000 }).trustMarginMs; // 600
 * ```
 * @throws RangeError naming the option.
 */
export function resolveClusterOptions(o: Omit<ClusterNodeOptions, 'connectionString'>): ResolvedClusterOptions {
  const leaseMs = o.leaseMs ?? CLUSTER_DEFAULTS.leaseMs;
  const renewMs = o.renewMs ?? CLUSTER_DEFAULTS.renewMs;
  const shards = o.shards ?? CLUSTER_DEFAULTS.shards;
  const trustMarginMs = o.trustMarginMs ?? defaultTrustMargin(leaseMs);
  const r: ResolvedClusterOptions = {
    schema: o.schema ?? CLUSTER_DEFAULTS.schema,
    shards,
    leaseMs,
    renewMs,
    handoverMarginMs: o.handoverMarginMs ?? CLUSTER_DEFAULTS.handoverMarginMs,
    trustMarginMs,
    stableMs: o.stableMs ?? 2 * renewMs,
    reconcileMs: o.reconcileMs ?? CLUSTER_DEFAULTS.reconcileMs,
    moveBudget: Math.max(1, Math.floor(shards * CLUSTER_DEFAULTS.moveFraction)),
  };
  for (const key of ['leaseMs', 'renewMs', 'handoverMarginMs', 'trustMarginMs', 'stableMs', 'reconcileMs'] as const) {
    if (!Number.isInteger(r[key]) || r[key] < 0 || r[key] > 2_147_483_647) throw new RangeError(`cluster: ${key} must be a whole number of milliseconds ≥ 0, got ${String(r[key])}`);
  }
  if (!Number.isInteger(shards) || shards < 1 || shards > 65_536) throw new RangeError(`cluster: shards must be a whole number from 1 to 65536, got ${String(shards)}`);
  if (renewMs < 50) throw new RangeError(`cluster: renewMs must be at least 50, got ${renewMs}`);
  // Two renewals must fit in the trust window, so that one failed round never costs a shard.
  if (2 * renewMs > leaseMs - trustMarginMs) {
    throw new RangeError(`cluster: renewMs (${renewMs}) must be at most half of leaseMs − trust margin (${leaseMs} − ${trustMarginMs}); for example lease 15000 with renew 5000`);
  }
  return r;
}
