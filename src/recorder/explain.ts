import type { AccountStatus } from '../account.js';
import { clockTime, duration, type FormatOptions } from './format.js';
import type { HistoryEntry } from '../history/index.js';

/** What {@link explainState} may know besides the status and the history. */
export interface ExplainOptions extends FormatOptions {
  /** Now, in epoch milliseconds (for "in 4 s"). Default `Date.now()`. */
  now?: number;
  /** The account's restart intensity, when the history does not carry it. */
  intensity?: { maxRestarts: number; withinMs: number };
  /** The command that names the CLI in advice. Default `statevisor`. */
  cli?: string;
}

type Entry<K extends HistoryEntry['kind']> = Extract<HistoryEntry, { kind: K }>;

/**
 * One plain sentence that says what state an account is in, since when, why, and what to do:
 * the last line of `statevisor why <id>`. Pure: everything comes from the status, the flight
 * recorder's entries (oldest first) and the options.
 *
 * @example
 * ```ts
 * explainState(status, supervisor.history('shop-1'), { timeZone: 'UTC' });
 * // 'shop-1 is suspended since 10:42:07 because 23 restarts within 15 min exceeded maxRestarts 22;
 * //  last error ECONNREFUSED; `statevisor accounts restart shop-1` clears it.'
 * ```
 */
export function explainState(status: AccountStatus, history: readonly HistoryEntry[], options: ExplainOptions = {}): string {
  const at = (t: number) => clockTime(t, options);
  const cli = options.cli ?? 'statevisor';
  const id = status.id;
  const restartCmd = `\`${cli} accounts restart ${id}\``;
  const lastErr = lastError(status, history);
  const errPart = lastErr ? `; last error ${lastErr}` : '';

  const fixIt = 'fix the worker so that it returns when its AbortSignal aborts.';
  if (status.leaked && (status.state === 'loading' || status.state === 'running')) {
    // onLeak: 'proceed' started the next incarnation beside the worker that would not stop.
    return `${id} is ${status.state} incarnation ${status.incarnation}, but an earlier worker ignored cancellation and still runs beside it (onLeak: 'proceed'); ${fixIt}`;
  }
  if (status.leaked) {
    return `${id}'s worker ignored cancellation and is still running (since ${at(status.since)}); with onLeak: 'wait' (the default) no new incarnation starts until it ends; ${fixIt}`;
  }
  switch (status.state) {
    case 'suspended': {
      const suspended = last(history, 'suspended');
      const when = at(suspended?.at ?? status.since);
      const cause = suspended?.cause ?? status.suspendedBecause ?? 'intensity';
      const error = lastErr ?? errorText(suspended?.error);
      if (cause === 'nonRetryable') {
        return `${id} is suspended since ${when} because its worker failed with an error that says restarting cannot help${error ? ` (${error})` : ''}; fix the cause (for rejected credentials: \`${cli} accounts update ${id} --credentials-env VAR\`), then ${restartCmd} resumes it.`;
      }
      const limit = suspended?.maxRestarts !== undefined && suspended.withinMs !== undefined ? { maxRestarts: suspended.maxRestarts, withinMs: suspended.withinMs } : options.intensity;
      // The failure that suspends it would have needed one restart more than the window held.
      const needed = (suspended?.restartsInWindow ?? limit?.maxRestarts ?? 0) + 1;
      const why = limit
        ? `${needed} restarts within ${duration(limit.withinMs)} exceeded maxRestarts ${limit.maxRestarts}`
        : 'it needed more restarts than its restart intensity allows';
      return `${id} is suspended since ${when} because ${why}${error ? `; last error ${error}` : ''}; ${restartCmd} clears it.`;
    }
    case 'backoff': {
      const next = status.nextRestartAt;
      const now = options.now ?? Date.now();
      const when = next !== undefined ? `restarts at ${at(next)} (in ${duration(Math.max(0, next - now))})` : 'restarts after a backoff delay';
      const count = options.intensity ? restartsWithin(history, options.intensity.withinMs, now) : undefined;
      const budget = options.intensity && count !== undefined ? `, restart ${count} of at most ${options.intensity.maxRestarts} within ${duration(options.intensity.withinMs)}` : '';
      return `${id} ${when} after its task failed at ${at(status.since)}${errPart}${budget}; nothing to do unless it keeps failing (${restartCmd} retries now).`;
    }
    case 'running': {
      const restarted = last(history, 'restartScheduled');
      const after = restarted && status.restarts > 0 ? `, last restarted at ${at(restarted.at)}${errPart ? ` after ${lastErr}` : ''}` : '';
      return `${id} is running since ${at(status.since)} (incarnation ${status.incarnation}, ${plural(status.restarts, 'restart')}${after}); nothing to do.`;
    }
    case 'loading':
      return `${id} is starting incarnation ${status.incarnation} since ${at(status.since)} (loading its account); nothing to do unless it stays here past the load timeout.`;
    case 'disabled': {
      const disabled = findLast(history, (e): e is Entry<'command'> => e.kind === 'command' && e.command === 'disable' && e.outcome === 'ok');
      const by = disabled ? `since ${at(disabled.at)} by a disable command` : `since ${at(status.since)} (stored disabled)`;
      return `${id} is disabled ${by}; \`${cli} accounts enable ${id}\` starts it.`;
    }
    case 'cancelling':
      return `${id} is stopping incarnation ${status.incarnation} since ${at(status.since)} (cancelled by a command or a shutdown); nothing to do: it waits for the worker to return.`;
    case 'failed':
      return `${id}'s incarnation ${status.incarnation} failed at ${at(status.since)}${errPart}; the supervisor decides what follows once the worker has returned.`;
    case 'cleaned': {
      const finished = last(history, 'finished');
      if (finished) return `${id} ended at ${at(finished.at)} (${finished.reason}) and its restart type does not restart it${errPart}; ${restartCmd} starts it again.`;
      return `${id}'s task ended at ${at(status.since)}${errPart}; ${restartCmd} starts it again.`;
    }
  }
}

/** `CODE`, or the message (shortened) when the error has no code. */
function lastError(status: AccountStatus, history: readonly HistoryEntry[]): string | undefined {
  return errorText(status.lastError ?? last(history, 'error'));
}

function errorText(error: { message: string; code?: string | undefined } | undefined): string | undefined {
  if (!error) return undefined;
  if (error.code) return error.code;
  return error.message.length > 80 ? `"${error.message.slice(0, 77)}…"` : `"${error.message}"`;
}

function last<K extends HistoryEntry['kind']>(history: readonly HistoryEntry[], kind: K): Entry<K> | undefined {
  return findLast(history, (e): e is Entry<K> => e.kind === kind);
}

function restartsWithin(history: readonly HistoryEntry[], withinMs: number, now: number): number {
  return history.filter((e) => e.kind === 'restartScheduled' && e.at > now - withinMs).length;
}

function findLast<T extends HistoryEntry>(history: readonly HistoryEntry[], match: (e: HistoryEntry) => e is T): T | undefined {
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const entry = history[i]!;
    if (match(entry)) return entry;
  }
  return undefined;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
