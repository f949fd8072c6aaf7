import type { AccountStore } from '../persistence/accountStore.js';
import { family, Histogram } from './prometheus.js';

/** The store operations that write. */
export type StoreWriteOp = 'put' | 'delete' | 'saveSupervision';

const WRITE_OPS: readonly StoreWriteOp[] = ['put', 'delete', 'saveSupervision'];

/** Histogram bounds of store write latency, in seconds: 0.5 ms to 10 s. */
export const STORE_LATENCY_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/**
 * Store write latency and failures, per operation, as `GET /metrics` shows them
 * (`statevisor_store_write_duration_seconds`, `statevisor_store_write_errors_total`).
 *
 * @example
 * ```ts
 * const latency = new StoreWriteLatency();
 * latency.observe('put', 0.004, true);
 * latency.render(); // Prometheus text
 * ```
 */
export class StoreWriteLatency {
  readonly #histograms = new Map<StoreWriteOp, Histogram>(WRITE_OPS.map((op) => [op, new Histogram(STORE_LATENCY_BUCKETS)]));
  readonly #errors = new Map<StoreWriteOp, number>(WRITE_OPS.map((op) => [op, 0]));

  /** Records one write that took `seconds` (failed or not). */
  observe(op: StoreWriteOp, seconds: number, ok: boolean): void {
    this.#histograms.get(op)!.observe(seconds);
    if (!ok) this.#errors.set(op, this.#errors.get(op)! + 1);
  }

  /** Writes recorded so far for `op`. */
  count(op: StoreWriteOp): number {
    return this.#histograms.get(op)!.count;
  }

  /** The two metric families in Prometheus text format. */
  render(): string {
    let out = '# HELP statevisor_store_write_duration_seconds Time the account store took to make a write durable.\n';
    out += '# TYPE statevisor_store_write_duration_seconds histogram\n';
    for (const [op, h] of this.#histograms) out += h.render('statevisor_store_write_duration_seconds', { op });
    out += family('statevisor_store_write_errors_total', 'counter', 'Account store writes that failed.', [...this.#errors].map(([op, n]) => [{ op }, n] as const));
    return out;
  }
}

/** An `AccountStore` that records its write latency in {@link InstrumentedStore.writeLatency}. */
export type InstrumentedStore = AccountStore & { readonly writeLatency: StoreWriteLatency };

/**
 * Wraps `store` so every write (`put`, `delete`, `saveSupervision`) is timed, failed or not.
 * Reads, `close()` and the optional `refresh`/`onExternalChange` pass straight through (and stay
 * absent when the store lacks them, so the supervisor sees the same capabilities). Pass the
 * wrapper to `createSupervisor({ store })` and its `writeLatency` to `createControlApi()`.
 *
 * @example
 * ```ts
 * const store = instrumentStore(await lowdbStore({ file }));
 * const supervisor = createSupervisor({ worker, store });
 * const api = await createControlApi({ supervisor, dataDir, writeLatency: store.writeLatency });
 * ```
 */
export function instrumentStore(store: AccountStore, writeLatency = new StoreWriteLatency()): InstrumentedStore {
  const timed = <A extends unknown[]>(op: StoreWriteOp, write: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      const started = performance.now();
      let ok = false;
      try {
        await write(...args);
        ok = true;
      } finally {
        writeLatency.observe(op, (performance.now() - started) / 1000, ok);
      }
    };
  const wrapped: InstrumentedStore = {
    writeLatency,
    loadAll: () => store.loadAll(),
    get: (id) => store.get(id),
    put: timed('put', (account) => store.put(account)),
    delete: timed('delete', (id: string) => store.delete(id)),
    loadSupervision: () => store.loadSupervision(),
    saveSupervision: timed('saveSupervision', (id, record) => store.saveSupervision(id, record)),
    close: () => store.close(),
  };
  if (store.refresh) wrapped.refresh = () => store.refresh!();
  if (store.onExternalChange) wrapped.onExternalChange = (listener) => store.onExternalChange!(listener);
  return wrapped;
}
