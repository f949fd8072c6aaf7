/**
 * Restart policy: when an account task ends on its own, whether and when the supervisor starts
 * it again. The semantics are Erlang/OTP's (`permanent` / `transient` / `temporary`, restart
 * intensity MaxR within MaxT), with exponential backoff and jitter added because the remote
 * platform, not a bug, is the usual reason a session dies.
 */

/** A complete restart policy. See {@link DEFAULT_RESTART_POLICY} for the defaults and why. */
export interface RestartPolicy {
  /** `permanent`: restart after completed and failed; `transient`: only after failed; `temporary`: never. A cancelled task never restarts. */
  type: 'permanent' | 'transient' | 'temporary';
  /** Delay before restart `n` (0-based) is drawn from `min(maxMs, minMs × factor^n)` by `jitter`. */
  backoff: { minMs: number; maxMs: number; factor: number; jitter: 'full' | 'decorrelated' | 'none' };
  /** More than `maxRestarts` restarts needed within a sliding `withinMs` exceeds the intensity. */
  intensity: { maxRestarts: number; withinMs: number };
  /** A task that ran this long before it ended starts its backoff over from `minMs`. */
  resetAfterMs: number;
  /** `suspend` the account alone, or `escalate`: shut the whole supervisor down with an error. */
  onIntensityExceeded: 'suspend' | 'escalate';
  /** `wait`: no new incarnation while a leaked worker lives; `proceed`: start one anyway. */
  onLeak: 'wait' | 'proceed';
}

/**
 * Any subset of a {@link RestartPolicy}, nested objects included.
 *
 * @example
 * ```ts
 * createSupervisor({ worker, restart: { type: 'transient', backoff: { maxMs: 30_000 } } });
 * ```
 */
export type RestartPolicyInput = {
  [K in keyof RestartPolicy]?: RestartPolicy[K] extends object ? Partial<RestartPolicy[K]> : RestartPolicy[K];
};

/**
 * The defaults, chosen so that a 5-minute network outage alone suspends nobody while an account
 * that crashes at every start is suspended after about 10 minutes. "Alone": an account that also
 * failed for another reason within the same 15 minutes has fewer restarts left, and may be
 * suspended by the outage (the what-if run in docs/simulation.md: 1 account in 10,000, seed 7).
 *
 * With full jitter from 5 s to 60 s, a task that fails at once is restarted 12 times in 5 minutes
 * at the median and at most 22 times in 20,000 simulated runs; its 23rd restart, which exceeds
 * `maxRestarts: 22`, comes after about 10 minutes (median 609 s, 99.9th percentile 838 s, all
 * inside the 15-minute window). `test/supervision/defaults.test.ts` checks this against the real
 * backoff and intensity code. The 5 s floor spreads 10,000 simultaneous failures over 5 seconds
 * instead of one.
 */
export const DEFAULT_RESTART_POLICY: RestartPolicy = Object.freeze({
  type: 'permanent',
  backoff: Object.freeze({ minMs: 5_000, maxMs: 60_000, factor: 2, jitter: 'full' }),
  intensity: Object.freeze({ maxRestarts: 22, withinMs: 15 * 60_000 }),
  resetAfterMs: 60_000,
  onIntensityExceeded: 'suspend',
  onLeak: 'wait',
} as const);

/**
 * Lays `overrides` over `base`, nested objects field by field, later ones winning.
 *
 * @example
 * ```ts
 * resolveRestartPolicy(DEFAULT_RESTART_POLICY, { backoff: { minMs: 100 } }).backoff.maxMs; // 60_000
 * ```
 */
export function resolveRestartPolicy(base: RestartPolicy, ...overrides: (RestartPolicyInput | undefined)[]): RestartPolicy {
  let policy = base;
  for (const o of overrides) {
    if (!o) continue;
    policy = {
      type: o.type ?? policy.type,
      backoff: { ...policy.backoff, ...o.backoff },
      intensity: { ...policy.intensity, ...o.intensity },
      resetAfterMs: o.resetAfterMs ?? policy.resetAfterMs,
      onIntensityExceeded: o.onIntensityExceeded ?? policy.onIntensityExceeded,
      onLeak: o.onLeak ?? policy.onLeak,
    };
  }
  return policy;
}
