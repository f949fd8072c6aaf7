import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock/clock.js';
import { createJobRunner, JobCancelledError, JobTimeoutError } from '../../src/jobs/index.js';
import { deferred, outcome, recordingLogger, untilAborted } from './helpers.js';

/** A SimulatedClock that counts the timers set, cleared and pending. */
function countingClock(): Clock & { set: number; cleared: number; fired: number; pending: () => number; advance: (ms: number) => void } {
  const sim = new SimulatedClock();
  const live = new Set<unknown>();
  const c = {
    set: 0,
    cleared: 0,
    fired: 0,
    now: () => sim.now(),
    setTimeout(fn: () => void, ms: number) {
      c.set++;
      const id = sim.setTimeout(() => {
        live.delete(id);
        c.fired++;
        fn();
      }, ms);
      live.add(id);
      return id;
    },
    clearTimeout(id: unknown) {
      if (live.delete(id)) c.cleared++;
      sim.clearTimeout(id as number);
    },
    pending: () => live.size,
    advance: (ms: number) => sim.increment(ms),
  };
  return c;
}

const flush = () => new Promise((r) => setImmediate(r));

describe('run-time limits (one timer per distinct timeoutMs)', () => {
  it('times 200 running jobs of one limit with one timer, each at its own deadline', async () => {
    const clock = countingClock();
    const runner = createJobRunner({ concurrency: 1_000, clock, logger: recordingLogger() });
    const early = Array.from({ length: 100 }, (_, i) => runner.submit(`a${i}`, untilAborted, { timeoutMs: 1_000 }));
    clock.advance(400);
    const late = Array.from({ length: 100 }, (_, i) => runner.submit(`b${i}`, untilAborted, { timeoutMs: 1_000 }));
    expect(clock.pending()).toBe(1);
    clock.advance(599); // t = 999: nothing due
    await flush();
    expect(runner.counts().timeout).toBe(0);
    clock.advance(1); // t = 1000: the first hundred are due
    await flush();
    expect(runner.counts().timeout).toBe(100);
    for (const h of early) expect((await outcome(h.result)).ok).toBe(false);
    expect(late.every((h) => h.status().state === 'running')).toBe(true);
    clock.advance(399); // t = 1399
    await flush();
    expect(runner.counts().timeout).toBe(100);
    clock.advance(1); // t = 1400
    await flush();
    expect(runner.counts().timeout).toBe(200);
    const error = (await outcome(late[0]!.result)) as { ok: false; error: unknown };
    expect(error.error).toBeInstanceOf(JobTimeoutError);
    // Two arms of the limit's timer, not one timer per job.
    expect(clock.set - runner.counts().timeout).toBeLessThan(10);
    await runner.shutdown({ timeoutMs: 100 });
  });

  it('re-arms for the next job when the oldest ended first, and holds no timer once idle', async () => {
    const clock = countingClock();
    const runner = createJobRunner({ concurrency: 10, clock, logger: recordingLogger(), abandonAfterMs: 50 });
    const first = deferred<string>();
    const a = runner.submit('a', () => first.promise, { timeoutMs: 100 });
    clock.advance(50);
    const b = runner.submit('b', untilAborted, { timeoutMs: 100 });
    first.resolve('done');
    expect(await a.result).toBe('done');
    clock.advance(50); // t = 100: a's old deadline: b is not due yet
    await flush();
    expect(b.status().state).toBe('running');
    clock.advance(49); // t = 149
    await flush();
    expect(b.status().state).toBe('running');
    clock.advance(1); // t = 150
    await flush();
    expect(b.status().state).toBe('timeout');
    await runner.idle();
    expect(clock.pending()).toBe(0);
    // A job that completes before its limit leaves no timer behind either.
    const c = runner.submit('c', async () => 1, { timeoutMs: 5_000 });
    expect(await c.result).toBe(1);
    await runner.idle();
    expect(clock.pending()).toBe(0);
  });

  it('keeps distinct limits apart', async () => {
    const clock = countingClock();
    const runner = createJobRunner({ concurrency: 10, clock, logger: recordingLogger() });
    const long = runner.submit('long', untilAborted, { timeoutMs: 300 });
    const short = runner.submit('short', untilAborted, { timeoutMs: 100 });
    clock.advance(100);
    await flush();
    expect(short.status().state).toBe('timeout');
    expect(long.status().state).toBe('running');
    clock.advance(200);
    await flush();
    expect(long.status().state).toBe('timeout');
    await runner.idle();
    expect(clock.pending()).toBe(0);
  });
});

describe('the AbortSignal of a job', () => {
  it('is given to a function that declares a parameter, and not made for one that declares none', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const withParam = runner.submit('p', async (signal) => signal instanceof AbortSignal);
    // `arguments` shows what the runner passed to a function with no declared parameter.
    const withoutParam = runner.submit('q', function (this: unknown) {
      return Promise.resolve(arguments.length);
    });
    expect(await withParam.result).toBe(true);
    expect(await withoutParam.result).toBe(0);
    await runner.shutdown({ timeoutMs: 100 });
  });

  it('a job without a signal still ends as cancelled at once, and keeps its slot until it settles', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger(), abandonAfterMs: 10_000 });
    const gate = deferred<string>();
    const h = runner.submit('x', () => gate.promise);
    const next = runner.submit('y', async () => 'second');
    expect(h.cancel()).toBe(true);
    expect(h.status().state).toBe('cancelled');
    expect(((await outcome(h.result)) as { error: unknown }).error).toBeInstanceOf(JobCancelledError);
    expect(next.status().state).toBe('queued'); // the slot is still held
    gate.resolve('late');
    expect(await next.result).toBe('second');
    await runner.shutdown({ timeoutMs: 100 });
  });
});

describe('the result of a job, read late', () => {
  it('settles as the job ended when it is first read after the job finished', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const ok = runner.submit('ok', async () => 'value');
    const bad = runner.submit('bad', async () => {
      throw new Error('broken');
    });
    await runner.idle();
    expect(ok.status().state).toBe('completed');
    expect(bad.status().state).toBe('failed');
    expect(await ok.result).toBe('value');
    await expect(bad.result).rejects.toThrow('broken');
    expect(ok.result).toBe(ok.result); // one promise per job
    await runner.shutdown({ timeoutMs: 100 });
  });
});
