/**
 * The `npm start` demo keeps demonstrating: the flaky account's drop rate, run through the real
 * `decideRestart` with its real restart policy over simulated hours, shows a recovery about once a
 * minute and never reaches the restart intensity; the rejected account is suspended at its first
 * failure (the daemon e2e test checks its log line).
 */
import { describe, expect, it } from 'vitest';
import { DEMO_DROP_EVERY_MS, DEMO_FLAKY, DEMO_REJECTED, demoAccounts } from '../../src/daemon/demo.js';
import { decideRestart, DEFAULT_RESTART_POLICY, resolveRestartPolicy, type RestartPolicy } from '../../src/index.js';

/** How long a reconnect takes against the local simulator (generous). */
const CONNECT_MS = 200;

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/**
 * One flaky account for `hours`: the simulator drops its session every `dropEveryMs` ±25 %
 * (src/simulator/faults.ts `dropEvery`, a timer independent of the session: a drop during a
 * backoff hits nothing); each drop of a live session fails the task, and the supervisor decides
 * as the runtime does (`decideRestart`, memory updated as `Runtime.scheduleRestart` does).
 */
function runFlaky(policy: RestartPolicy, dropEveryMs: number, hours: number, seed: number): { recoveries: number; suspendedAt: number | undefined } {
  const random = seeded(seed);
  const end = hours * 3_600_000;
  let memory = { history: [] as number[], attempt: 0, previousDelayMs: 0 };
  let connectedAt = CONNECT_MS;
  let recoveries = 0;
  for (let t = dropEveryMs * (0.75 + random() * 0.5); t < end; t += dropEveryMs * (0.75 + random() * 0.5)) {
    if (t < connectedAt) continue;
    const d = decideRestart(policy, { reason: 'failed', error: { code: 'SESSION_CLOSED', message: 'dropped' }, ranMs: t - connectedAt }, memory, t, random);
    if (d.type !== 'RESTART_SCHEDULED') return { recoveries, suspendedAt: t };
    memory = { history: d.history, attempt: d.attempt + 1, previousDelayMs: d.delayMs };
    connectedAt = t + d.delayMs + CONNECT_MS;
    recoveries += 1;
  }
  return { recoveries, suspendedAt: undefined };
}

const flaky = demoAccounts().find((a) => a.id === DEMO_FLAKY)!;
const flakyPolicy = resolveRestartPolicy(DEFAULT_RESTART_POLICY, flaky.restart);

describe('the npm start demo', () => {
  it('the flaky account recovers about once a minute and is never suspended (1,000 simulated 6-hour runs)', () => {
    let fewest = Infinity;
    for (let seed = 1; seed <= 1_000; seed += 1) {
      const run = runFlaky(flakyPolicy, DEMO_DROP_EVERY_MS, 6, seed);
      expect(run.suspendedAt, `seed ${seed}`).toBeUndefined();
      fewest = Math.min(fewest, run.recoveries);
    }
    // Whoever watches for an hour sees dozens of drops and recoveries.
    expect(fewest / 6).toBeGreaterThan(40);
  });

  it('holds by arithmetic too: drops at least 45 s apart fit the intensity limit', () => {
    const { maxRestarts, withinMs } = flakyPolicy.intensity;
    const mostDropsInWindow = Math.floor(withinMs / (DEMO_DROP_EVERY_MS * 0.75)) + 1;
    expect(mostDropsInWindow).toBeLessThanOrEqual(maxRestarts);
  });

  it('the simulation can fail: the former 20 s drops suspended the flaky account within the hour', () => {
    const suspended = Array.from({ length: 200 }, (_, i) => runFlaky(flakyPolicy, 20_000, 1, i + 1).suspendedAt);
    expect(suspended.every((t) => t !== undefined && t < 15 * 60_000)).toBe(true);
  });

  it('the rejected account is suspended at its first failure, not after retries', () => {
    const rejected = demoAccounts().find((a) => a.id === DEMO_REJECTED)!;
    const policy = resolveRestartPolicy(DEFAULT_RESTART_POLICY, rejected.restart);
    const error = { code: 'CREDENTIALS_REJECTED', message: 'The platform rejected the account credentials (close code 4001).', retryable: false as const };
    expect(decideRestart(policy, { reason: 'failed', error, ranMs: 0 }, { history: [], attempt: 0, previousDelayMs: 0 }, 1_000)).toEqual({ type: 'SUSPENDED', cause: 'nonRetryable' });
  });
});
