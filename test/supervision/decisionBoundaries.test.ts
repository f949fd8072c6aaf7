/**
 * The restart decision at its boundaries, as pure functions with an injected `random`: each case
 * is a mutant of decideRestart, checkIntensity or backoffDelay that the integrated tests could not
 * see (a cancelled task never reaches the decision there; a window boundary is a millisecond).
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/supervision/backoff.js';
import { decideRestart } from '../../src/supervision/decideRestart.js';
import { checkIntensity } from '../../src/supervision/intensity.js';
import { DEFAULT_RESTART_POLICY, resolveRestartPolicy } from '../../src/supervision/restartPolicy.js';

const policy = resolveRestartPolicy(DEFAULT_RESTART_POLICY, { type: 'permanent', backoff: { minMs: 100, maxMs: 10_000, factor: 2, jitter: 'none' }, resetAfterMs: 60_000 });
const fresh = { history: [], attempt: 0, previousDelayMs: 0 };

describe('decideRestart boundaries', () => {
  it('a cancelled task is finished, even under a permanent policy', () => {
    expect(decideRestart(policy, { reason: 'cancelled', ranMs: 5 }, fresh, 1_000)).toEqual({ type: 'TASK_FINISHED' });
  });

  it('a task that ran exactly resetAfterMs counts as stable: its backoff starts over', () => {
    const memory = { history: [], attempt: 3, previousDelayMs: 800 };
    const stable = decideRestart(policy, { reason: 'failed', ranMs: 60_000 }, memory, 100_000);
    const unstable = decideRestart(policy, { reason: 'failed', ranMs: 59_999 }, memory, 100_000);
    expect(stable).toMatchObject({ type: 'RESTART_SCHEDULED', attempt: 0, delayMs: 100 });
    expect(unstable).toMatchObject({ type: 'RESTART_SCHEDULED', attempt: 3, delayMs: 800 });
  });
});

describe('checkIntensity boundaries', () => {
  it('a restart exactly withinMs ago has left the window', () => {
    expect(checkIntensity([1_000], { maxRestarts: 1, withinMs: 1_000 }, 2_000)).toEqual({ allowed: true, history: [] });
    expect(checkIntensity([1_001], { maxRestarts: 1, withinMs: 1_000 }, 2_000)).toEqual({ allowed: false, history: [1_001] });
  });
});

describe('backoffDelay, decorrelated jitter', () => {
  const b = { minMs: 100, maxMs: 1_000_000, factor: 2, jitter: 'decorrelated' as const };
  it('draws from [minMs, previous × 3], and from [minMs, minMs × 3] with no previous delay', () => {
    expect(backoffDelay(b, 4, 1_000, () => 0.5)).toBe(Math.floor(100 + 0.5 * (3_000 - 100)));
    expect(backoffDelay(b, 4, 1_000, () => 0)).toBe(100);
    expect(backoffDelay(b, 4, 1_000, () => 0.999_999)).toBe(2_999);
    expect(backoffDelay(b, 0, 0, () => 0.5)).toBe(Math.floor(100 + 0.5 * (300 - 100)));
    expect(backoffDelay(b, 0, 0, () => 0.999_999)).toBe(299);
  });
  it('is capped at maxMs', () => {
    expect(backoffDelay({ ...b, maxMs: 2_000 }, 4, 1_000, () => 0.999_999)).toBe(2_000);
  });
});
