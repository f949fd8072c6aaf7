import type { ClusterClock } from '../../src/cluster/clock.js';
import type { AcquiredLease, HeldLease, LeaseRow, LeaseTable, LiveNode } from '../../src/cluster/leaseTable.js';

/**
 * A simulated world for the lease manager: one real-time axis `T` (the database's `now()`), an
 * event queue on it, an in-memory lease table judged by `T`, and per node a monotonic clock with
 * its own offset and rate, query latencies, and pauses (SIGSTOP: nothing reaches the node while
 * paused, its timers and answers arrive afterwards, late and in a burst).
 */
export class World {
  T = 0;
  #seq = 0;
  #queue: { at: number; seq: number; fn: () => void }[] = [];
  readonly rows = new Map<number, { owner: string | null; epoch: number; expires: number; clean: boolean }>();
  readonly nodes = new Map<string, { incarnation: string; expires: number; draining: boolean; heartbeat: number }>();

  schedule(at: number, fn: () => void): number {
    const item = { at: Math.max(at, this.T), seq: ++this.#seq, fn };
    let i = this.#queue.length;
    while (i > 0 && (this.#queue[i - 1]!.at > item.at || (this.#queue[i - 1]!.at === item.at && this.#queue[i - 1]!.seq > item.seq))) i--;
    this.#queue.splice(i, 0, item);
    return item.seq;
  }

  cancel(seq: unknown): void {
    const i = this.#queue.findIndex((q) => q.seq === seq);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  /** Runs events up to `end`, letting promises settle after each; `check` runs after every event. */
  async runUntil(end: number, check: () => void): Promise<void> {
    while (this.#queue.length > 0 && this.#queue[0]!.at <= end) {
      const item = this.#queue.shift()!;
      this.T = item.at;
      item.fn();
      await settle();
      check();
    }
    this.T = Math.max(this.T, end);
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
}

/** A node's view of the world: its clock and its lease table, with latencies and pauses. */
export interface NodeLink {
  clock: ClusterClock;
  table: LeaseTable;
  /** Real time at which something sent to the node at `t` is processed (after any pause covering `t`). */
  deliver(t: number): number;
}

/**
 * Builds the link of one node. `latency()` returns the request and response delay of each query in ms.
 */
export function nodeLink(world: World, o: { rate: number; offset: number; pauses: readonly [number, number][]; latency: () => [number, number] }): NodeLink {
  const deliver = (t: number): number => {
    let at = t;
    for (const [start, end] of o.pauses) if (at >= start && at < end) at = end;
    return at;
  };
  const clock: ClusterClock = {
    now: () => o.offset + world.T * o.rate,
    setTimeout: (fn, ms) => world.schedule(deliver(world.T + Math.max(0, ms) / o.rate), fn),
    clearTimeout: (h) => world.cancel(h),
  };
  const call = <T>(exec: () => T): Promise<T> =>
    new Promise<T>((resolve) => {
      const [up, down] = o.latency();
      world.schedule(world.T + up, () => {
        const result = exec();
        world.schedule(deliver(world.T + down), () => resolve(result));
      });
    });
  const alive = (n: { expires: number }): boolean => n.expires > world.T;
  const table: LeaseTable = {
    ensureShards: (count) =>
      call(() => {
        for (let s = 0; s < count; s++) if (!world.rows.has(s)) world.rows.set(s, { owner: null, epoch: 0, expires: -Infinity, clean: true });
      }),
    register: (id, incarnation, ttl) =>
      call(() => {
        const n = world.nodes.get(id);
        if (n && alive(n) && n.incarnation !== incarnation) return false;
        world.nodes.set(id, { incarnation, expires: world.T + ttl, draining: false, heartbeat: world.T });
        return true;
      }),
    heartbeat: (id, incarnation, ttl, draining) =>
      call(() => {
        const n = world.nodes.get(id);
        const mine = n?.incarnation === incarnation;
        const before = [...world.nodes].filter(([nid, x]) => alive(x) || (mine && nid === id));
        if (mine) Object.assign(n, { expires: world.T + ttl, draining, heartbeat: world.T });
        const nodes: LiveNode[] = before.map(([nid, x]) => ({ id: nid, draining: nid === id ? draining : x.draining, heartbeatAgeMs: world.T - x.heartbeat }));
        return { mine, nodes };
      }),
    renew: (owner, held, lease) =>
      call(() => {
        const out: HeldLease[] = [];
        for (const h of held) {
          const r = world.rows.get(h.shard)!;
          if (r.owner === owner && r.epoch === h.epoch && r.expires > world.T) {
            r.expires = world.T + lease;
            out.push({ ...h });
          }
        }
        return out;
      }),
    acquire: (owner, shards, lease) =>
      call(() => {
        const out: AcquiredLease[] = [];
        for (const shard of shards) {
          const r = world.rows.get(shard)!;
          if (r.owner === null || r.expires <= world.T) {
            const wasClean = r.clean;
            Object.assign(r, { owner, epoch: r.epoch + 1, expires: world.T + lease, clean: false });
            out.push({ shard, epoch: r.epoch, wasClean });
          }
        }
        return out;
      }),
    release: (owner, h) =>
      call(() => {
        const r = world.rows.get(h.shard)!;
        if (r.owner !== owner || r.epoch !== h.epoch) return false;
        Object.assign(r, { owner: null, expires: -Infinity, clean: true });
        return true;
      }),
    leave: (id, incarnation) =>
      call(() => {
        if (world.nodes.get(id)?.incarnation === incarnation) world.nodes.delete(id);
      }),
    leases: () => call((): LeaseRow[] => [...world.rows].map(([shard, r]) => ({ shard, owner: r.owner, epoch: r.epoch, expiresInMs: r.owner ? r.expires - world.T : null }))),
  };
  return { clock, table, deliver };
}

/** A small deterministic PRNG (mulberry32) for latencies inside one fast-check case. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
