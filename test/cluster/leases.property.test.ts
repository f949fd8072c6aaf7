import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardLeases } from '../../src/cluster/shardLeases.js';
import { nodeLink, prng, World } from './fakeLeaseWorld.js';

const LEASE = 3_000;
const RENEW = 1_000;
const MARGIN = 600;
const SHARDS = 8;
const quiet = { info: () => {}, warn: () => {} };

/**
 * The safety property of the lease logic, on simulated time: whenever a node would send on a
 * shard's sessions (`canSend`), the database row says that node holds that shard at that epoch
 * and the lease has not expired by the database's clock. It follows that two nodes never send for
 * one shard at the same moment. Node clocks drift (rate within ±5 %) and are offset, queries
 * take random time (sometimes far longer than a lease: the hung refresh), and nodes pause
 * (SIGSTOP) for random spans, waking with late timers and answers.
 */
describe('lease trust window (fast-check, simulated clock)', () => {
  it('canSend(shard) implies: the database row is ours, at our epoch, and not expired by the database clock', async () => {
    const nodeArb = fc.record({
      rate: fc.double({ min: 0.95, max: 1.05, noNaN: true }),
      offset: fc.integer({ min: 0, max: 1_000_000 }),
      pauses: fc.array(fc.tuple(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 100, max: 9_000 })), { maxLength: 3 }),
      seed: fc.integer(),
      hangChance: fc.double({ min: 0, max: 0.15, noNaN: true }),
    });
    let trustedSamples = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(nodeArb, { minLength: 2, maxLength: 3 }), async (specs) => {
        const world = new World();
        let checks = 0;
        let sends = 0;
        const managers = specs.map((spec, i) => {
          const random = prng(spec.seed);
          const delay = (): number => (random() < spec.hangChance ? 2_000 + random() * 8_000 : random() * 150);
          const link = nodeLink(world, {
            rate: spec.rate,
            offset: spec.offset,
            pauses: spec.pauses.map(([start, len]) => [start, start + len] as [number, number]),
            latency: () => [delay(), delay()],
          });
          const leases: ShardLeases = new ShardLeases({
            table: link.table,
            nodeId: `n${i}`,
            incarnation: `inc${i}`,
            shards: SHARDS,
            leaseMs: LEASE,
            renewMs: RENEW,
            handoverMarginMs: 1_500,
            trustMarginMs: MARGIN,
            stableMs: 2_000,
            moveBudget: 1,
            clock: link.clock,
            onChange: () => {},
            stopShard: () => new Promise((r) => link.clock.setTimeout(() => r(), random() * 300)),
            onFatal: () => {},
            log: quiet,
          });
          return leases;
        });
        const starts = managers.map((m) => m.start().catch(() => undefined));
        const check = (): void => {
          for (const [i, m] of managers.entries()) {
            for (let shard = 0; shard < SHARDS; shard++) {
              checks++;
              if (!m.canSend(shard)) continue;
              sends++;
              const row = world.rows.get(shard);
              expect(row?.owner, `node n${i} trusts shard ${shard} at T=${world.T}`).toBe(`n${i}`);
              expect(row?.epoch).toBe(m.fenceFor(shard).epoch);
              expect(world.T).toBeLessThan(row!.expires);
            }
          }
        };
        await world.runUntil(60_000, check);
        const stops = managers.map((m) => m.stop());
        await world.runUntil(200_000, () => {});
        await Promise.all([...starts, ...stops]);
        expect(checks).toBeGreaterThan(0);
        trustedSamples += sends;
      }),
      { numRuns: 30, verbose: 1 },
    );
    // Not vacuous: shards were trusted (and checked) many times across the runs.
    expect(trustedSamples).toBeGreaterThan(1_000);
  });

  it('a node that never pauses and talks to a healthy database holds every shard it should, and moves at most the budget per round', async () => {
    const world = new World();
    const links = [0, 1].map(() => nodeLink(world, { rate: 1, offset: 0, pauses: [], latency: () => [5, 5] }));
    const moves: number[] = [];
    const managers = links.map(
      (link, i) =>
        new ShardLeases({
          table: link.table,
          nodeId: `n${i}`,
          incarnation: `i${i}`,
          shards: 64,
          leaseMs: LEASE,
          renewMs: RENEW,
          handoverMarginMs: 1_500,
          trustMarginMs: MARGIN,
          stableMs: 2_000,
          moveBudget: 6,
          clock: link.clock,
          onChange: () => {},
          stopShard: async () => void moves.push(world.T),
          onFatal: () => {},
          log: quiet,
        }),
    );
    // n0 alone first: it takes all 64 shards.
    const first = managers[0]!.start();
    await world.runUntil(5_000, () => {});
    await first;
    expect(managers[0]!.held().size).toBe(64);
    // n1 joins: after membership is stable, n0 hands off at most 6 shards per round until balanced.
    const second = managers[1]!.start();
    await world.runUntil(40_000, () => {});
    await second;
    const a = managers[0]!.held().size;
    const b = managers[1]!.held().size;
    expect(a + b).toBe(64);
    expect(Math.min(a, b)).toBeGreaterThan(16);
    const perSecond = new Map<number, number>();
    for (const t of moves) perSecond.set(Math.floor(t / RENEW), (perSecond.get(Math.floor(t / RENEW)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(6);
    // No shard is held by both.
    for (const shard of managers[0]!.held().keys()) expect(managers[1]!.held().has(shard)).toBe(false);
    const stops = managers.map((m) => m.stop());
    await world.runUntil(60_000, () => {});
    await Promise.all(stops);
  });
});
