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

  /**
   * The newest `n` entries, oldest first. Copies only those `n`: the supervision record asks for
   * its newest 20 at every restart decision, and copying the whole ring (up to 200 entries, three
   * arrays) to keep 20 was a visible part of a simulated restart storm's garbage.
   */
  last(n: number): HistoryEntry[] {
    const items = this.#items;
    const size = items.length;
    const count = Math.max(0, Math.min(n, size));
    if (count === 0) return [];
    const out = new Array<HistoryEntry>(count);
    // The newest entry sits just before `head` (at the end while the ring is not full).
    let i = (this.#head - count + size) % size;
    for (let k = 0; k < count; k++) {
      out[k] = items[i]!;
      i = i + 1 === size ? 0 : i + 1;
    }
    return out;
  }

  get size(): number {
    return this.#items.length;
  }
}
