/** Small helpers of the session worker. */
import type { RawData } from 'ws';
import type { Account } from '../account.js';
import { systemClock, type Clock, type TimerHandle } from '../clock/clock.js';

/**
 * The URL for an account, from a fixed URL or a function of the account.
 *
 * @example
 * ```ts
 * resolveUrl((a) => `ws://127.0.0.1:8787/${a.id}`, account);
 * ```
 */
export function resolveUrl(url: string | URL | ((account: Account) => string | URL), account: Account): string {
  const value = typeof url === 'function' ? url(account) : url;
  return value.toString();
}

/**
 * A URL fit for logs: no user info, no query, no fragment (where secrets tend to hide).
 *
 * @example
 * ```ts
 * safeUrl('wss://u:p@host/x?token=1'); // 'wss://host/x'
 * ```
 */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * The text of a ws message, whatever shape ws delivered it in.
 *
 * @example
 * ```ts
 * ws.on('message', (data) => console.log(rawText(data)));
 * ```
 */
export function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Waits for `promise` but at most `ms`; never rejects, and clears its timer either way.
 *
 * @example
 * ```ts
 * await settleWithin(Promise.allSettled(pending), 2_000);
 * ```
 */
export async function settleWithin(promise: Promise<unknown>, ms: number, clock: Clock = systemClock): Promise<void> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, ms)));
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), timeout]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
