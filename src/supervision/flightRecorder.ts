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
  /** Called with every entry as it is recorded (also with `size: 0`); see `SupervisorOptions.history`. */
  onEntry?: ((accountId: string, entry: HistoryEntry) => void) | undefined;
}

/**
 * Every account's flight recorder: a bounded ring per account (`HistoryRing`), made on the
 * account's first entry, stamped with the supervisor's clock, and handed to `onEntry` if one is
 * given. With `size: 0` and no `onEntry` it records nothing and costs nothing.
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
  readonly #onEntryFailed: (err: unknown) => void;

  /** @param onEntryFailed told when `limits.onEntry` throws; the entry is kept and nothing else changes. */
  constructor(limits: HistoryLimits, clock: Clock, onEntryFailed: (err: unknown) => void) {
    this.#limits = limits;
    this.#clock = clock;
    this.#onEntryFailed = onEntryFailed;
  }

  /** Whether entries are made at all: kept (`size > 0`) or streamed (`onEntry`). */
  get enabled(): boolean {
    return this.#limits.size > 0 || this.#limits.onEntry !== undefined;
  }

  /**
   * Stamps `entry` with the clock's time and keeps it, frozen: `entry` must be a fresh object,
   * which becomes the entry itself (`at` is set on it, not copied into a new object).
   *
   * Why not `{ ...entry, at }`: on Node 20 (V8 11.3) the spread gave every copy its own hidden
   * class (checked with `%HaveSameMap`), so each entry carried its own map, descriptor array and
   * enum cache: a heap snapshot of a simulated fleet of 300 accounts at hour 11 held about 60,000
   * objects with a map of their own, 40,000 of them transition entries. With the ring's copy in
   * `last()`, the recorder was about a fifth of a simulated restart's CPU (history off: median
   * 3.9 s against 4.9 s, 300 accounts × 24 h). Setting `at` keeps one shape per kind.
   */
  record(slot: AccountSlot, entry: Unstamped): void {
    if (!this.enabled) return;
    const stamped = entry as HistoryEntry;
    stamped.at = this.#clock.now();
    // Frozen, so that `history()`, the supervision record and the memory store can share it
    // instead of copying it: the store's `copyData` hands frozen data on as it is. Copying the
    // record's 20 newest entries at every restart decision was 4.5 % of a simulated restart
    // storm's CPU profile, and each copy stayed alive in the store until the next decision.
    Object.freeze(stamped);
    if (this.#limits.size > 0) (slot.history ??= new HistoryRing(this.#limits.size)).push(stamped);
    const onEntry = this.#limits.onEntry;
    if (onEntry === undefined) return;
    // Recording happens inside the root machine's actions and the task's subscription, which
    // must not throw: a failing listener is reported, never propagated.
    try {
      onEntry(slot.id, stamped);
    } catch (err) {
      this.#onEntryFailed(err);
    }
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
