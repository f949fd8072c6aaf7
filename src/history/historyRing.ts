import type { HistoryEntry } from './historyEntry.js';

/**
 * A bounded ring of history entries, oldest first: once `capacity` entries are held, each new one
 * replaces the oldest. The backing array grows only as entries arrive, so an account that saw two
 * events holds two, not `capacity` empty slots.
 *
 * @example
 * ```ts
 * const ring = new HistoryRing(200);
 * ring.push({ kind: 'command', at: Date.now(), command: 'restart', outcome: 'ok' });
 * ring.entries(); // oldest first
 * ```
 */
export class HistoryRing {
  readonly #capacity: number;
  readonly #items: HistoryEntry[] = [];
  /** Index of the oldest entry once the ring is full. */
  #head = 0;

  constructor(capacity: number, initial: readonly HistoryEntry[] = []) {
    this.#capacity = capacity;
    for (const entry of initial.slice(-capacity)) this.push(entry);
  }

  push(entry: HistoryEntry): void {
    if (this.#items.length < this.#capacity) {
      this.#items.push(entry);
      return;
    }
    this.#items[this.#head] = entry;
    this.#head = (this.#head + 1) % this.#capacity;
  }

  /** Every entry, oldest first (a copy). */
  entries(): HistoryEntry[] {
    return this.last(this.#items.length);
  }

  /** The newest `n` entries, oldest first. */
  last(n: number): HistoryEntry[] {
    const all = this.#head === 0 ? this.#items.slice() : [...this.#items.slice(this.#head), ...this.#items.slice(0, this.#head)];
    return n >= all.length ? all : all.slice(all.length - n);
  }

  get size(): number {
    return this.#items.length;
  }
}
