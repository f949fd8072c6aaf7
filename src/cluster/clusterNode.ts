import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { pino } from 'pino';
import type { Account, AccountStatus } from '../account.js';
import type { AccountStore } from '../persistence/accountStore.js';
import type { StatusModel } from '../status/statusBoard.js';
import { postgresStore, type PostgresStore } from '../persistence/postgresStore.js';
import { systemClock } from './clock.js';
import { fnv1a32, shardOf } from './shardOf.js';
import { LeaseConnection } from './leaseConnection.js';
import { pgLeaseTable, type LeaseRow, type LeaseTable } from './leaseTable.js';
import { resolveClusterOptions, type ClusterNodeOptions, type ResolvedClusterOptions } from './options.js';
import { OwnedStore } from './ownedStore.js';
import { Reconciler } from './reconciler.js';
import { RestartRequests } from './restartRequests.js';
import type { PublishedStatus } from './clusterStatusBoard.js';
import { ShardLeases } from './shardLeases.js';
import { StatusPublisher } from './statusPublisher.js';

/** What `GET /v1/cluster` and `statevisor cluster` show. */
export interface ClusterInfo {
  /** The node answering. */
  node: string;
  nodes: { id: string; heartbeatAgeMs: number; draining: boolean; shards: number }[];
  shards: LeaseRow[];
  /** This node's counters. */
  self: ClusterNodeStats;
}

/** One node's counters and gauges (`GET /v1/cluster` `self`, and the `statevisor_cluster_*` metrics). */
export interface ClusterNodeStats {
  rounds: number;
  leaseQueries: number;
  /** Fenced writes the database refused (`LEASE_LOST`): supervision records and published statuses together. */
  rejectedWrites: number;
  /** Of those, supervision-record writes (restart and suspension state). */
  rejectedSupervisionWrites: number;
  /** Of those, published statuses. */
  rejectedStatusWrites: number;
  publishedStatuses: number;
  /** Restarts requested through another node's API and carried out here. */
  restartRequestsApplied: number;
  /** Live, non-draining nodes seen in the last lease round: this node admits 1/that of the admission limits. */
  liveNodes: number;
  active: number;
  held: number;
}

/**
 * The part of a supervisor the cluster node drives: `reload()` when the shards it runs change,
 * the status model's changes to publish statuses, `restart()` for restarts requested on other nodes, and
 * `shareAdmission()` with the number of live nodes whenever membership changes.
 */
export interface Reloadable {
  reload(): Promise<unknown>;
  /** The status read model, whose `changed` events the node publishes for the other nodes. */
  statusModel?: Pick<StatusModel, 'on'>;
  list?(): AccountStatus[];
  restart?(id: string): Promise<unknown>;
  shareAdmission?(nodes: number): void;
}

/**
 * One statevisor node of a cluster on PostgreSQL. It opens the PostgreSQL store (supervision
 * writes fenced by shard epoch), a dedicated lease connection, and the lease manager; it gives the
 * supervisor a store that shows only the accounts of the shards this node runs, and the session
 * worker a `canSend` guard. Ownership changes reach the supervisor only through `reload()`.
 *
 * Order of use: open → `createSupervisor({ store: node.store, worker: websocketSession({ canSend: node.canSend, … }) })`
 * → `supervisor.start()` → `node.start(supervisor)`; on SIGTERM `node.drain()` (clean handoff)
 * → `supervisor.shutdown()` → `node.close()`.
 *
 * @example
 * ```ts
 * const node = await openClusterNode({ connectionString: url, nodeId: 'a', leaseMs: 15_000, renewMs: 5_000 });
 * const supervisor = createSupervisor({ store: node.store, worker: websocketSession({ url: platform, canSend: node.canSend }) });
 * await supervisor.start();
 * await node.start(supervisor);
 * ```
 * @throws DatabaseUnavailableError, StoreVersionTooNewError, StoreSecretError, RangeError (timings).
 */
export async function openClusterNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const o = resolveClusterOptions(options);
  const node = new ClusterNode(options, o);
  await node.open();
  return node;
}

export class ClusterNode {
  readonly nodeId: string;
  readonly #incarnation = randomUUID();
  readonly #clock;
  readonly #log;
  readonly #leaseChannel: string;
  readonly #accountChannel: string;
  #pg!: PostgresStore;
  #view!: OwnedStore;
  #conn!: LeaseConnection;
  #table!: LeaseTable;
  #leases!: ShardLeases;
  #reloads: Reconciler | undefined;
  #restarts: RestartRequests | undefined;
  #restartsApplied = 0;
  #supervisor: Reloadable | undefined;
  #liveNodes = 0;
  #reconcileTimer: unknown;
  #publisher: StatusPublisher | undefined;
  #unsubscribe: (() => void) | undefined;
  #leaseQueries = 0;
  #owners = new Map<number, string>();
  #closed = false;
  #fatal: Error | undefined;
  #onFatal: ((e: Error) => void) | undefined;

  constructor(
    private readonly options: ClusterNodeOptions,
    readonly config: ResolvedClusterOptions,
  ) {
    this.nodeId = options.nodeId ?? `${os.hostname()}-${process.pid}`;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? pino({ name: 'statevisor', level: 'info' }).child({ component: 'cluster' });
    const tag = fnv1a32(config.schema).toString(16);
    this.#leaseChannel = `statevisor_leases_${tag}`;
    this.#accountChannel = `statevisor_accounts_${tag}`;
  }

  /** @internal Opens the store and the lease connection, and loads the accounts table. */
  async open(): Promise<void> {
    const o = this.config;
    this.#pg = await postgresStore({
      connectionString: this.options.connectionString,
      schema: o.schema,
      ...(this.options.secret !== undefined ? { secret: this.options.secret } : {}),
      fence: (id) => this.#leases.fenceFor(shardOf(id, o.shards)),
      notifyChannel: this.#accountChannel,
      logger: this.#log,
    });
    this.#view = new OwnedStore(this.#pg, (id) => this.#leases.isActive(shardOf(id, o.shards)));
    this.#conn = new LeaseConnection({
      connectionString: this.options.connectionString,
      deadlineMs: o.renewMs,
      channels: [this.#leaseChannel, this.#accountChannel],
      onNotify: (channel, payload) => this.#onNotify(channel, payload),
      onConnect: () => this.#reconcileSoon(),
      onError: (e) => this.#log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cluster: the lease connection failed; it reconnects on the next round'),
    });
    const counted: LeaseTable = pgLeaseTable(this.#conn, { schema: o.schema, channel: this.#leaseChannel });
    this.#table = Object.fromEntries(
      Object.entries(counted).map(([k, f]) => [k, (...args: unknown[]) => (this.#leaseQueries++, (f as (...a: unknown[]) => unknown)(...args))]),
    ) as unknown as LeaseTable;
    this.#leases = new ShardLeases({
      table: this.#table,
      nodeId: this.nodeId,
      incarnation: this.#incarnation,
      shards: o.shards,
      leaseMs: o.leaseMs,
      renewMs: o.renewMs,
      handoverMarginMs: o.handoverMarginMs,
      trustMarginMs: o.trustMarginMs,
      stableMs: o.stableMs,
      moveBudget: o.moveBudget,
      clock: this.#clock,
      onChange: () => void this.#reloads?.request(),
      onMembers: (live) => {
        this.#liveNodes = live;
        // Each live node admits its share of the fleet-wide admission limits.
        this.#supervisor?.shareAdmission?.(Math.max(1, live));
      },
      stopShard: async () => {
        await this.#reloads?.request();
      },
      onFatal: (e) => {
        this.#fatal = e;
        this.#onFatal?.(e);
      },
      log: this.#log,
    });
    try {
      await this.#view.refreshAll();
    } catch (e) {
      await this.#pg.close();
      throw e;
    }
  }

  /** The store to give the supervisor: the accounts of the shards this node runs now. */
  get store(): AccountStore {
    return this.#view.store;
  }

  /** The PostgreSQL store underneath (all accounts, for commands from any node). */
  get pgStore(): PostgresStore {
    return this.#pg;
  }

  /** The session worker's guard: true only while this node holds and trusts the account's shard. */
  readonly canSend = (account: Pick<Account, 'id'>): boolean => this.#leases.canSend(shardOf(account.id, this.config.shards));

  /** The node holding the account's shard, as this node last saw it (its own shards exactly; others from the last `info()`/status refresh). */
  ownerOf(accountId: string): string | undefined {
    const shard = shardOf(accountId, this.config.shards);
    return this.#leases.isActive(shard) ? this.nodeId : this.#owners.get(shard);
  }

  /** Every status the owners published (`account_status`), with the owner in `node` and the row's stamp; also refreshes the shard owners seen. */
  async publishedStatuses(): Promise<Map<string, PublishedStatus>> {
    const s = this.#pg.quotedSchema;
    const [statuses, owners] = await Promise.all([
      this.#pg.pool.query<{ id: string; node: string; status: AccountStatus; stamp: string }>(`SELECT id, node, status, updated_at::text AS stamp FROM ${s}.account_status`),
      this.#pg.pool.query<{ shard: number; owner: string }>(`SELECT shard, owner FROM ${s}.shard_leases WHERE owner IS NOT NULL AND expires_at > now()`),
    ]);
    this.#owners = new Map(owners.rows.map((r) => [r.shard, r.owner]));
    return new Map(statuses.rows.map((r) => [r.id, { status: { ...r.status, node: r.node }, stamp: `${r.node}@${r.stamp}` }]));
  }

  /** Whether this node runs `accountId` now. */
  owns(accountId: string): boolean {
    return this.#leases.isActive(shardOf(accountId, this.config.shards));
  }

  /**
   * Joins the cluster: registers the node (DUPLICATE_NODE_ID if a live node has the id), runs the
   * first lease round, and from then on reloads `supervisor` whenever the shards it runs change.
   * `onFatal` is called if another process takes this node id later.
   */
  async start(supervisor: Reloadable, onFatal?: (e: Error) => void): Promise<void> {
    this.#onFatal = onFatal;
    this.#supervisor = supervisor;
    const restart = supervisor.restart?.bind(supervisor);
    if (restart) {
      this.#restarts = new RestartRequests({
        ids: () => this.#view.ids(),
        requested: (id) => this.#view.restartRequestsOf(id),
        owns: (id) => this.owns(id),
        restart: async (id) => {
          await restart(id);
          this.#restartsApplied++;
          this.#log.info({ id }, `cluster: account ${id} restarted, as requested through another node`);
        },
        onSkipped: (id, e) => this.#log.info({ id, err: e instanceof Error ? e.message : String(e) }, `cluster: a restart requested for account ${id} was not carried out`),
      });
      // Nothing runs here yet: every counter read at open becomes the baseline (a request made
      // before this node ran the account is met by the fresh start it gets here).
      await this.#restarts.apply();
    }
    this.#reloads = new Reconciler(
      () => supervisor.reload(),
      (e) => this.#log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cluster: reloading the supervisor failed'),
    );
    if (supervisor.statusModel) {
      const publisher = new StatusPublisher({
        pool: this.#pg.pool,
        quotedSchema: this.#pg.quotedSchema,
        nodeId: this.nodeId,
        fenceFor: (shard) => this.#leases.fenceFor(shard),
        shardOf: (id) => shardOf(id, this.config.shards),
        clock: this.#clock,
        flushMs: 250,
        queryTimeoutMs: 10_000,
        onError: (e) => this.#log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cluster: publishing statuses failed; the next change retries'),
      });
      this.#publisher = publisher;
      const sub = supervisor.statusModel.on('changed', ({ id, status }) => {
        try {
          publisher.change(id, status);
        } catch (e) {
          // Runs inside the supervisor's publish: publishing to the other nodes must never break it.
          this.#log.warn({ id, err: e instanceof Error ? e.message : String(e) }, 'cluster: could not queue a status for publishing');
        }
      });
      this.#unsubscribe = () => sub.unsubscribe();
      for (const s of supervisor.list?.() ?? []) publisher.change(s.id, s);
    }
    await this.#leases.start();
    this.#scheduleReconcile();
    await this.#reloads.request();
  }

  /** Clean leave: hand every shard off (stop its accounts, wait until cleaned, release, notify), then leave. */
  async drain(timeoutMs: number): Promise<void> {
    this.#clock.clearTimeout(this.#reconcileTimer);
    await this.#leases.drain(timeoutMs);
  }

  /** Stops rounds and closes the lease connection and the store. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#reconcileTimer);
    await this.#leases.stop();
    await this.#reloads?.idle();
    this.#unsubscribe?.();
    await this.#publisher?.close();
    await this.#conn.close();
    await this.#pg.close();
  }

  get fatal(): Error | undefined {
    return this.#fatal;
  }

  /** The cluster as the database sees it, plus this node's counters. */
  async info(): Promise<ClusterInfo> {
    const shards = await this.#table.leases();
    const held = new Map<string, number>();
    for (const s of shards) if (s.owner !== null && (s.expiresInMs ?? 0) > 0) held.set(s.owner, (held.get(s.owner) ?? 0) + 1);
    return {
      node: this.nodeId,
      nodes: this.#leases.members().map((n) => ({ ...n, shards: held.get(n.id) ?? 0 })),
      shards,
      self: this.stats(),
    };
  }

  /** This node's counters: lease rounds and queries, fenced writes the database refused, shards held and active. */
  stats(): ClusterNodeStats {
    const held = this.#leases.held();
    const rejectedSupervisionWrites = this.#pg.rejectedWrites();
    const rejectedStatusWrites = this.#publisher?.rejected ?? 0;
    return {
      rounds: this.#leases.rounds,
      leaseQueries: this.#leaseQueries,
      rejectedWrites: rejectedSupervisionWrites + rejectedStatusWrites,
      rejectedSupervisionWrites,
      rejectedStatusWrites,
      publishedStatuses: this.#publisher?.published ?? 0,
      restartRequestsApplied: this.#restartsApplied,
      liveNodes: this.#liveNodes,
      held: held.size,
      active: [...held.values()].filter((s) => s.kind === 'active').length,
    };
  }

  #onNotify(channel: string, payload: string | undefined): void {
    if (channel === this.#leaseChannel) {
      void this.#leases.kick();
    } else if (channel === this.#accountChannel && payload) {
      this.#view
        .refreshOne(payload)
        .then(() => this.#reloads?.request())
        .then(() => this.#restarts?.apply([payload]))
        .catch((e: unknown) => this.#log.warn({ id: payload, err: e instanceof Error ? e.message : String(e) }, 'cluster: re-reading a changed account failed; the periodic reconcile retries'));
    }
  }

  /** Full re-read of the accounts table and a reload: after every (re)connect of the listener, and periodically. */
  #reconcileSoon(): void {
    if (this.#closed) return;
    this.#view
      .refreshAll()
      .then(() => this.#reloads?.request())
      .then(() => this.#restarts?.apply())
      .catch((e: unknown) => this.#log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cluster: reconciling the accounts table failed; retried later'));
  }

  #scheduleReconcile(): void {
    if (this.#closed) return;
    this.#reconcileTimer = this.#clock.setTimeout(() => {
      this.#reconcileSoon();
      this.#scheduleReconcile();
    }, this.config.reconcileMs);
  }
}
