import { IntrusiveList, type ListNode } from './list.js';
import { JOB_RUNNER_DEFAULTS, countOrInfinity, jobId, positiveInt } from './options.js';
import type { JobRecord } from './record.js';
import type { ScopeLimits } from './types.js';

/**
 * The jobs of one lane of one scope: a FIFO queue and the slots it holds. @internal
 *
 * @example
 * ```ts
 * const reply = new LaneGroup('reply', 1);
 * ```
 */
export class LaneGroup {
  readonly queue = new IntrusiveList<JobRecord>();
  active = 0;

  constructor(
    /** `undefined` for the scope's default group (jobs of lanes without a limit). */
    readonly name: string | undefined,
    readonly limit: number,
  ) {}
}

/**
 * The runner's state of one scope (the runner's own jobs form a scope with no owner and no limits).
 * Its list links put it in the runner's round robin of scopes that may have a job to start. @internal
 *
 * @example
 * ```ts
 * const scope = new ScopeState('acc-1', 4, Infinity, { reply: 1 });
 * scope.groupFor('reply').limit; // 1
 * ```
 */
export class ScopeState implements ListNode<ScopeState> {
  prev: ScopeState | undefined = undefined;
  next: ScopeState | undefined = undefined;
  list: object | undefined = undefined;

  /** Live and retained records by job id. */
  readonly jobs = new Map<string, JobRecord>();
  /** Records holding a slot: running, or cancelled/timed out and not yet stopped. */
  readonly active = new Set<JobRecord>();
  queued = 0;
  closed = false;
  readonly #groups: LaneGroup[];
  readonly #byLane = new Map<string, LaneGroup>();

  constructor(
    readonly ownerId: string | undefined,
    readonly concurrency: number,
    readonly maxQueue: number,
    lanes: Record<string, number>,
  ) {
    this.#groups = [new LaneGroup(undefined, Infinity)];
    for (const [name, limit] of Object.entries(lanes)) {
      const group = new LaneGroup(name, limit);
      this.#groups.push(group);
      this.#byLane.set(name, group);
    }
  }

  /** The group a job of `lane` queues in. */
  groupFor(lane: string | undefined): LaneGroup {
    return (lane === undefined ? undefined : this.#byLane.get(lane)) ?? (this.#groups[0] as LaneGroup);
  }

  /** Whether a job of `group` may take a slot now, as far as this scope is concerned. */
  hasRoom(group: LaneGroup): boolean {
    return this.active.size < this.concurrency && group.active < group.limit;
  }

  /** The group whose head job should start next (oldest first among groups with room), if any. */
  nextGroup(): LaneGroup | undefined {
    if (this.queued === 0 || this.active.size >= this.concurrency) return undefined;
    let best: LaneGroup | undefined;
    for (const group of this.#groups) {
      const head = group.queue.head;
      if (head === undefined || group.active >= group.limit) continue;
      if (best === undefined || head.seq < (best.queue.head as JobRecord).seq) best = group;
    }
    return best;
  }

  /** Every queued record of this scope, oldest first within each lane. */
  queuedRecords(): JobRecord[] {
    return this.#groups.flatMap((group) => group.queue.toArray());
  }
}

/**
 * Checks `runner.scope()` input and builds its state. @internal
 *
 * @example
 * ```ts
 * createScopeState('acc-1', { concurrency: 2, lanes: { reply: 1 } });
 * ```
 */
export function createScopeState(ownerId: unknown, limits: ScopeLimits = {}): OwnedScopeState {
  const d = JOB_RUNNER_DEFAULTS.scope;
  const id = jobId('ownerId', ownerId);
  const concurrency = limits.concurrency === undefined ? d.concurrency : positiveInt('limits.concurrency', limits.concurrency);
  const maxQueue = countOrInfinity('limits.maxQueue', limits.maxQueue ?? d.maxQueue);
  const lanes: Record<string, number> = {};
  for (const [name, limit] of Object.entries(limits.lanes ?? {})) lanes[name] = positiveInt(`limits.lanes.${name}`, limit);
  return new ScopeState(id, concurrency, maxQueue, lanes) as OwnedScopeState;
}

/**
 * The state of a scope opened for an owner (`runner.scope(ownerId)`), as opposed to the runner's
 * own root scope (`ownerId` undefined). Only these are wrapped in a `JobScope` or closed, so
 * neither needs a fallback for a missing owner. @internal
 */
export type OwnedScopeState = ScopeState & { readonly ownerId: string };
