import { describe, expect, it } from 'vitest';
import { JobCancelledError, RunnerShutDownError, createJobRunner } from '../../src/jobs/index.js';
import { deferred, delay, forever, recordingLogger, untilAborted } from './helpers.js';

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('job runner: shutdown', () => {
  it('lets running jobs finish, cancels queued ones at once, and reports how jobs ended', async () => {
    const runner = createJobRunner({ concurrency: 2, logger: recordingLogger() });
    const slow = deferred<string>();
    const a = runner.submit('a', () => slow.promise);
    const b = runner.submit('b', () => Promise.reject(new Error('late failure')));
    const queued = runner.submit('c', async () => 'never');
    const report = runner.shutdown({ timeoutMs: 2_000 });
    expect(queued.status().state).toBe('cancelled');
    await expect(queued.result).rejects.toMatchObject({ reason: 'shutdown' });
    await delay(20);
    slow.resolve('done');
    expect(await report).toEqual({ completed: 1, failed: 1, cancelled: 1, timeout: 0, abandoned: 0 });
    expect(await a.result).toBe('done');
    await expect(b.result).rejects.toThrow('late failure');
  });

  it('cancels running jobs at timeoutMs - graceMs; cooperative ones count as cancelled', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const h = runner.submit('coop', (signal) => untilAborted(signal));
    const started = Date.now();
    const report = await runner.shutdown({ timeoutMs: 700, graceMs: 400 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290); // waited for it until 700 - 400
    expect(elapsed).toBeLessThan(650); // and, being cooperative, it stopped before the deadline
    expect(report).toEqual({ completed: 0, failed: 0, cancelled: 1, timeout: 0, abandoned: 0 });
    expect(h.status()).toMatchObject({ state: 'cancelled', stopping: false });
    await expect(h.result).rejects.toBeInstanceOf(JobCancelledError);
  });

  it('never waits past its deadline for a job that ignores its signal, and reports it as abandoned', async () => {
    const logger = recordingLogger();
    const before = timers();
    const runner = createJobRunner({ abandonAfterMs: 60_000, logger });
    const stubborn = runner.submit('stubborn', forever);
    const fine = runner.submit('fine', async () => 'ok');
    const started = Date.now();
    const report = await runner.shutdown({ timeoutMs: 200 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(200 + 400); // deadline + generous slack for a loaded machine
    expect(report).toEqual({ completed: 1, failed: 0, cancelled: 1, timeout: 0, abandoned: 1 });
    expect(stubborn.status()).toMatchObject({ state: 'cancelled', abandoned: true, stopping: false });
    expect(await fine.result).toBe('ok');
    expect(logger.warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/"stubborn" was still running at the shutdown deadline/)]);
    expect(runner.counts()).toMatchObject({ running: 0, stopping: 0, abandoned: 1 });
    expect(timers()).toBeLessThanOrEqual(before); // job, abandon and deadline timers are all cleared
  });

  it('refuses new work after shutdown and returns the same promise when called again', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const first = runner.shutdown({ timeoutMs: 100 });
    expect(() => runner.submit('late', async () => 1)).toThrow(RunnerShutDownError);
    expect(() => runner.scope('acc')).toThrow(RunnerShutDownError);
    try {
      runner.submit('late', async () => 1);
    } catch (e) {
      expect(e).toMatchObject({ code: 'RUNNER_SHUT_DOWN', jobId: 'late' });
    }
    const again = runner.shutdown({ timeoutMs: 5 });
    expect(await first).toEqual(await again);
    expect(await first).toEqual({ completed: 0, failed: 0, cancelled: 0, timeout: 0, abandoned: 0 });
  });

  it('counts a job that times out during shutdown as timeout', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    runner.submit('t', (signal) => untilAborted(signal), { timeoutMs: 30 });
    expect(await runner.shutdown({ timeoutMs: 1_000 })).toMatchObject({ timeout: 1, cancelled: 0, abandoned: 0 });
  });

  it('rejects invalid shutdown options without shutting down', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    await expect(runner.shutdown({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_JOB_OPTIONS', field: 'timeoutMs' });
    expect(await runner.submit('still-open', async () => 1).result).toBe(1);
    await runner.shutdown({ timeoutMs: 100 });
  });
});

describe('job runner: what a shutdown reports and refuses (from the mutation run)', () => {
  it('counts only the jobs that ended during the shutdown, not those that ended before it', async () => {
    const runner = createJobRunner({ abandonAfterMs: 20, logger: recordingLogger() });
    await expect(runner.submit('fails', () => Promise.reject(new Error('x'))).result).rejects.toThrow('x');
    await expect(runner.submit('slow', () => delay(1_000), { timeoutMs: 10 }).result).rejects.toMatchObject({ code: 'JOB_TIMEOUT' });
    const cancelled = runner.submit('cancelled', (signal) => untilAborted(signal));
    cancelled.cancel();
    await expect(cancelled.result).rejects.toBeInstanceOf(JobCancelledError);
    const ignored = runner.submit('ignores', () => forever());
    ignored.cancel();
    await expect(ignored.result).rejects.toBeInstanceOf(JobCancelledError);
    await delay(60); // abandoned after abandonAfterMs
    expect(ignored.status()).toMatchObject({ stopping: false });
    expect(await runner.shutdown({ timeoutMs: 500 })).toEqual({ completed: 0, failed: 0, cancelled: 0, timeout: 0, abandoned: 0 });
  });

  it('names a bad graceMs, and a refused shutdown leaves the runner running', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    await expect(runner.shutdown({ timeoutMs: 500, graceMs: -1 })).rejects.toMatchObject({ code: 'INVALID_JOB_OPTIONS', field: 'graceMs' });
    expect(await runner.submit('still', async () => 'ok').result).toBe('ok');
    await runner.shutdown({ timeoutMs: 500 });
  });
});

describe('scope.cancelAll()', () => {
  it('resolves as soon as its cooperative jobs let go, long before its deadline', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const scope = runner.scope('owner');
    for (let i = 0; i < 3; i++) scope.submit(`j${i}`, (signal) => untilAborted(signal));
    const began = Date.now();
    expect(await scope.cancelAll({ timeoutMs: 5_000 })).toEqual({ cancelled: 3, abandoned: 0 });
    expect(Date.now() - began).toBeLessThan(2_000);
    await runner.shutdown({ timeoutMs: 500 });
  });
});
