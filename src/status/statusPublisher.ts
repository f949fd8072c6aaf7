import type { Logger } from 'pino';
import type { AccountStatus } from '../account.js';
import type { Clock } from '../clock/clock.js';
import type { AccountSlot } from '../supervision/accountSlot.js';
import { statusOf } from '../supervision/statusOf.js';
import type { StatusModel } from './statusBoard.js';

/**
 * Writes account statuses to the read model and tells per-account watchers (`waitFor`). It runs
 * inside the root machine's actions, so a throwing listener of the read model is caught and
 * logged: an action that throws would stop the root (docs/xstate-facts.md, fact 5).
 *
 * @example
 * ```ts
 * const status = publisher.publish(slot);
 * const stop = publisher.watch('a', (s) => console.log(s?.state));
 * ```
 */
export class StatusPublisher {
  readonly #model: StatusModel;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #leaked: (id: string) => boolean;
  readonly #watchers = new Map<string, Set<(s: AccountStatus | undefined) => void>>();

  constructor(model: StatusModel, clock: Clock, log: Logger, leaked: (id: string) => boolean) {
    this.#model = model;
    this.#clock = clock;
    this.#log = log;
    this.#leaked = leaked;
  }

  /** The last published status of `id`. */
  current(id: string): AccountStatus | undefined {
    return this.#model.getSnapshot().context.statuses.get(id);
  }

  /** Publishes the slot's status now and returns it. */
  publish(slot: AccountSlot): AccountStatus {
    const status = statusOf(slot, this.#leaked(slot.id), this.#clock.now(), this.current(slot.id));
    // `send` with the event written out, not `trigger.upsert({ status })`, which copies its
    // payload into a new event: 1.7 against 2.4 µs per publication (200,000 upserts, CPU), and a
    // restart cycle publishes four times.
    this.#guard(() => this.#model.send({ type: 'upsert', status }));
    this.#watchers.get(slot.id)?.forEach((notify) => notify(status));
    return status;
  }

  /** Removes `id`'s status; its watchers get `undefined`. */
  unpublish(id: string): void {
    this.#guard(() => this.#model.trigger.remove({ id }));
    this.#watchers.get(id)?.forEach((notify) => notify(undefined));
  }

  /** Calls `notify` on every new status of `id` (undefined when removed) until the returned function is called. */
  watch(id: string, notify: (s: AccountStatus | undefined) => void): () => void {
    let set = this.#watchers.get(id);
    if (!set) this.#watchers.set(id, (set = new Set()));
    set.add(notify);
    return () => {
      set.delete(notify);
      if (set.size === 0) this.#watchers.delete(id);
    };
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'a status listener threw; the supervisor goes on');
    }
  }
}
