import type { AccountInput } from '../account.js';
import { applyAccountPatch, parseAccountInput } from '../accountSchema.js';
import type { Supervisor } from '../createSupervisor.js';
import { AccountDisabledError, AccountExistsError, AccountNotFoundError } from '../errors.js';
import { subscribeBatched } from '../status/subscribeBatched.js';
import type { ClusterClock } from './clock.js';
import type { ClusterNode } from './clusterNode.js';
import { ClusterStatusBoard, type ClusterStatus } from './clusterStatusBoard.js';

export type { ClusterStatus } from './clusterStatusBoard.js';

/**
 * What a node's control API serves in cluster mode: the local supervisor for the accounts this
 * node runs, and for every other account the cluster's view from PostgreSQL. Reads (`list`,
 * `status`, the status model the live stream follows) show the whole cluster: this node's live
 * statuses and the statuses the owners published (`account_status`, refreshed every
 * `refreshMs`), each with `node`. Commands for an account this node does not run are validated,
 * committed in PostgreSQL (which notifies the owner) and answered at once: the answer means
 * "committed"; the owner applies it within a notification (or the next reconcile). `restart` is
 * committed as a restart request (a counter the owner compares with what it applied). A caller
 * who needs "applied" polls `GET /v1/accounts/:id` until the status shows it (a restart: a higher
 * `incarnation`).
 *
 * @example
 * ```ts
 * const api = await createControlApi({ supervisor: clusterSupervisor(supervisor, node, systemClock), token });
 * ```
 */
export function clusterSupervisor(local: Supervisor, node: ClusterNode, clock: ClusterClock, refreshMs = 1_000, onError: (e: unknown) => void = () => {}): Supervisor & { close(): void } {
  const board = new ClusterStatusBoard(local, node.nodeId, (id) => node.owns(id));
  let timer: unknown;
  let closed = false;
  const refresh = async () => {
    try {
      board.setPublished(await node.publishedStatuses());
    } catch (e) {
      // The database is unreachable: keep the last view; local statuses stay live.
      onError(e);
    }
    if (!closed) timer = clock.setTimeout(() => void refresh(), refreshMs);
  };
  void refresh();

  const withNode = (s: NonNullable<ReturnType<Supervisor['status']>>): ClusterStatus => ({ ...s, node: node.nodeId });
  const list = (): ClusterStatus[] => [...board.model.getSnapshot().context.statuses.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) as ClusterStatus[];
  const status = (id: string): ClusterStatus | undefined => {
    if (node.owns(id)) {
      const s = local.status(id);
      return s && withNode(s);
    }
    return board.status(id);
  };
  /** What a command answers for an account another node runs: its last published status with the committed config laid over. */
  const committed = (id: string, enabled: boolean): ClusterStatus => {
    const last = board.published(id);
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
    subscribe: (listener) => subscribeBatched(board.model, listener),
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
      // As on one node: a disabled account is not restarted (enable starts it).
      if (!(await existing(id)).enabled) throw new AccountDisabledError(id);
      if (!(await pg.requestRestart(id))) throw new AccountNotFoundError(id);
      return committed(id, true);
    },
    waitFor: (id, state, opts) => local.waitFor(id, state, opts),
    reload: () => local.reload(),
    shutdown: (opts) => local.shutdown(opts),
    done: local.done,
    // The whole cluster: the live stream follows this model.
    statusModel: board.model,
    actor: local.actor,
    close: () => {
      closed = true;
      clock.clearTimeout(timer);
      board.close();
    },
  };
}
