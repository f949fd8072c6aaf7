/**
 * Runs `supervisor.reload()` for the cluster node, one at a time, coalescing requests: a request
 * made while a reload runs is served by the next one (the running one may have read the old view).
 *
 * @example
 * ```ts
 * const reloads = new Reconciler(() => supervisor.reload(), log);
 * await reloads.request(); // a reload that started after this call has finished
 * ```
 */
export class Reconciler {
  #waiters: (() => void)[] = [];
  #running: Promise<void> | undefined;

  constructor(
    private readonly reload: () => Promise<unknown>,
    private readonly onError: (e: unknown) => void,
  ) {}

  request(): Promise<void> {
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return done;
  }

  /** Resolves when no reload runs or is requested. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    while (this.#waiters.length > 0) {
      const waiters = this.#waiters.splice(0);
      try {
        await this.reload();
      } catch (e) {
        this.onError(e);
      }
      for (const w of waiters) w();
    }
  }
}
