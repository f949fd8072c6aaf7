/** The tail of a new queue: nothing to wait for. Shared: a settled promise is immutable. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * One FIFO queue per key: `run(key, fn)` starts `fn` once every earlier call with the same key has
 * settled, in the order they arrived. The supervisor keys it by account id, so commands and
 * scheduled restarts of one account never overlap ("never two workers of one account") while
 * different accounts run freely. A queue is dropped as soon as it is empty, so memory follows
 * activity, and it is keyed by id rather than held by the account, so it outlives a removed account.
 *
 * @example
 * ```ts
 * const queue = new KeyedQueue();
 * void queue.run('a', () => stop());
 * await queue.run('a', () => start()); // after stop() settled
 * ```
 */
export class KeyedQueue {
  readonly #queues = new Map<string, { tail: Promise<unknown>; pending: number }>();

  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    let queue = this.#queues.get(key);
    if (!queue) this.#queues.set(key, (queue = { tail: SETTLED, pending: 0 }));
    const q = queue;
    q.pending += 1;
    const run = q.tail.then(fn);
    // One settled-either-way step both orders the next call and drops the empty queue: every
    // `add()` of a burst passes through here, and the former `then(noop, noop).then(cleanup)` plus
    // a fresh `Promise.resolve()` per new queue were 2 of the 39 promises an `add()` made.
    const done = (): void => {
      q.pending -= 1;
      if (q.pending === 0 && this.#queues.get(key) === q) this.#queues.delete(key);
    };
    q.tail = run.then(done, done);
    return run;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.#queues.size;
  }
}
