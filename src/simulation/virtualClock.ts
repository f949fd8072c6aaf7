/**
 * A virtual clock: time moves only when the simulation says so, and timers fire in time order,
 * ties in the order they were set. It has the supervisor's `Clock` shape (XState's clock plus
 * `now()`), so the root actor, every account task, the backoff timers and the simulated platform
 * all run on it.
 *
 * Why not XState's `SimulatedClock`: it sorts every pending timer on each `set()`/`increment()`
 * (a 10,000-account fleet holds 10,000+ timers, and a simulated day fires millions), it fires
 * every due timer with `now()` already at the target time instead of at each timer's own time,
 * and it runs them back to back with no chance for promise continuations in between. The
 * supervisor's reactions are promise chains (a worker settles, the task reports, the store
 * writes, the per-account queue moves on), so after each timer the clock lets the microtask
 * queue drain completely before it moves on, as Node does between two real timers. A binary
 * heap keeps each step O(log n).
 */

/** A timer of a {@link VirtualClock}; the handle its `setTimeout` returns. */
export class VirtualTimer {
  /** @internal where it sits in the clock's heap; -1 once fired or cleared */ index = -1;
  constructor(
    /** When it fires, in the clock's milliseconds. */
    readonly at: number,
    /** @internal order among timers of the same time */ readonly seq: number,
    /** @internal */ readonly fn: () => void,
  ) {}

  /** What logs and snapshots see of the handle. */
  toJSON(): { at: number } {
    return { at: this.at };
  }
}

/** Timers fired per turn of the real event loop; see `VirtualClock.#fireBatch`. */
const IMMEDIATES_PER_TURN = 64;

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Resolves after everything already queued as a microtask, and everything those queue, has run. */
export function drainMicrotasks(): Promise<void> {
  // A macrotask: Node empties the whole microtask queue (nextTicks included) before it runs one.
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A deterministic clock for simulations: `setTimeout` queues, `runUntil` fires.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * clock.setTimeout(() => console.log('an hour later', clock.now()), 3_600_000);
 * await clock.runUntil(24 * 3_600_000); // returns in milliseconds of real time
 * ```
 */
export class VirtualClock {
  #now: number;
  #seq = 0;
  #heap: VirtualTimer[] = [];
  #fired = 0;
  #running = false;

  /** @param start the time `now()` returns before anything runs (default 0). */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): VirtualTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = new VirtualTimer(this.#now + delay, this.#seq++, fn);
    this.#push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    // Out of the heap (fired or cleared already): nothing to do.
    if (!(handle instanceof VirtualTimer) || handle.index < 0) return;
    // Taken out of the heap now, as Node's clearTimeout unlinks its timer: left in the heap until
    // its time, a cleared timer kept its function, and XState's delayed-event closure holds the
    // whole actor that set it; every ended task's load and cancel deadlines (10 and 5 s) kept it
    // alive that long in virtual time, and they made the heap deeper for every other timer.
    this.#remove(handle.index);
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.#heap.length;
  }

  /** Timers fired so far. */
  get fired(): number {
    return this.#fired;
  }

  /** When the next timer fires, or `undefined` if none is pending. */
  nextAt(): number | undefined {
    return this.#heap[0]?.at;
  }

  /**
   * Fires every timer due at or before `time`, one at a time in time order, moving `now()` to each
   * timer's time and draining the microtask queue after each; then sets `now()` to `time`.
   * Timers set while it runs fire too if they are due by `time`.
   */
  async runUntil(time: number): Promise<void> {
    if (this.#running) throw new Error('VirtualClock.runUntil() is already running; await the first call.');
    this.#running = true;
    try {
      await drainMicrotasks();
      while (await this.#fireBatch(time));
      if (time > this.#now) this.#now = time;
    } finally {
      this.#running = false;
    }
  }

  /**
   * Fires up to {@link IMMEDIATES_PER_TURN} due timers in one turn of the event loop, one per
   * `setImmediate` callback, and resolves `true` if it fired that many (more may be due).
   *
   * Node drains the whole microtask queue (nextTicks included) between two immediates of one turn,
   * as it does after each, so every timer still fires only after everything the previous one set
   * off has run. One turn per timer (the previous design, `fn(); await drainMicrotasks()`) paid a
   * whole event-loop iteration per timer: in the README's 10,000-account scenario (717,458 timers)
   * the profile showed 8 % of the run "(idle)", the loop's poll phase, 13 µs per timer.
   * The one difference: an immediate the simulated code queues itself runs after the rest of the
   * turn's timers instead of before the next timer (nothing in the supervisor queues one while
   * running; a start of over 1,000 accounts yields with one, and `runUntilSettled` gives those
   * turns before it moves time).
   */
  #fireBatch(time: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let fired = 0;
      let done = false;
      const step = () => {
        if (done) return;
        const next = this.#heap[0];
        if (!next || next.at > time) {
          done = true;
          resolve(false);
          return;
        }
        this.#remove(0);
        this.#fired += 1;
        if (next.at > this.#now) this.#now = next.at;
        try {
          next.fn();
        } catch (error) {
          // As a throwing timer always did: `runUntil` rejects with it and fires nothing more.
          done = true;
          reject(error);
          return;
        }
        if (++fired === IMMEDIATES_PER_TURN) {
          done = true;
          resolve(true);
        }
      };
      for (let i = 0; i < IMMEDIATES_PER_TURN; i++) setImmediate(step);
    });
  }

  /** `runUntil(now() + ms)`. */
  advance(ms: number): Promise<void> {
    return this.runUntil(this.#now + ms);
  }

  #push(timer: VirtualTimer): void {
    timer.index = this.#heap.push(timer) - 1;
    this.#siftUp(timer.index);
  }

  /** Takes the timer at `i` out of the heap. */
  #remove(i: number): void {
    const heap = this.#heap;
    const gone = heap[i]!;
    gone.index = -1;
    const last = heap.pop()!;
    if (last === gone) return;
    heap[i] = last;
    last.index = i;
    if (i > 0 && before(last, heap[(i - 1) >> 1]!)) this.#siftUp(i);
    else this.#siftDown(i);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const timer = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent]!;
      if (!before(timer, above)) break;
      heap[i] = above;
      above.index = i;
      i = parent;
    }
    heap[i] = timer;
    timer.index = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const timer = heap[i]!;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
      const below = heap[child]!;
      if (!before(below, timer)) break;
      heap[i] = below;
      below.index = i;
      i = child;
    }
    heap[i] = timer;
    timer.index = i;
  }
}
