import { withTimeout as bounded } from '../withTimeout.js';

/**
 * The error a bounded await rejects with when its time runs out. It has no errno-style `code` on
 * purpose: `StoreWriteError` then quotes its message ("writing … did not finish within … ms").
 * @example
 * ```ts
 * try { await store.put(account); }
 * catch (e) { if (e instanceof StoreWriteError && e.cause instanceof IoTimeoutError) console.error('the disk is too slow'); }
 * ```
 */
export class IoTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'IoTimeoutError';
  }
}

/**
 * Waits for `promise` at most `ms` milliseconds. The operation itself is not cancelled (a file
 * system call cannot be): callers that reuse a resource must also wait for the original promise.
 *
 * @example
 * ```ts
 * const text = await withTimeout(fs.readFile(file, 'utf8'), 30_000, `reading ${file}`);
 * ```
 * @throws IoTimeoutError when `ms` elapse first.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const result = await bounded(promise, ms);
  if (result.ok) return result.value;
  throw result.timedOut ? new IoTimeoutError(what, ms) : result.error;
}
