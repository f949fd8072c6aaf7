import type { AccountStatus } from '../account.js';
import type { StatusModel } from './statusBoard.js';

/**
 * Calls `listener` with every status after the model changed, at most once per microtask:
 * starting 10,000 accounts in one turn notifies once, not 30,000 times with 10,000 statuses each.
 *
 * @example
 * ```ts
 * const stop = subscribeBatched(model, (all) => render(all));
 * ```
 */
export function subscribeBatched(model: StatusModel, listener: (all: AccountStatus[]) => void): () => void {
  let scheduled = false;
  let active = true;
  const flush = () => {
    scheduled = false;
    if (active) listener([...model.getSnapshot().context.statuses.values()]);
  };
  const sub = model.subscribe(() => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(flush);
  });
  return () => {
    active = false;
    sub.unsubscribe();
  };
}
