import type { AccountStatus } from '../account.js';
import type { Supervisor } from '../createSupervisor.js';
import { createStatusModel, type StatusModel } from '../status/statusBoard.js';

/** A status as the cluster shows it: with the node that runs the account. */
export type ClusterStatus = AccountStatus & { node: string };

/** A status another node published, with the row's `updated_at` (changes with every publication). */
export interface PublishedStatus {
  status: ClusterStatus;
  stamp: string;
}

/**
 * The whole cluster's statuses as one status read model, so that everything reading a model (the
 * live stream `GET /v1/events`, `list()`) shows every account from any node, each with `node`.
 * An account this node runs shows its live local status; any other account the status its owner
 * last published (`account_status`, read every second). Each local change and each published
 * change re-derives that one account's entry, and the model emits `changed` only when the entry
 * really changed, so a stream client sees another node's change within about a second, once.
 *
 * @example
 * ```ts
 * const board = new ClusterStatusBoard(supervisor, 'a', (id) => node.owns(id));
 * board.setPublished(await node.publishedStatuses());
 * board.model.on('changed', ({ id, status }) => console.log(id, (status as ClusterStatus | undefined)?.node));
 * ```
 */
export class ClusterStatusBoard {
  readonly model: StatusModel = createStatusModel();
  #published = new Map<string, PublishedStatus>();
  /** What each entry was derived from: a local status object, or a published row's stamp. */
  readonly #source = new Map<string, AccountStatus | string>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly local: Pick<Supervisor, 'status' | 'list' | 'statusModel'>,
    private readonly nodeId: string,
    private readonly owns: (id: string) => boolean,
  ) {
    const sub = local.statusModel.on('changed', ({ id }) => this.#derive(id));
    this.#unsubscribe = () => sub.unsubscribe();
    for (const s of local.list()) this.#derive(s.id);
  }

  /** The last published statuses of the cluster (every node's); re-derives every account they or the previous ones name. */
  setPublished(next: Map<string, PublishedStatus>): void {
    const ids = new Set([...this.#published.keys(), ...next.keys()]);
    this.#published = next;
    for (const id of ids) this.#derive(id);
  }

  /** The account's status as the cluster shows it. */
  status(id: string): ClusterStatus | undefined {
    return this.model.getSnapshot().context.statuses.get(id) as ClusterStatus | undefined;
  }

  /** The last published status of an account (whoever runs it). */
  published(id: string): ClusterStatus | undefined {
    return this.#published.get(id)?.status;
  }

  close(): void {
    this.#unsubscribe();
  }

  #derive(id: string): void {
    const local = this.local.status(id);
    const published = this.#published.get(id);
    const source = this.owns(id) ? local : (published?.stamp ?? local);
    if (source === this.#source.get(id)) return;
    if (source === undefined) {
      this.#source.delete(id);
      this.model.trigger.remove({ id });
      return;
    }
    this.#source.set(id, source);
    const status: ClusterStatus = typeof source === 'string' ? published!.status : { ...source, node: this.nodeId };
    this.model.trigger.upsert({ status });
  }
}
