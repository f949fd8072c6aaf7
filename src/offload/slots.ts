/**
 * A counting semaphore with a bounded FIFO of waiters, the capacity limiter of the process runner
 * (AnyIO's `CapacityLimiter`): `acquire()` resolves when a slot is free, `release()` hands the
 * slot to the oldest waiter. A waiter can give up (its `cancel()`), leaving no hole. @internal
 *
 * @example
 * ```ts
 * const slots = new Slots(2, 100);
 * const ticket = slots.acquire();
 * await ticket.ready;
 * try { await work(); } finally { slots.release(); }
 * ```
 */
export class Slots {
  #used = 0;
  readonly #waiting = new Set<() => void>();

  constructor(
    readonly size: number,
    readonly maxWaiting: number,
  ) {}

  /** Slots held now. */
  get used(): number {
    return this.#used;
  }

  /** Callers waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Whether one more `acquire()` would be accepted. */
  hasRoom(): boolean {
    return this.#used < this.size || this.#waiting.size < this.maxWaiting;
  }

  /**
   * Takes a slot now or joins the queue. `ready` resolves once the slot is held; `cancel()` leaves
   * the queue (and returns `false` if the slot was already granted: release it then).
   */
  acquire(): { ready: Promise<void>; cancel: () => boolean } {
    if (this.#used < this.size) {
      this.#used++;
      return { ready: Promise.resolve(), cancel: () => false };
    }
    let grant!: () => void;
    const ready = new Promise<void>((resolve) => (grant = resolve));
    this.#waiting.add(grant);
    return { ready, cancel: () => this.#waiting.delete(grant) };
  }

  /** Gives a slot back, to the oldest waiter if there is one. */
  release(): void {
    const next = this.#waiting.values().next();
    if (next.done === true) {
      this.#used--;
      return;
    }
    this.#waiting.delete(next.value);
    next.value(); // the slot passes on: #used unchanged
  }
}
