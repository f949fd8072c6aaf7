import type { AccountTaskContext } from './accountTask.js';

type TaskState = 'loading' | 'running' | 'cancelling' | 'failed' | 'cleaned';

/**
 * The event that moved an account task from `from` to `to`, read from the two states and the
 * task's context (its error code and `forced` flag), so the flight recorder can name it without
 * an inspection observer on every task (which would cost at 100,000 tasks). Delays are named
 * `after <delay>`. `test/machines/taskTransitionEvent.test.ts` checks every transition of
 * `accountTaskMachine` against this function, so a new transition cannot go unnamed.
 *
 * @example
 * ```ts
 * taskTransitionEvent('running', 'failed', context); // 'WORKER_FAILED'
 * ```
 */
export function taskTransitionEvent(from: TaskState, to: TaskState, context: Pick<AccountTaskContext, 'error' | 'forced'>): string {
  switch (`${from}>${to}`) {
    case 'loading>running':
      return 'LOADED';
    case 'loading>failed':
      return context.error?.code === 'LOAD_TIMEOUT' ? 'after loadTimeout' : 'LOAD_FAILED';
    case 'loading>cleaned':
    case 'running>cancelling':
      return 'CANCEL';
    case 'running>cleaned':
      return 'WORKER_DONE';
    case 'running>failed':
      return 'WORKER_FAILED';
    case 'cancelling>cleaned':
    case 'failed>cleaned':
      return context.forced ? 'after cancelTimeout' : 'SETTLED';
    default:
      return 'unknown';
  }
}
