/**
 * The simulated platform on its own (no supervisor): its workers connect after a drawn latency,
 * die in outages and crashes, fail for good once credentials are revoked, and honour their
 * AbortSignal, fast or slow. The same seed gives every account the same fate.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolvePlatformModel, SimulatedPlatform, type PlatformModelInput } from '../../src/simulation/platform.js';
import { VirtualClock } from '../../src/simulation/virtualClock.js';
import type { WorkerContext } from '../../src/worker/worker.js';

const HOUR = 3_600_000;

function setup(model: PlatformModelInput, accounts = 10, seed = 1) {
  const clock = new VirtualClock();
  const ids = Array.from({ length: accounts }, (_, i) => `a${i}`);
  const events: string[] = [];
  const platform = new SimulatedPlatform(resolvePlatformModel(model), {
    seed,
    accountIds: ids,
    clock,
    durationMs: 24 * HOUR,
    observer: { outage: (k, phase, dropped) => events.push(`${phase} ${k} dropped ${dropped.length}`) },
  });
  platform.start();
  const run = (id: string) => {
    const controller = new AbortController();
    const ctx = { account: { id, enabled: true, settings: {} }, signal: controller.signal, log: pino({ level: 'silent' }), report: () => {}, jobs: undefined as never } as WorkerContext;
    let outcome: { ok: true; at: number } | { ok: false; at: number; code: string; retryable: boolean } | undefined;
    platform.worker(ctx).then(
      () => (outcome = { ok: true, at: clock.now() }),
      (e: { code: string; retryable: boolean }) => (outcome = { ok: false, at: clock.now(), code: e.code, retryable: e.retryable }),
    );
    return { abort: () => controller.abort(), outcome: () => outcome };
  };
  return { clock, platform, run, events };
}

describe('simulated platform', () => {
  it('an outage ends live sessions, fails connects while it lasts, and lets them connect after', async () => {
    const { clock, platform, run, events } = setup({ outages: [{ atMs: HOUR, durationMs: 600_000 }], connectLatency: { medianMs: 100, p99Ms: 100 } });
    const first = run('a0');
    await clock.runUntil(1_000);
    expect(platform.connected).toBe(1);
    await clock.runUntil(HOUR);
    expect(first.outcome()).toEqual({ ok: false, at: HOUR, code: 'SESSION_CLOSED', retryable: true });
    expect(platform.connected).toBe(0);
    const during = run('a0');
    await clock.advance(1_000);
    expect(during.outcome()).toMatchObject({ ok: false, code: 'CONNECT_FAILED', at: HOUR + 100 });
    await clock.runUntil(HOUR + 600_000);
    const after = run('a0');
    await clock.advance(1_000);
    expect(after.outcome()).toBeUndefined();
    expect(platform.connected).toBe(1);
    expect(events).toEqual(['start 0 dropped 1', 'end 0 dropped 0']);
    expect(platform.doubled()).toEqual([]);
  });

  it('crashes at the configured rate (a Poisson process: 0.01/h leaves e^-0.24 of sessions alive after a day)', async () => {
    const { clock, run } = setup({ crashesPerHour: 0.01, connectLatency: { medianMs: 10, p99Ms: 10 } }, 2_000);
    const sessions = Array.from({ length: 2_000 }, (_, i) => run(`a${i}`));
    await clock.runUntil(24 * HOUR);
    const crashed = sessions.filter((s) => s.outcome()?.ok === false).length;
    // Expected 2,000 × (1 − e^−0.24) ≈ 427 crashed within the day; ±5 standard deviations (18 each).
    expect(crashed).toBeGreaterThan(427 - 5 * 18);
    expect(crashed).toBeLessThan(427 + 5 * 18);
  });

  it('revoked credentials end the session and fail every later connect, not retryable', async () => {
    const { clock, run } = setup({ rejectShare: 1, connectLatency: { medianMs: 10, p99Ms: 10 } }, 1);
    const s = run('a0');
    await clock.runUntil(24 * HOUR);
    const o = s.outcome();
    expect(o).toMatchObject({ ok: false, code: 'CREDENTIALS_REJECTED', retryable: false });
    const again = run('a0');
    await clock.advance(100);
    expect(again.outcome()).toMatchObject({ ok: false, code: 'CREDENTIALS_REJECTED' });
  });

  it('workers honour their signal: most settle within fastMs, slow ones after slowDelayMs', async () => {
    const { clock, run, platform } = setup({ cancel: { fastMs: 20, slowShare: 0.5, slowDelayMs: 30_000 } }, 100);
    const sessions = Array.from({ length: 100 }, (_, i) => run(`a${i}`));
    await clock.runUntil(60_000);
    sessions.forEach((s) => s.abort());
    const abortedAt = clock.now();
    await clock.advance(20);
    const fast = sessions.filter((s) => s.outcome()?.ok).length;
    expect(fast).toBeGreaterThan(30);
    expect(fast).toBeLessThan(70);
    expect(platform.alive).toBe(100 - fast);
    await clock.advance(30_000);
    expect(sessions.every((s) => s.outcome()?.ok === true && s.outcome()!.at <= abortedAt + 30_000)).toBe(true);
    expect(platform.alive).toBe(0);
    expect(platform.connected).toBe(0);
  });

  it('the same seed gives each account the same fate; another seed another', async () => {
    const fates = async (seed: number) => {
      const { clock, run } = setup({ crashesPerHour: 1, rejectShare: 0.2, connectLatency: { medianMs: 300, p99Ms: 3_000 } }, 50, seed);
      const sessions = Array.from({ length: 50 }, (_, i) => run(`a${i}`));
      await clock.runUntil(24 * HOUR);
      return sessions.map((s) => JSON.stringify(s.outcome()));
    };
    const a = await fates(1);
    expect(await fates(1)).toEqual(a);
    expect(await fates(2)).not.toEqual(a);
  });
});
