import { fnv1a32 } from './shardOf.js';

/**
 * Rendezvous (highest random weight) hashing: the owner a shard should have among `nodes` is the
 * node with the highest score for that shard. When a node joins or leaves, only the shards it
 * wins or held change hands; every other shard keeps its owner.
 *
 * @example
 * ```ts
 * desiredOwner(17, ['node-a', 'node-b']); // 'node-a' or 'node-b', the same on every node
 * ```
 */
export function desiredOwner(shard: number, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = mix(fnv1a32(`${node}\u0000${shard}`));
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

/** A final avalanche (murmur3's fmix32), so near-identical node names score independently. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** What one node should do with shards this round. */
export interface PlacementPlan {
  /** Shards this node should hold and does not: try to acquire them (only free or expired leases succeed). */
  acquire: number[];
  /** Shards this node holds that another live node should hold: hand them off cleanly, at most `budget`. */
  release: number[];
}

/**
 * The plan of node `self`: which shards to take and which to hand off. Taking a free or expired
 * shard is never limited (that is failover); handing a held shard to another live node moves
 * load and is limited to `budget` per round and done only once membership has been stable, so a
 * node flapping in and out does not churn sessions.
 *
 * @example
 * ```ts
 * const plan = planPlacement({ self: 'a', shards: 256, live: ['a', 'b'], held: new Set([1, 2]), stable: true, budget: 26 });
 * ```
 */
export function planPlacement(input: { self: string; shards: number; live: readonly string[]; held: ReadonlySet<number>; stable: boolean; budget: number }): PlacementPlan {
  const acquire: number[] = [];
  const release: number[] = [];
  // Not among the live, non-draining nodes (draining, or our heartbeat lapsed): take nothing, hand everything off.
  if (!input.live.includes(input.self)) return { acquire, release: [...input.held].sort((a, b) => a - b) };
  for (let shard = 0; shard < input.shards; shard++) {
    const owner = desiredOwner(shard, input.live);
    if (owner === input.self) {
      if (!input.held.has(shard)) acquire.push(shard);
    } else if (input.held.has(shard) && input.stable && release.length < input.budget) {
      release.push(shard);
    }
  }
  return { acquire, release };
}
