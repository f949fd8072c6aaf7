interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** What a {@link GroupCommit} does with a batch. */
export interface GroupCommitHandlers<T> {
  /** Makes every item of the batch durable, all or nothing. Called one batch at a time. */
  commit(items: readonly T[]): Promise<void>;
  /** Called when `commit` rejected, before the batch's callers are rejected: roll memory back here. */
  onFailure(error: unknown): void;
  /** The error each caller of a failed batch rejects with. */
  toCallerError(error: unknown): unknown;
}

/**
 * Group commit: items added in the same turn of the event loop (and while a commit is running)
 * go to disk in one `commit`; each `add` resolves when the commit holding its item succeeded, or
 * rejects when it failed. Commits and `exclusive` jobs run one at a time, in order.
 *
 * @example
 * ```ts
 * type Op = { id: string; enabled: boolean };
 * const gc = new GroupCommit<Op>({ commit: (ops) => writeFile(apply(ops)), onFailure: rollBack, toCallerError: (e) => e });
 * await Promise.all(ops.map((op) => gc.add(op))); // one write for all of them
 * ```
 */
export class GroupCommit<T> {
  #queue: Waiter<T>[] = [];
  #tail: Promise<void> = Promise.resolve();
  #scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly handlers: GroupCommitHandlers<T>) {}

  /** Queues `item` for the next commit; resolves once that commit is durable. */
  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#scheduled ??= setImmediate(() => {
        this.#scheduled = undefined;
        this.#enqueueCommit();
      });
    });
  }

  /** Items waiting for a commit that has not started yet, oldest first. */
  queued(): T[] {
    return this.#queue.map((w) => w.item);
  }

  /** Runs `fn` when no commit is running, holding the next one back until `fn` settles. */
  exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.#tail.then(fn);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Commits what is queued now and resolves when every commit and job so far has settled. Never rejects. */
  flush(): Promise<void> {
    clearImmediate(this.#scheduled); // undefined is ignored
    this.#scheduled = undefined;
    this.#enqueueCommit();
    return this.#tail;
  }

  #enqueueCommit(): void {
    // #commitQueued never rejects: its outcome goes to the waiters.
    void this.exclusive(() => this.#commitQueued());
  }

  async #commitQueued(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    try {
      await this.handlers.commit(batch.map((w) => w.item));
    } catch (error) {
      try {
        this.handlers.onFailure(error);
      } finally {
        const callerError = this.handlers.toCallerError(error);
        for (const w of batch) w.reject(callerError);
      }
      return;
    }
    for (const w of batch) w.resolve();
  }
}
