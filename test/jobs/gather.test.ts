import { describe, expect, it } from 'vitest';
import { JobCancelledError, JobTimeoutError, gather, type GatherResult } from '../../src/jobs/index.js';
import { delay, forever, recordingLogger, untilAborted } from './helpers.js';

const statuses = (results: GatherResult<unknown>[]): string[] => results.map((r) => r.status);

describe('gather', () => {
  it('returns one result per input, in input order, whatever the finishing order', async () => {
    const delays = [40, 5, 25, 0, 15];
    const finished: number[] = [];
    const results = await gather(
      async (ms: number) => {
        await delay(ms);
        finished.push(ms);
        return ms * 2;
      },
      delays,
      { concurrency: 5 },
    );
    expect(finished).not.toEqual(delays); // they did finish out of order
    expect(results).toEqual(delays.map((ms) => ({ status: 'fulfilled', value: ms * 2 })));
  });

  it('marks rejections and synchronous throws as rejected, without failing the whole call', async () => {
    const boom = new Error('boom');
    const results = await gather(
      (n: number) => {
        if (n === 1) return Promise.reject(boom);
        if (n === 2) throw new TypeError('sync');
        return Promise.resolve(n);
      },
      [0, 1, 2],
    );
    expect(statuses(results)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(results[1]).toEqual({ status: 'rejected', error: boom });
    expect((results[2] as { error: Error }).error).toBeInstanceOf(TypeError);
  });

  it('times out a slow task with its own timeout, aborting its signal, while the others complete', async () => {
    let aborted = false;
    const results = await gather(
      async (ms: number, signal) => {
        if (ms === Infinity) {
          signal.addEventListener('abort', () => (aborted = true));
          return untilAborted(signal);
        }
        await delay(ms);
        return ms;
      },
      [10, Infinity, 20],
      { taskTimeoutMs: 80 },
    );
    expect(statuses(results)).toEqual(['fulfilled', 'timeout', 'fulfilled']);
    const timeout = results[1] as { error: JobTimeoutError };
    expect(timeout.error).toBeInstanceOf(JobTimeoutError);
    expect(timeout.error.timeoutMs).toBe(80);
    expect(aborted).toBe(true);
  });

  it('returns by the global deadline, cancelling running and queued tasks, even one ignoring its signal', async () => {
    const logger = recordingLogger();
    const abortedRunning: number[] = [];
    const started: number[] = [];
    const begin = Date.now();
    const results = await gather(
      async (i: number, signal) => {
        started.push(i);
        if (i === 0) return 'quick';
        if (i === 1) return forever(); // ignores its signal
        signal.addEventListener('abort', () => abortedRunning.push(i));
        return untilAborted(signal);
      },
      [0, 1, 2, 3, 4, 5, 6, 7],
      { concurrency: 3, globalTimeoutMs: 150, taskTimeoutMs: 10_000, abandonAfterMs: 50, logger },
    );
    const elapsed = Date.now() - begin;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(150 + 300);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'quick' });
    expect(statuses(results.slice(1))).toEqual(Array(7).fill('cancelled'));
    for (const r of results.slice(1)) {
      expect((r as { error: JobCancelledError }).error).toMatchObject({ code: 'JOB_CANCELLED', reason: 'deadline' });
    }
    expect(started).toEqual([0, 1, 2, 3]); // concurrency 3: 4..7 never started
    expect(abortedRunning).toEqual([2, 3]);
    await delay(100); // the stubborn task is reported after abandonAfterMs
    expect(logger.warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/"gather task 1" ignored its aborted signal/)]);
  });

  it('spreads start times over the jitter window', async () => {
    const n = 40;
    const begin = Date.now();
    const startedAt: number[] = [];
    await gather(
      async () => {
        startedAt.push(Date.now() - begin);
      },
      Array.from({ length: n }, (_, i) => i),
      { concurrency: n, jitterMs: 200 },
    );
    const sorted = [...startedAt].sort((a, b) => a - b);
    const first = sorted[0] ?? 0;
    const last = sorted[n - 1] ?? 0;
    // 40 uniform delays in [0, 200]: all inside a 100 ms window has probability < 1e-10.
    expect(last - first).toBeGreaterThan(100);
    expect(sorted.filter((t) => t >= 100).length).toBeGreaterThan(0);
    expect(sorted.filter((t) => t < 100).length).toBeGreaterThan(0);
    expect(last).toBeLessThan(200 + 300);
  });

  it('applies the injected random jitter exactly, inside each slot, outside the task timeout', async () => {
    const randoms = [0, 0.5, 0.99];
    let k = 0;
    const begin = Date.now();
    const startedAt: number[] = [];
    const results = await gather(
      async (i: number) => {
        startedAt[i] = Date.now() - begin;
        await delay(20);
        return i;
      },
      [0, 1, 2],
      { concurrency: 3, jitterMs: 200, taskTimeoutMs: 100, random: () => randoms[k++] ?? 0 },
    );
    // 198 ms of jitter then 20 ms of work, with a 100 ms task timeout: the jitter does not count.
    expect(statuses(results)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(startedAt[0]).toBeLessThan(80);
    expect(startedAt[1]).toBeGreaterThanOrEqual(95);
    expect(startedAt[2]).toBeGreaterThanOrEqual(190);
  });

  it('cancels unfinished tasks when its signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    const results = await gather((i: number, signal) => (i === 0 ? Promise.resolve(i) : untilAborted(signal)), [0, 1, 2], {
      signal: controller.signal,
    });
    expect(statuses(results)).toEqual(['fulfilled', 'cancelled', 'cancelled']);
    expect((results[1] as { error: JobCancelledError }).error.reason).toBe('signal');
    const pre = await gather(() => Promise.resolve(1), [1, 2], { signal: controller.signal });
    expect(statuses(pre)).toEqual(['cancelled', 'cancelled']);
  });

  it('handles an empty list and rejects bad options', async () => {
    expect(await gather(() => Promise.resolve(1), [])).toEqual([]);
    await expect(gather(() => Promise.resolve(1), [1], { concurrency: 0 })).rejects.toMatchObject({ field: 'concurrency' });
    await expect(gather(() => Promise.resolve(1), [1], { jitterMs: -1 })).rejects.toMatchObject({ field: 'jitterMs' });
  });
});
