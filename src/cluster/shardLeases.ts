import type { Fence } from '../persistence/fence.js';
import type { ClusterClock } from './clock.js';
import { DuplicateNodeIdError } from './errors.js';
import type { HeldLease, LeaseTable, LiveNode } from './leaseTable.js';
import { planPlacement } from './rendezvous.js';
import { isTrusted, trustUntil } from './trustWindow.js';

/**
 * One held shard, one tagged state (Effect FiberMap style: the kind says what may happen next).
 * - `waiting`: acquired after an unclean loss; its accounts start at `activeAt` (handover margin).
 * - `active`: its accounts run here.
 * - `handingOff`: its accounts are being stopped; then the lease is released.
 * Each is trusted only until `trustedUntil` on the monotonic clock.
 */
export type ShardState =
  | { kind: 'waiting'; epoch: number; trustedUntil: number; activeAt: number }
  | { kind: 'active'; epoch: number; trustedUntil: number }
  | { kind: 'handingOff'; epoch: number; trustedUntil: number };

/** Options of {@link ShardLeases}; all times in milliseconds. */
export interface ShardLeasesOptions {
  table: LeaseTable;
  nodeId: string;
  /** Distinguishes this process from an earlier one with the same id. */
  incarnation: string;
  shards: number;
  leaseMs: number;
  renewMs: number;
  handoverMarginMs: number;
  trustMarginMs: number;
  /** How long membership must be unchanged before shards move between live nodes. */
  stableMs: number;
  /** At most this many shards handed off per round (about 10 % of the shards). */
  moveBudget: number;
  clock: ClusterClock;
  /** The set of active shards changed (acquired, promoted, lost, handing off): reconcile the accounts. Called synchronously. */
  onChange: () => void;
  /** Membership changed: `live` nodes are live and not draining now (this one included unless it drains). Called synchronously. */
  onMembers?: (live: number) => void;
  /** Resolves once every account of `shard` is stopped (cleaned) on this node. */
  stopShard: (shard: number) => Promise<void>;
  /** A fatal condition (another live process took this node id): the node must stop. */
  onFatal: (error: Error) => void;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/**
 * The lease manager of one node. Every `renewMs` a round runs on the dedicated lease connection:
 * heartbeat (and read the live nodes), renew every held lease at its epoch, acquire the shards
 * rendezvous hashing gives this node that are free or expired, and hand off (stop, wait until
 * cleaned, release) those another live node should hold, a few per round once membership is stable.
 *
 * Safety does not depend on rounds running on time: each shard is trusted until
 * `renewStart + leaseMs − trustMarginMs` on the monotonic clock, a timer fences it (its accounts
 * are stopped) when that passes without a renewal, and `canSend(shard)` reads the clock itself
 * so a frame is never sent on a stale lease even when that timer fires late (GC, SIGSTOP).
 *
 * @example
 * ```ts
 * const leases = new ShardLeases({ table, nodeId: 'a', incarnation: randomUUID(), shards: 256, leaseMs: 15_000, renewMs: 5_000, ...timings, clock, onChange, stopShard, onFatal, log });
 * await leases.start();
 * leases.isActive(shardOf('shop-42', 256));
 * await leases.drain(10_000); await leases.stop();
 * ```
 */
export class ShardLeases {
  readonly #states = new Map<number, ShardState>();
  /** The last epoch held per shard, kept after losing it: a late write carries it and is refused by the database. */
  readonly #lastEpoch = new Map<number, number>();
  readonly #handoffs = new Set<Promise<void>>();
  #members: LiveNode[] = [];
  #memberKey = '';
  #stableSince = 0;
  #draining = false;
  #stopped = false;
  #roundTimer: unknown;
  #trustTimer: unknown;
  #running: Promise<void> | undefined;
  #again = false;
  #rounds = 0;

  constructor(private readonly o: ShardLeasesOptions) {}

  /** Creates the shard rows, registers this node, and runs the first round. @throws DuplicateNodeIdError. */
  async start(): Promise<void> {
    await this.o.table.ensureShards(this.o.shards);
    if (!(await this.o.table.register(this.o.nodeId, this.o.incarnation, this.o.leaseMs))) throw new DuplicateNodeIdError(this.o.nodeId);
    this.#stableSince = this.o.clock.now();
    await this.kick();
  }

  /** Runs a round now (or right after the one running). Never rejects. */
  kick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.o.clock.clearTimeout(this.#roundTimer);
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (!this.#stopped) this.#roundTimer = this.o.clock.setTimeout(() => void this.kick(), this.o.renewMs);
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#round();
      } catch (e) {
        this.o.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cluster: lease round failed; held shards stay trusted only until their trust window ends');
      }
      this.#checkTrust();
    } while (this.#again && !this.#stopped);
  }

  async #round(): Promise<void> {
    this.#rounds++;
    const hb = await this.o.table.heartbeat(this.o.nodeId, this.o.incarnation, this.o.leaseMs, this.#draining);
    if (!hb.mine) {
      this.#loseAll('another process registered this node id');
      this.o.onFatal(new DuplicateNodeIdError(this.o.nodeId));
      return;
    }
    this.#observeMembers(hb.nodes);
    await this.#renew();
    if (this.#stopped) return;
    const live = this.#members.filter((n) => !n.draining).map((n) => n.id);
    const plan = planPlacement({ self: this.o.nodeId, shards: this.o.shards, live, held: new Set(this.#states.keys()), stable: this.#stable(), budget: this.o.moveBudget });
    if (plan.acquire.length > 0 && !this.#draining) await this.#acquire(plan.acquire);
    for (const shard of plan.release) this.#handOff(shard);
  }

  async #renew(): Promise<void> {
    const held: HeldLease[] = [...this.#states].map(([shard, st]) => ({ shard, epoch: st.epoch }));
    if (held.length === 0) return;
    const renewStart = this.o.clock.now();
    const renewed = await this.o.table.renew(this.o.nodeId, held, this.o.leaseMs);
    const ok = new Map(renewed.map((r) => [r.shard, r.epoch]));
    for (const { shard, epoch } of held) {
      const st = this.#states.get(shard);
      if (!st || st.epoch !== epoch) continue;
      if (ok.get(shard) === epoch) st.trustedUntil = Math.max(st.trustedUntil, this.#until(renewStart));
      else this.#lose(shard, 'the lease was not renewed (expired or taken over)');
    }
  }

  async #acquire(shards: number[]): Promise<void> {
    const renewStart = this.o.clock.now();
    const got = await this.o.table.acquire(this.o.nodeId, shards, this.o.leaseMs);
    const trustedUntil = this.#until(renewStart);
    let changed = false;
    for (const { shard, epoch, wasClean } of got) {
      this.#lastEpoch.set(shard, epoch);
      if (wasClean) {
        this.#states.set(shard, { kind: 'active', epoch, trustedUntil });
        changed = true;
      } else {
        this.#states.set(shard, { kind: 'waiting', epoch, trustedUntil, activeAt: this.o.clock.now() + this.o.handoverMarginMs });
      }
    }
    if (got.length > 0) this.o.log.info({ shards: got.length, waiting: got.filter((g) => !g.wasClean).length }, 'cluster: acquired shard leases');
    if (changed) this.o.onChange();
  }

  /** Clean handoff: stop the shard's accounts, wait until each is cleaned, release, notify. */
  #handOff(shard: number): void {
    const st = this.#states.get(shard);
    if (!st || st.kind === 'handingOff') return;
    const epoch = st.epoch;
    this.#states.set(shard, { kind: 'handingOff', epoch, trustedUntil: st.trustedUntil });
    this.o.onChange();
    const done = (async () => {
      await this.o.stopShard(shard);
      const now = this.#states.get(shard);
      // Lost meanwhile (trust ended): nothing to release, the lease expires on its own.
      if (now?.kind !== 'handingOff' || now.epoch !== epoch) return;
      this.#states.delete(shard);
      await this.o.table.release(this.o.nodeId, { shard, epoch });
    })()
      .catch((e: unknown) => this.o.log.warn({ shard, err: e instanceof Error ? e.message : String(e) }, 'cluster: handing off a shard failed; its lease expires instead'))
      .finally(() => this.#handoffs.delete(done));
    this.#handoffs.add(done);
  }

  #observeMembers(nodes: LiveNode[]): void {
    this.#members = nodes;
    const key = nodes
      .filter((n) => !n.draining)
      .map((n) => n.id)
      .sort()
      .join('\u0000');
    if (key !== this.#memberKey) {
      this.#memberKey = key;
      this.#stableSince = this.o.clock.now();
      this.o.onMembers?.(nodes.filter((n) => !n.draining).length);
    }
  }

  #stable(): boolean {
    return this.o.clock.now() - this.#stableSince >= this.o.stableMs;
  }

  #until(renewStart: number): number {
    return trustUntil({ renewStart, leaseMs: this.o.leaseMs, marginMs: this.o.trustMarginMs });
  }

  /** Fences expired shards, promotes waiting ones whose margin passed, and sets the timer for the next such moment. */
  #checkTrust(): void {
    this.o.clock.clearTimeout(this.#trustTimer);
    if (this.#stopped) return;
    const now = this.o.clock.now();
    let changed = false;
    let next = Infinity;
    for (const [shard, st] of this.#states) {
      if (!isTrusted(st.trustedUntil, now)) {
        this.#lose(shard, 'its trust window ended without a renewal', false);
        changed = true;
        continue;
      }
      if (st.kind === 'waiting' && now >= st.activeAt) {
        this.#states.set(shard, { kind: 'active', epoch: st.epoch, trustedUntil: st.trustedUntil });
        changed = true;
      }
      const st2 = this.#states.get(shard)!;
      next = Math.min(next, st2.trustedUntil, st2.kind === 'waiting' ? st2.activeAt : Infinity);
    }
    if (changed) this.o.onChange();
    if (next !== Infinity) this.#trustTimer = this.o.clock.setTimeout(() => this.#checkTrust(), Math.max(0, next - now));
  }

  #lose(shard: number, why: string, notify = true): void {
    if (!this.#states.delete(shard)) return;
    this.o.log.warn({ shard, why }, 'cluster: fenced a shard; its accounts stop on this node');
    if (notify) this.o.onChange();
  }

  #loseAll(why: string): void {
    const shards = [...this.#states.keys()];
    this.#states.clear();
    if (shards.length > 0) {
      this.o.log.warn({ shards: shards.length, why }, 'cluster: fenced every shard');
      this.o.onChange();
    }
  }

  /** Whether this node runs the shard's accounts now (active and trusted). */
  isActive(shard: number): boolean {
    const st = this.#states.get(shard);
    return st?.kind === 'active' && isTrusted(st.trustedUntil, this.o.clock.now());
  }

  /** Whether this node may still send on the shard's sessions: held, trusted, and not merely waiting. Reads the clock itself. */
  canSend(shard: number): boolean {
    const st = this.#states.get(shard);
    return st !== undefined && st.kind !== 'waiting' && isTrusted(st.trustedUntil, this.o.clock.now());
  }

  /** The fence a write for `shard` carries: the current epoch, or the last one held (a stale write is then refused by the database). */
  fenceFor(shard: number): Fence {
    return { shard, owner: this.o.nodeId, epoch: this.#states.get(shard)?.epoch ?? this.#lastEpoch.get(shard) ?? 0 };
  }

  /** A copy of the held shards' states. */
  held(): Map<number, ShardState> {
    return new Map([...this.#states].map(([k, v]) => [k, { ...v }]));
  }

  /** The live nodes seen in the last round. */
  members(): readonly LiveNode[] {
    return this.#members;
  }

  get rounds(): number {
    return this.#rounds;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Clean exit: marks this node draining, hands every shard off (stop accounts, wait until
   * cleaned, release, notify) and leaves the membership. Bounded by `timeoutMs`; leases not
   * released by then simply expire.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    const deadline = this.o.clock.now() + timeoutMs;
    await this.kick();
    for (const shard of [...this.#states.keys()]) this.#handOff(shard);
    if (this.#handoffs.size > 0) {
      let timer: unknown;
      const expired = new Promise((r) => (timer = this.o.clock.setTimeout(() => r(undefined), Math.max(1, deadline - this.o.clock.now()))));
      await Promise.race([Promise.allSettled([...this.#handoffs]), expired]);
      this.o.clock.clearTimeout(timer);
    }
    await this.o.table.leave(this.o.nodeId, this.o.incarnation).catch(() => undefined);
  }

  /** Stops rounds and timers and forgets every lease (without touching the database). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.o.clock.clearTimeout(this.#roundTimer);
    this.o.clock.clearTimeout(this.#trustTimer);
    await this.#running;
    this.#states.clear();
  }
}
