import type { Clock } from '../clock/clock.js';
import type { HistoryEntry } from '../history/historyEntry.js';
import { HistoryRing } from '../history/historyRing.js';
import type { AccountSlot } from './accountSlot.js';

/** An entry as recorded: the recorder adds `at` from the clock. */
export type Unstamped = HistoryEntry extends infer E ? (E extends HistoryEntry ? Omit<E, 'at'> : never) : never;

/** The `history` option, resolved. */
export interface HistoryLimits {
  /** Entries kept per account in memory; 0 turns the recorder off. */
  size: number;
  /** The newest entries saved with the supervision record, so they survive a restart of the process. */
  persisted: number;
}

/**
 * Every account's flight recorder: a bounded ring per account (`HistoryRing`), made on the
 * account's first entry, stamped with the supervisor's clock. With `size: 0` it records nothing
 * and costs nothing.
 *
 * @example
 * ```ts
 * recorder.record(slot, { kind: 'command', command: 'restart', outcome: 'ok' });
 * recorder.entries(slot); // [{ kind: 'command', at: 1733130000000, … }]
 * ```
 */
export class FlightRecorder {
  readonly #limits: HistoryLimits;
  readonly #clock: Clock;

  constructor(limits: HistoryLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  get enabled(): boolean {
    return this.#limits.size > 0;
  }

  record(slot: AccountSlot, entry: Unstamped): void {
    if (!this.enabled) return;
    (slot.history ??= new HistoryRing(this.#limits.size)).push({ ...entry, at: this.#clock.now() });
  }

  entries(slot: AccountSlot): HistoryEntry[] {
    return slot.history?.entries() ?? [];
  }

  /** What the supervision record keeps; undefined when nothing is kept. */
  persisted(slot: AccountSlot): HistoryEntry[] | undefined {
    if (!slot.history || this.#limits.persisted === 0) return undefined;
    return slot.history.last(this.#limits.persisted);
  }

  /** Gives a new slot the entries its supervision record kept. */
  restore(slot: AccountSlot, entries: readonly HistoryEntry[] | undefined): void {
    if (!this.enabled || !entries || entries.length === 0) return;
    slot.history = new HistoryRing(this.#limits.size, entries);
  }
}
