import type { Actor } from 'xstate';
import { NotStartedError, ShuttingDownError } from '../errors.js';
import type { supervisorMachine, TaskEndedEvent } from '../machines/supervisor.js';

/**
 * The runtime's and the commands' only line to the root actor: what its lifecycle allows now
 * (read from the state's tags, the one record of the supervisor's phase) and where ended tasks are
 * reported. Attached once, right after the root actor is created.
 *
 * @example
 * ```ts
 * const root = new RootLink();
 * root.attach(createActor(supervisorMachine, { input }));
 * root.assertAccepting(); // throws NotStartedError before start()
 * ```
 */
export class RootLink {
  #actor: Actor<typeof supervisorMachine> | undefined;

  attach(actor: Actor<typeof supervisorMachine>): void {
    this.#actor = actor;
  }

  /** Tasks may start and restarts may be scheduled (`starting` its accounts, or `running`). */
  get supervising(): boolean {
    return this.#actor?.getSnapshot().hasTag('supervising') ?? false;
  }

  /** Commands are accepted (`running`). */
  get accepting(): boolean {
    return this.#actor?.getSnapshot().hasTag('accepting') ?? false;
  }

  /** Throws `NotStartedError` before the supervisor is running, `ShuttingDownError` once it is stopping. */
  assertAccepting(): void {
    const snapshot = this.#actor?.getSnapshot();
    if (snapshot?.hasTag('accepting')) return;
    if (!snapshot || snapshot.matches('starting')) throw new NotStartedError();
    throw new ShuttingDownError();
  }

  /** Throws `ShuttingDownError` unless commands are accepted: for a queued step whose turn came. */
  assertStillAccepting(): void {
    if (!this.accepting) throw new ShuttingDownError();
  }

  /** Reports a task that ended without a command; the root decides. */
  report(event: TaskEndedEvent): void {
    const actor = this.#actor;
    if (actor?.getSnapshot().status === 'active') actor.send(event);
  }
}
