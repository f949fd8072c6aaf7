import type { JobEngine } from './engine.js';
import type { OwnedScopeState } from './scopeState.js';
import type { CancelAllOptions, CancelAllReport, JobFn, JobHandle, JobStatus, SubmitOptions } from './types.js';

/**
 * The jobs of one owner (an account task incarnation), obtained with `runner.scope(ownerId)`.
 *
 * - Ids are namespaced: two scopes may both run a job `"sync"`.
 * - Limits (`concurrency`, `lanes`, `maxQueue`) apply on top of the runner's; the runner's
 *   `concurrency` is never exceeded.
 * - `close()` refuses later submits and cancels queued jobs, so nothing of this incarnation starts
 *   after it; `cancelAll()` cancels and awaits the running ones up to a deadline.
 *
 * @example
 * ```ts
 * const scope = runner.scope(account.id, { limits: { concurrency: 4, lanes: { reply: 1 } } });
 * scope.submit(`reply-${msg.id}`, (signal) => sendReply(msg, signal), { lane: 'reply' });
 * // when the task leaves `running`:
 * scope.close();
 * const { abandoned } = await scope.cancelAll({ timeoutMs: 2_000 });
 * ```
 */
export class JobScope {
  readonly #engine: JobEngine;
  readonly #state: OwnedScopeState;

  /** @internal Use `runner.scope()`. */
  constructor(engine: JobEngine, state: OwnedScopeState) {
    this.#engine = engine;
    this.#state = state;
  }

  /** The owner id given to `runner.scope()`. */
  get ownerId(): string {
    return this.#state.ownerId;
  }

  /** `true` once `close()` was called. */
  get closed(): boolean {
    return this.#state.closed;
  }

  /**
   * Like `runner.submit()`, in this scope. Throws synchronously `ScopeClosedError` after `close()`,
   * `QueueFullError` when the runner's or this scope's queue is full, `JobExistsError` when `id` is
   * queued or running in this scope. `result` rejects on failure, timeout and cancel.
   *
   * @example
   * ```ts
   * const h = scope.submit('fetch-orders', (signal) => api.orders({ signal }), { timeoutMs: 10_000 });
   * const orders = await h.result;
   * ```
   */
  submit<T>(id: string, fn: JobFn<T>, options?: SubmitOptions): JobHandle<T> {
    return this.#engine.submit(this.#state, id, fn, options);
  }

  /**
   * Cancels this scope's job `id` if queued (it never starts) or running (its signal is aborted).
   * Returns whether it did.
   *
   * @example
   * ```ts
   * scope.cancel('fetch-orders');
   * ```
   */
  cancel(id: string): boolean {
    return this.#engine.cancel(this.#state, id);
  }

  /**
   * The snapshot of this scope's job `id`, live or retained, or `undefined`.
   *
   * @example
   * ```ts
   * scope.status('fetch-orders')?.state; // 'running'
   * ```
   */
  status(id: string): JobStatus | undefined {
    return this.#engine.status(this.#state, id);
  }

  /**
   * Snapshots of this scope's live and retained jobs.
   *
   * @example
   * ```ts
   * const running = scope.list().filter((j) => j.state === 'running');
   * ```
   */
  list(): JobStatus[] {
    return this.#engine.list(this.#state);
  }

  /**
   * Cancels every queued and running job of this scope, then waits until their functions have
   * settled, at most `timeoutMs` (default 5 000). Jobs still running then ignore their signal: each
   * is logged as a warning, counted in `abandoned`, and left behind (its slot is released).
   * Jobs submitted while it waits (if the scope is still open) are not touched. Never rejects for
   * slow jobs; rejects only with `InvalidJobOptionsError`.
   *
   * @example
   * ```ts
   * scope.close();
   * const { cancelled, abandoned } = await scope.cancelAll({ timeoutMs: 2_000 });
   * ```
   */
  cancelAll(options?: CancelAllOptions): Promise<CancelAllReport> {
    return this.#engine.cancelAll(this.#state, options);
  }

  /**
   * Closes the scope: every later `submit()` throws `ScopeClosedError`, and jobs still queued are
   * cancelled (reason `scope-closed`) so none of them starts. Running jobs are not touched: follow
   * with `cancelAll()` to stop them. Idempotent. A new scope for the same owner may then be opened.
   *
   * @example
   * ```ts
   * scope.close();
   * await scope.cancelAll({ timeoutMs: 2_000 });
   * ```
   */
  close(): void {
    this.#engine.closeScope(this.#state);
  }
}
