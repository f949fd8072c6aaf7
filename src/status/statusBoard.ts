import { createStore } from '@xstate/store';
import type { AccountStatus } from '../account.js';

/** One change on the board: a new status for an account, or its removal (`status` undefined). */
export interface StatusChange {
  id: string;
  status: AccountStatus | undefined;
}

/**
 * The status read model every reader (API, CLI, metrics, `list()`, `subscribe()`) uses, never the
 * machines themselves. It is an `@xstate/store`, so it can be inspected like any other actor.
 *
 * The store's context holds a `Map` that transitions update in place and a `version` that every
 * change bumps: an immutable copy of 100,000 statuses per change would make every account's
 * start cost O(N), the trap the cost table of docs/xstate-facts.md measures for snapshots. Readers treat the
 * map as read-only and use `version` to notice change.
 */
export function createStatusModel() {
  return createStore<StatusContext, StatusEvents, { changed: StatusChange }>({
    context: { version: 0, statuses: new Map<string, AccountStatus>() },
    on: {
      upsert: (ctx, event, enq) => {
        ctx.statuses.set(event.status.id, event.status);
        enq.emit.changed({ id: event.status.id, status: event.status });
        return { ...ctx, version: ctx.version + 1 };
      },
      remove: (ctx, event, enq) => {
        if (!ctx.statuses.delete(event.id)) return ctx;
        enq.emit.changed({ id: event.id, status: undefined });
        return { ...ctx, version: ctx.version + 1 };
      },
    },
  });
}

/** The read model's context. */
export interface StatusContext {
  version: number;
  statuses: Map<string, AccountStatus>;
}

type StatusEvents = {
  upsert: { status: AccountStatus };
  remove: { id: string };
};

/** The status read model: an `@xstate/store` store. */
export type StatusModel = ReturnType<typeof createStatusModel>;
