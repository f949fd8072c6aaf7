import type { AccountState, AccountStatus } from '../account.js';
import type { Clock } from '../clock/clock.js';
import { AccountNotFoundError, WaitTimeoutError } from '../errors.js';
import type { StatusPublisher } from './statusPublisher.js';

/**
 * Resolves with the first status of `id` (the current one included) that is in `state` or
 * satisfies the predicate. Rejects with `WaitTimeoutError` after `timeoutMs` of `clock` time, or
 * with `AccountNotFoundError` if the account is removed while waiting.
 */
export function waitForStatus(
  statuses: Pick<StatusPublisher, 'watch' | 'current'>,
  clock: Clock,
  id: string,
  state: AccountState | ((s: AccountStatus) => boolean),
  timeoutMs: number,
): Promise<AccountStatus> {
  const test = typeof state === 'function' ? state : (s: AccountStatus) => s.state === state;
  let thrown: { error: unknown } | undefined;
  // A predicate that throws rejects this wait; it must not throw into the supervisor, which calls it.
  const matches = (s: AccountStatus): boolean => {
    try {
      return test(s);
    } catch (error) {
      thrown = { error };
      return false;
    }
  };
  const current = statuses.current(id);
  if (current && matches(current)) return Promise.resolve(current);
  if (thrown) return Promise.reject(thrown.error);
  return new Promise((resolve, reject) => {
    let last = current;
    const settle = (fn: () => void) => {
      clock.clearTimeout(timer);
      unwatch();
      fn();
    };
    const timer = clock.setTimeout(() => settle(() => reject(new WaitTimeoutError(id, timeoutMs, last?.state))), timeoutMs);
    const unwatch = statuses.watch(id, (status) => {
      if (!status) return settle(() => reject(new AccountNotFoundError(id)));
      last = status;
      if (matches(status)) settle(() => resolve(status));
      else if (thrown) settle(() => reject(thrown!.error));
    });
  });
}
