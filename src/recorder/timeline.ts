import { dateTime, duration, type FormatOptions } from './format.js';
import type { HistoryEntry } from '../history/index.js';

/**
 * The flight recorder's entries as lines a person reads, oldest first: time, incarnation, what
 * happened. The body of `statevisor why <id>`.
 *
 * @example
 * ```ts
 * formatTimeline(supervisor.history('shop-1'), { timeZone: 'UTC' });
 * // ['2026-12-02 10:41:52.120  #3  loading → running (LOADED)',
 * //  '2026-12-02 10:42:01.004  #3  error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9', …]
 * ```
 */
export function formatTimeline(history: readonly HistoryEntry[], options: FormatOptions = {}): string[] {
  return history.map((entry) => `${dateTime(entry.at, options)}  ${'incarnation' in entry ? `#${entry.incarnation}`.padEnd(4) : '    '}  ${describeEntry(entry)}`);
}

/**
 * What one entry says, without its time.
 *
 * @example
 * ```ts
 * describeEntry({ at: 0, kind: 'command', command: 'restart', outcome: 'ok' }); // 'command: restart'
 * ```
 */
export function describeEntry(entry: HistoryEntry): string {
  switch (entry.kind) {
    case 'transition':
      return entry.from === null ? `spawned → ${entry.to}` : `${entry.from} → ${entry.to} (${entry.event})`;
    case 'command':
      return `command: ${entry.command}${entry.outcome === 'failed' ? ` (failed${entry.error ? `: ${entry.error.code ?? entry.error.message}` : ''})` : ''}`;
    case 'error':
      return `error ${entry.code ?? ''}${entry.code ? ': ' : ''}${entry.message}`;
    case 'restartScheduled':
      return `decision: restart in ${duration(entry.delayMs)} (backoff attempt ${entry.attempt})`;
    case 'suspended':
      if (entry.cause === 'nonRetryable') return 'decision: suspended (non-retryable error)';
      return entry.maxRestarts !== undefined && entry.withinMs !== undefined
        ? `decision: suspended (${(entry.restartsInWindow ?? entry.maxRestarts) + 1} restarts within ${duration(entry.withinMs)} exceed maxRestarts ${entry.maxRestarts})`
        : 'decision: suspended (restart intensity exceeded)';
    case 'escalated':
      return `decision: escalated (${entry.restartsInWindow + 1} restarts within ${duration(entry.withinMs)} exceed maxRestarts ${entry.maxRestarts}; the supervisor shuts down)`;
    case 'finished':
      return `decision: no restart (${entry.reason}, as its restart type allows)`;
  }
}
