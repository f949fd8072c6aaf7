/**
 * The last line of `statevisor why`: one plain sentence per state that says since when, why, and
 * what to do; and the timeline lines above it. Pure functions, exact strings (UTC).
 */
import { describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../src/index.js';
import { explainState } from '../../src/recorder/explain.js';
import { duration } from '../../src/recorder/format.js';
import type { HistoryEntry } from '../../src/history/index.js';
import { formatTimeline } from '../../src/recorder/timeline.js';

const T0 = Date.UTC(2026, 11, 2, 10, 30, 0);
const at = (h: number, m: number, s: number, ms = 0) => Date.UTC(2026, 11, 2, h, m, s, ms);
const UTC = { timeZone: 'UTC' } as const;

function status(over: Partial<AccountStatus>): AccountStatus {
  return { id: 'shop-1', enabled: true, state: 'running', incarnation: 1, restarts: 0, since: T0, ...over };
}

/** A crash loop: `n` restarts a few seconds apart, each after ECONNREFUSED. */
function crashLoop(n: number, start: number): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = start + i * 20_000;
    out.push({ at: t, kind: 'error', incarnation: i + 1, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' });
    out.push({ at: t + 1, kind: 'restartScheduled', incarnation: i + 1, delayMs: 5_000, attempt: i, restartAt: t + 5_001 });
  }
  return out;
}

describe('explainState()', () => {
  it('suspended by intensity: when, the limit in numbers, the last error, the command that clears it', () => {
    const history: HistoryEntry[] = [
      { at: T0, kind: 'command', command: 'add', outcome: 'ok' },
      ...crashLoop(22, T0 + 1_000),
      { at: at(10, 42, 7), kind: 'error', incarnation: 23, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
      { at: at(10, 42, 7, 2), kind: 'suspended', incarnation: 23, cause: 'intensity', restartsInWindow: 22, maxRestarts: 22, withinMs: 900_000 },
    ];
    const s = status({ state: 'suspended', incarnation: 23, restarts: 22, since: at(10, 42, 7, 3), suspendedBecause: 'intensity', lastError: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' } });
    expect(explainState(s, history, UTC)).toBe('shop-1 is suspended since 10:42:07 because 23 restarts within 15 min exceeded maxRestarts 22; last error ECONNREFUSED; `statevisor accounts restart shop-1` clears it.');
  });

  it('suspended by intensity with the limit from the options when the history has lost the decision (ring wrapped)', () => {
    const s = status({ state: 'suspended', since: at(10, 42, 7), suspendedBecause: 'intensity', lastError: { message: 'socket hang up' } });
    expect(explainState(s, [], { ...UTC, intensity: { maxRestarts: 3, withinMs: 60_000 } })).toBe('shop-1 is suspended since 10:42:07 because 4 restarts within 60 s exceeded maxRestarts 3; last error "socket hang up"; `statevisor accounts restart shop-1` clears it.');
    expect(explainState(s, [], UTC)).toContain('because it needed more restarts than its restart intensity allows;');
  });

  it('suspended for a non-retryable error: says restarting cannot help and how to fix and resume', () => {
    const history: HistoryEntry[] = [
      { at: at(10, 0, 0), kind: 'transition', incarnation: 1, from: 'running', to: 'failed', event: 'WORKER_FAILED' },
      { at: at(10, 0, 0, 5), kind: 'suspended', incarnation: 1, cause: 'nonRetryable', error: { code: 'CREDENTIALS_REJECTED', message: 'rejected' } },
    ];
    const s = status({ state: 'suspended', since: at(10, 0, 1), suspendedBecause: 'nonRetryable' });
    expect(explainState(s, history, UTC)).toBe(
      'shop-1 is suspended since 10:00:00 because its worker failed with an error that says restarting cannot help (CREDENTIALS_REJECTED); fix the cause (for rejected credentials: `statevisor accounts update shop-1 --credentials-env VAR`), then `statevisor accounts restart shop-1` resumes it.',
    );
  });

  it('in backoff: when it restarts, after what, and how much of the intensity budget is used', () => {
    const history = crashLoop(3, at(10, 40, 0));
    const s = status({ state: 'backoff', since: at(10, 40, 40), nextRestartAt: at(10, 40, 44, 200), restarts: 3, lastError: { code: 'ECONNREFUSED', message: 'x' } });
    expect(explainState(s, history, { ...UTC, now: at(10, 40, 40), intensity: { maxRestarts: 22, withinMs: 900_000 } })).toBe(
      'shop-1 restarts at 10:40:44 (in 4.2 s) after its task failed at 10:40:40; last error ECONNREFUSED, restart 3 of at most 22 within 15 min; nothing to do unless it keeps failing (`statevisor accounts restart shop-1` retries now).',
    );
  });

  it('running, disabled, loading, cancelling, failed, finished, leaked', () => {
    const restarted: HistoryEntry[] = [...crashLoop(1, at(10, 0, 0)), { at: at(10, 1, 0), kind: 'command', command: 'disable', outcome: 'ok' }];
    expect(explainState(status({ state: 'running', incarnation: 2, restarts: 1, since: at(10, 0, 6), lastError: { code: 'ECONNREFUSED', message: 'x' } }), restarted, UTC)).toBe(
      'shop-1 is running since 10:00:06 (incarnation 2, 1 restart, last restarted at 10:00:00 after ECONNREFUSED); nothing to do.',
    );
    expect(explainState(status({ state: 'running' }), [], UTC)).toBe('shop-1 is running since 10:30:00 (incarnation 1, 0 restarts); nothing to do.');
    expect(explainState(status({ state: 'disabled', enabled: false }), restarted, UTC)).toBe('shop-1 is disabled since 10:01:00 by a disable command; `statevisor accounts enable shop-1` starts it.');
    expect(explainState(status({ state: 'disabled', enabled: false }), [], UTC)).toBe('shop-1 is disabled since 10:30:00 (stored disabled); `statevisor accounts enable shop-1` starts it.');
    expect(explainState(status({ state: 'loading', incarnation: 4 }), [], UTC)).toContain('starting incarnation 4 since 10:30:00');
    expect(explainState(status({ state: 'cancelling' }), [], UTC)).toContain('is stopping incarnation 1 since 10:30:00');
    expect(explainState(status({ state: 'failed', lastError: { code: 'E_BOOM', message: 'boom' } }), [], UTC)).toBe("shop-1's incarnation 1 failed at 10:30:00; last error E_BOOM; the supervisor decides what follows once the worker has returned.");
    const finished: HistoryEntry[] = [{ at: at(10, 5, 0), kind: 'finished', incarnation: 1, reason: 'completed' }];
    expect(explainState(status({ state: 'cleaned' }), finished, UTC)).toBe('shop-1 ended at 10:05:00 (completed) and its restart type does not restart it; `statevisor accounts restart shop-1` starts it again.');
    expect(explainState(status({ state: 'cancelling', leaked: true }), [], UTC)).toBe(
      "shop-1's worker ignored cancellation and is still running (since 10:30:00); with onLeak: 'wait' (the default) no new incarnation starts until it ends; fix the worker so that it returns when its AbortSignal aborts.",
    );
    expect(explainState(status({ state: 'running', incarnation: 3, leaked: true }), [], UTC)).toBe(
      "shop-1 is running incarnation 3, but an earlier worker ignored cancellation and still runs beside it (onLeak: 'proceed'); fix the worker so that it returns when its AbortSignal aborts.",
    );
    expect(explainState(status({ state: 'suspended', suspendedBecause: 'intensity' }), [], { ...UTC, cli: 'npx statevisor' })).toContain('`npx statevisor accounts restart shop-1` clears it.');
  });

  it('every state gets exactly one sentence, ending in a period, naming the account', () => {
    const states: AccountStatus['state'][] = ['loading', 'running', 'cancelling', 'failed', 'cleaned', 'backoff', 'suspended', 'disabled'];
    for (const state of states) {
      const sentence = explainState(status({ state }), [], { ...UTC, now: T0 });
      expect(sentence.startsWith('shop-1')).toBe(true);
      expect(sentence.endsWith('.')).toBe(true);
      expect(sentence).not.toContain('\n');
      expect(sentence.match(/\. /g)).toBeNull();
    }
  });
});

describe('formatTimeline()', () => {
  it('one line per entry: date and time with milliseconds, incarnation, what happened', () => {
    const lines = formatTimeline(
      [
        { at: at(10, 41, 0, 5), kind: 'command', command: 'restart', outcome: 'ok' },
        { at: at(10, 41, 0, 120), kind: 'transition', incarnation: 3, from: 'loading', to: 'running', event: 'LOADED' },
        { at: at(10, 41, 9, 4), kind: 'error', incarnation: 3, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
        { at: at(10, 41, 9, 6), kind: 'restartScheduled', incarnation: 3, delayMs: 4_180, attempt: 1, restartAt: at(10, 41, 13, 186) },
        { at: at(10, 42, 7), kind: 'suspended', incarnation: 4, cause: 'intensity', restartsInWindow: 22, maxRestarts: 22, withinMs: 900_000 },
        { at: at(10, 42, 8), kind: 'transition', incarnation: 5, from: null, to: 'loading', event: 'xstate.init' },
        { at: at(10, 42, 9), kind: 'command', command: 'update', outcome: 'failed', error: { code: 'STORE_WRITE_FAILED', message: 'disk full' } },
      ],
      UTC,
    );
    expect(lines).toEqual([
      '2026-12-02 10:41:00.005        command: restart',
      '2026-12-02 10:41:00.120  #3    loading → running (LOADED)',
      '2026-12-02 10:41:09.004  #3    error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
      '2026-12-02 10:41:09.006  #3    decision: restart in 4.2 s (backoff attempt 1)',
      '2026-12-02 10:42:07.000  #4    decision: suspended (23 restarts within 15 min exceed maxRestarts 22)',
      '2026-12-02 10:42:08.000  #5    spawned → loading',
      '2026-12-02 10:42:09.000        command: update (failed: STORE_WRITE_FAILED)',
    ]);
  });

  it('durations read at a glance', () => {
    expect([850, 4_180, 45_000, 900_000, 9_000_000].map(duration)).toEqual(['850 ms', '4.2 s', '45 s', '15 min', '2 h 30 min']);
  });
});
