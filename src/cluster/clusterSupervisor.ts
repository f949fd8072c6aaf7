import type { AccountInput, AccountStatus } from '../account.js';
import { applyAccountPatch, parseAccountInput } from '../accountSchema.js';
import type { Supervisor } from '../createSupervisor.js';
import { AccountExistsError, AccountNotFoundError, StatevisorError } from '../errors.js';
import type { ClusterClock } from './clock.js';
import type { ClusterNode } from './clusterNode.js';

/** A status as the cluster shows it: with the node that runs the account. */
export type ClusterStatus = AccountStatus & { node: string };

/**
 * What a node's control API serves in cluster mode: the local supervisor for the accounts this
 * node runs, and for every other account the cluster's view from PostgreSQL. Reads (`list`,
 * `status`) merge this node's live statuses with the statuses the owners published
 * (`account_status`, refreshed every `refreshMs`), each with `node`. Commands for an account this
 * node does not run are validated, committed in PostgreSQL (which notifies the owner) and answered
 * at once: the answer means "committed"; the owner applies it within a notification (or the next
 * reconcile). A caller who needs "applied" polls `GET /v1/accounts/:id` until the status shows it.
 * `restart` needs the owner: it is refused elsewhere with `NOT_OWNER`, naming the owner.
 *
 * @example
 * ```ts
 * const api = await createControlApi({ supervisor: clusterSupervisor(supervisor, node, systemClock), token });
 * ```
 */
export function clusterSupervisor(local: Supervisor, node: ClusterNode, clock: ClusterClock, refreshMs = 1_000, onError: (e: unknown) => void = () => {}): Supervisor & { close(): void } {
  let remote = new Map<string, ClusterStatus>();
  let timer: unknown;
  let closed = false;
  const listeners = new Set<(all: AccountStatus[]) => void>();
  const refresh = async () => {
    try {
      remote = await node.publishedStatuses();
      if (listeners.size > 0) {
        const all = list();
        for (const l of listeners) l(all);
      }
    } catch (e) {
      // The database is unreachable: keep the last view; local statuses stay live.
      onError(e);
    }
    if (!closed) timer = clock.setTimeout(() => void refresh(), refreshMs);
  };
  void refresh();

  const withNode = (s: AccountStatus): ClusterStatus => ({ ...s, node: node.nodeId });
  const list = (): ClusterStatus[] => {
    const out = new Map<string, ClusterStatus>();
    for (const [id, s] of remote) if (!node.owns(id)) out.set(id, s);
    for (const s of local.list()) if (node.owns(s.id) || !out.has(s.id)) out.set(s.id, withNode(s));
    return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  const status = (id: string): ClusterStatus | undefined => {
    if (node.owns(id)) {
      const s = local.status(id);
      return s && withNode(s);
    }
    return remote.get(id) ?? (local.status(id) && withNode(local.status(id)!));
  };
  /** What a command answers for an account another node runs: its last published status with the committed config laid over. */
  const committed = (id: string, enabled: boolean): ClusterStatus => {
    const last = remote.get(id);
    const owner = node.ownerOf(id) ?? last?.node ?? '(unassigned)';
    return { ...(last ?? { id, incarnation: 0, restarts: 0, state: enabled ? 'loading' : 'disabled' }), id, enabled, since: last?.since ?? Date.now(), node: owner };
  };
  const pg = node.pgStore;
  const existing = async (id: string) => {
    const a = await pg.get(id);
    if (!a) throw new AccountNotFoundError(id);
    return a;
  };

  return {
    ...local,
    start: () => local.start(),
    list,
    status,
    subscribe: (listener) => {
      const unsub = local.subscribe(() => listener(list()));
      listeners.add(listener);
      return () => {
        unsub();
        listeners.delete(listener);
      };
    },
    add: async (input: AccountInput) => {
      const account = parseAccountInput(input);
      if (node.owns(account.id)) return withNode(await local.add(input));
      if (await pg.get(account.id)) throw new AccountExistsError(account.id);
      await pg.put(account);
      return committed(account.id, account.enabled);
    },
    update: async (id, patch) => {
      if (node.owns(id)) return withNode(await local.update(id, patch));
      const next = applyAccountPatch(await existing(id), patch);
      await pg.put(next);
      return committed(id, next.enabled);
    },
    enable: async (id) => {
      if (node.owns(id)) return withNode(await local.enable(id));
      await pg.put({ ...(await existing(id)), enabled: true });
      return committed(id, true);
    },
    disable: async (id) => {
      if (node.owns(id)) return withNode(await local.disable(id));
      await pg.put({ ...(await existing(id)), enabled: false });
      return committed(id, false);
    },
    remove: async (id) => {
      if (node.owns(id)) return local.remove(id);
      await existing(id);
      await pg.delete(id);
    },
    restart: async (id) => {
      if (node.owns(id)) return withNode(await local.restart(id));
      await existing(id);
      const owner = node.ownerOf(id) ?? remote.get(id)?.node;
      throw new StatevisorError('NOT_OWNER', `Account "${id}" runs on node "${owner ?? 'none yet'}", not on "${node.nodeId}": send restart to that node's API (\`statevisor cluster\` lists the nodes).`, { retryable: true });
    },
    waitFor: (id, state, opts) => local.waitFor(id, state, opts),
    reload: () => local.reload(),
    shutdown: (opts) => local.shutdown(opts),
    done: local.done,
    statusModel: local.statusModel,
    actor: local.actor,
    close: () => {
      closed = true;
      clock.clearTimeout(timer);
    },
  };
}
