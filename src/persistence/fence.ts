import { StatevisorError } from '../errors.js';

/**
 * The fencing token a store write carries in cluster mode: the shard of the account and the lease
 * term (`epoch`) under which this node (`owner`) believes it holds that shard. The database
 * applies the write only while that exact lease row still exists; a node whose lease moved on
 * (expired and taken over, released) gets {@link LeaseLostError} and changes nothing.
 *
 * @example
 * ```ts
 * const fence: Fence = { shard: 17, owner: 'node-a', epoch: 42 };
 * ```
 */
export interface Fence {
  shard: number;
  owner: string;
  epoch: number;
}

/**
 * Where a store finds the fence for an account's write: `undefined` means "not fenced" (single
 * node, or a write any node may make, such as a command's `put`).
 *
 * @example
 * ```ts
 * const store = await postgresStore({ connectionString, fence: (id) => leases.fenceFor(id) });
 * ```
 */
export type FenceProvider = (accountId: string) => Fence | undefined;

/**
 * A fenced write was refused because the shard's lease is no longer the one the writer holds.
 * Not a crash: the account now belongs to another node (or to nobody until a node takes it), so
 * the restart policy must not count it; the node simply stops the account.
 *
 * @example
 * ```ts
 * try { await store.put(account); }
 * catch (e) { if (e instanceof StatevisorError && e.code === 'LEASE_LOST') stopLocally(account.id); }
 * ```
 */
export class LeaseLostError extends StatevisorError {
  constructor(
    readonly accountId: string,
    readonly fence: Fence,
  ) {
    super(
      'LEASE_LOST',
      `The write for account "${accountId}" was refused: node "${fence.owner}" no longer holds shard ${fence.shard} at epoch ${fence.epoch} (another node took it over, or the lease expired). Nothing was changed; the owning node carries on. See \`statevisor cluster\` for who holds the shard.`,
      { retryable: false },
    );
    this.name = 'LeaseLostError';
  }
}
