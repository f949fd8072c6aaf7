import type { TaskError } from '../worker/describeError.js';
import type { TaskEndReason } from '../machines/accountTask.js';
import { backoffDelay, type Random } from './backoff.js';
import { checkIntensity } from './intensity.js';
import type { RestartPolicy } from './restartPolicy.js';

/** What the supervisor knows of an account's restart past when one of its tasks ends on its own. */
export interface RestartMemory {
  /** Epoch-ms times of earlier restarts, oldest first. */
  history: readonly number[];
  /** Index of the next backoff step. */
  attempt: number;
  /** The previous backoff delay (for decorrelated jitter). */
  previousDelayMs: number;
}

/** How the task ended. `ranMs` is how long it was `running` (0 if it never got there). */
export interface TaskEnd {
  reason: TaskEndReason;
  error?: TaskError;
  ranMs: number;
}

/**
 * Where the restart intensity stood when it was exceeded: `restartsInWindow` restarts were already
 * made within the last `withinMs`, and one more would exceed `maxRestarts`.
 */
export interface IntensityExceeded {
  restartsInWindow: number;
  maxRestarts: number;
  withinMs: number;
}

/** The supervisor's answer, one machine event each. */
export type RestartDecision =
  | { type: 'RESTART_SCHEDULED'; delayMs: number; attempt: number; history: number[] }
  | ({ type: 'SUSPENDED'; cause: 'intensity' } & IntensityExceeded)
  | { type: 'SUSPENDED'; cause: 'nonRetryable' }
  | ({ type: 'ESCALATED' } & IntensityExceeded)
  | { type: 'TASK_FINISHED' };

/**
 * OTP's restart rule plus backoff: decides what follows a task that ended without a command.
 *
 * 1. `cancelled` never restarts; a failure with `retryable: false` suspends at once.
 * 2. `temporary` never restarts; `transient` restarts only after `failed`; `permanent` after both.
 * 3. A restart that would exceed the intensity suspends (or escalates) instead.
 * 4. Otherwise restart after a backoff delay; a task that ran `resetAfterMs` starts the backoff over.
 *
 * @example
 * ```ts
 * decideRestart(DEFAULT_RESTART_POLICY, { reason: 'failed', ranMs: 10 }, { history: [], attempt: 0, previousDelayMs: 0 }, Date.now());
 * // { type: 'RESTART_SCHEDULED', delayMs: 0…5000, attempt: 0, history: [now] }
 * ```
 */
export function decideRestart(
  policy: RestartPolicy,
  end: TaskEnd,
  memory: RestartMemory,
  now: number,
  random: Random = Math.random,
): RestartDecision {
  if (end.reason === 'cancelled') return { type: 'TASK_FINISHED' };
  if (end.reason === 'failed' && end.error?.retryable === false) return { type: 'SUSPENDED', cause: 'nonRetryable' };
  if (policy.type === 'temporary' || (policy.type === 'transient' && end.reason === 'completed')) {
    return { type: 'TASK_FINISHED' };
  }
  const intensity = checkIntensity(memory.history, policy.intensity, now);
  if (!intensity.allowed) {
    const exceeded: IntensityExceeded = { restartsInWindow: intensity.history.length, ...policy.intensity };
    return policy.onIntensityExceeded === 'escalate' ? { type: 'ESCALATED', ...exceeded } : { type: 'SUSPENDED', cause: 'intensity', ...exceeded };
  }
  const stable = end.ranMs >= policy.resetAfterMs;
  const attempt = stable ? 0 : memory.attempt;
  const delayMs = backoffDelay(policy.backoff, attempt, stable ? 0 : memory.previousDelayMs, random);
  return { type: 'RESTART_SCHEDULED', delayMs, attempt, history: [...intensity.history, now] };
}
