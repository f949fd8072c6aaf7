import type { Account } from '../account.js';
import type { Worker, WorkerContext } from '../worker/worker.js';

/** One call of a {@link ControllableWorker}: a worker a test settles by hand. */
export interface WorkerInstance {
  readonly accountId: string;
  readonly account: Account;
  readonly signal: AbortSignal;
  readonly ctx: WorkerContext;
  /** `alive` until it resolves or rejects. */
  readonly state: 'alive' | 'resolved' | 'rejected';
  /** When true, aborting the signal does not settle it: it leaks until the test settles it. */
  ignoreAbort: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/** A worker whose every call a test controls, and which counts live workers per account. */
export interface ControllableWorker {
  readonly worker: Worker;
  /** Every instance of `accountId` (or all), oldest first. */
  instances(accountId?: string): WorkerInstance[];
  /** The newest instance of `accountId`. */
  latest(accountId: string): WorkerInstance | undefined;
  /** Workers of `accountId` alive now. */
  alive(accountId: string): number;
  /** The most workers of `accountId` ever alive at one instant. */
  maxAlive(accountId: string): number;
  /** Workers alive now, all accounts. */
  totalAlive(): number;
  /** Resolves with the first instance of `accountId` created after `after` instances existed. */
  nextInstance(accountId: string, after?: number, timeoutMs?: number): Promise<WorkerInstance>;
}

/**
 * A worker for tests: each call stays alive until the test calls `resolve()` or `reject()`, or its
 * signal aborts (unless `ignoreAbort`, which makes it leak).
 *
 * @example
 * ```ts
 * const cw = controllableWorker();
 * const supervisor = createSupervisor({ worker: cw.worker });
 * await supervisor.start(); await supervisor.add({ id: 'a' });
 * (await cw.nextInstance('a')).reject(new Error('boom'));
 * ```
 */
export function controllableWorker(options: { ignoreAbort?: (accountId: string) => boolean } = {}): ControllableWorker {
  const all: InstanceRecord[] = [];
  const alive = new Map<string, number>();
  const maxAlive = new Map<string, number>();
  const listeners = new Set<() => void>();

  const worker: Worker = (ctx) => {
    const id = ctx.account.id;
    const n = (alive.get(id) ?? 0) + 1;
    alive.set(id, n);
    maxAlive.set(id, Math.max(n, maxAlive.get(id) ?? 0));
    const record = new InstanceRecord(ctx, options.ignoreAbort?.(id) ?? false, () => alive.set(id, (alive.get(id) ?? 1) - 1));
    all.push(record);
    listeners.forEach((l) => l());
    return record.promise;
  };

  const instances = (accountId?: string) => all.filter((i) => accountId === undefined || i.accountId === accountId);
  return {
    worker,
    instances,
    latest: (accountId) => instances(accountId).at(-1),
    alive: (accountId) => alive.get(accountId) ?? 0,
    maxAlive: (accountId) => maxAlive.get(accountId) ?? 0,
    totalAlive: () => [...alive.values()].reduce((a, b) => a + b, 0),
    nextInstance: (accountId, after = instances(accountId).length, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = instances(accountId)[after];
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no worker instance #${after + 1} of account ${accountId} within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

class InstanceRecord implements WorkerInstance {
  readonly accountId: string;
  readonly account: Account;
  readonly signal: AbortSignal;
  readonly ctx: WorkerContext;
  state: 'alive' | 'resolved' | 'rejected' = 'alive';
  ignoreAbort: boolean;
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (e: unknown) => void;
  readonly #onSettle: () => void;

  constructor(ctx: WorkerContext, ignoreAbort: boolean, onSettle: () => void) {
    this.ctx = ctx;
    this.accountId = ctx.account.id;
    this.account = ctx.account;
    this.signal = ctx.signal;
    this.ignoreAbort = ignoreAbort;
    this.#onSettle = onSettle;
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    ctx.signal.addEventListener('abort', () => !this.ignoreAbort && this.resolve(), { once: true });
  }

  resolve(): void {
    if (this.state !== 'alive') return;
    this.state = 'resolved';
    this.#onSettle();
    this.#resolve();
  }

  reject(error: unknown): void {
    if (this.state !== 'alive') return;
    this.state = 'rejected';
    this.#onSettle();
    this.#reject(error);
  }
}
