import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredOwner, planPlacement } from '../../src/cluster/rendezvous.js';
import { shardOf } from '../../src/cluster/shardOf.js';

describe('placement', () => {
  it('shardOf is stable and spreads ids', () => {
    expect(shardOf('shop-42', 256)).toBe(shardOf('shop-42', 256));
    // Pinned: a change of hash would move every account to another shard on upgrade.
    expect([shardOf('a', 256), shardOf('shop-42', 256), shardOf('é', 256)]).toEqual([44, 174, 193]);
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf(`acct-${i}`, 16)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
  });

  it('rendezvous: removing a node moves only its shards; adding one takes shards only for itself', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 2, maxLength: 6 }), fc.integer({ min: 0, max: 5 }), (nodes, k) => {
        const gone = nodes[k % nodes.length]!;
        const rest = nodes.filter((n) => n !== gone);
        for (let shard = 0; shard < 64; shard++) {
          const before = desiredOwner(shard, nodes)!;
          const after = desiredOwner(shard, rest)!;
          if (before !== gone) expect(after).toBe(before);
        }
      }),
    );
  });

  it('planPlacement: hands off at most the budget, only when stable, and a draining node releases everything', () => {
    const held = new Set(Array.from({ length: 64 }, (_, i) => i));
    const plan = planPlacement({ self: 'a', shards: 64, live: ['a', 'b'], held, stable: true, budget: 6 });
    expect(plan.acquire).toEqual([]);
    expect(plan.release.length).toBe(6);
    for (const s of plan.release) expect(desiredOwner(s, ['a', 'b'])).toBe('b');
    expect(planPlacement({ self: 'a', shards: 64, live: ['a', 'b'], held, stable: false, budget: 6 }).release).toEqual([]);
    expect(planPlacement({ self: 'a', shards: 64, live: ['b'], held, stable: false, budget: 6 }).release.length).toBe(64);
  });
});
