import { describe, expect, it } from 'vitest';
import {
  InvalidJobOptionsError,
  JobCancelledError,
  JobExistsError,
  JobTimeoutError,
  QueueFullError,
  createJobRunner,
  defaultConcurrency,
  type JobState,
} from '../../src/jobs/index.js';
import { StatevisorError } from '../../src/errors.js';
import { deferred, delay, forever, outcome, recordingLogger, untilAborted, waitUntil } from './helpers.js';

describe('job runner: one job', () => {
  it('runs a job through queued → running → completed and resolves its result', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const gate = deferred<number>();
    const first = runner.submit('first', () => gate.promise);
    const second = runner.submit('second', async () => 'two');
    expect(first.status().state).toBe('running');
    expect(second.status().state).toBe('queued');
    gate.resolve(1);
    expect(await first.result).toBe(1);
    expect(await second.result).toBe('two');
    const s = runner.status('second');
    expect(s).toMatchObject({ id: 'second', scope: undefined, state: 'completed', stopping: false, abandoned: false });
    expect(s?.startedAt).toBeGreaterThanOrEqual(s?.submittedAt ?? Infinity);
    expect(runner.counts()).toMatchObject({ queued: 0, running: 0, completed: 2 });
  });

  it('marks a rejecting job failed and rejects result with its error', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const boom = new Error('boom');
    const h = runner.submit('bad', () => Promise.reject(boom));
    await expect(h.result).rejects.toBe(boom);
    expect(h.status()).toMatchObject({ state: 'failed', error: boom });
    expect(runner.counts().failed).toBe(1);
  });

  it('marks a job that throws synchronously failed (submit itself does not throw)', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const boom = new TypeError('sync');
    const h = runner.submit('sync-throw', () => {
      throw boom;
    });
    await expect(h.result).rejects.toBe(boom);
    expect(h.status().state).toBe('failed');
  });

  it('times out: aborts the signal with JobTimeoutError and records timeout', async () => {
    const runner = createJobRunner({ defaultTimeoutMs: 10_000, logger: recordingLogger() });
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const h = runner.submit(
      'slow',
      (signal) => {
        seen = signal;
        return untilAborted(signal);
      },
      { timeoutMs: 50 },
    );
    const error = (await outcome(h.result)) as { ok: false; error: JobTimeoutError };
    expect(error.ok).toBe(false);
    expect(error.error).toBeInstanceOf(JobTimeoutError);
    expect(error.error).toMatchObject({ code: 'JOB_TIMEOUT', jobId: 'slow', timeoutMs: 50 });
    expect(error.error.message).toContain('"slow"');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error.error);
    expect(h.status().state).toBe('timeout');
    expect(runner.counts().timeout).toBe(1);
  });

  it('counts the timeout from the start, not from the submission', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const gate = deferred();
    runner.submit('blocker', () => gate.promise);
    const h = runner.submit('short', async () => 'ok', { timeoutMs: 30 });
    await delay(80); // queued longer than its timeout
    gate.resolve();
    expect(await h.result).toBe('ok');
  });
});

describe('job runner: cancel', () => {
  it('cancels a queued job: removed from the queue, never started', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const gate = deferred();
    runner.submit('blocker', () => gate.promise);
    let started = false;
    const h = runner.submit('victim', async () => {
      started = true;
    });
    expect(runner.cancel('victim')).toBe(true);
    expect(runner.counts().queued).toBe(0);
    await expect(h.result).rejects.toMatchObject({ code: 'JOB_CANCELLED', reason: 'cancel', jobId: 'victim' });
    gate.resolve();
    await runner.idle();
    expect(started).toBe(false);
    expect(h.status().state).toBe('cancelled');
    expect(runner.cancel('victim')).toBe(false); // already finished
    expect(runner.cancel('unknown')).toBe(false);
  });

  it('cancels a running job: aborts its signal, state cancelled, slot held until it settles', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    let signal: AbortSignal | undefined;
    const stopped = deferred();
    const h = runner.submit('running', async (s) => {
      signal = s;
      await untilAborted(s).catch(() => undefined);
      await stopped.promise; // takes a while to clean up
    });
    const next = runner.submit('next', async () => 'next');
    expect(h.cancel()).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(JobCancelledError);
    await expect(h.result).rejects.toBeInstanceOf(JobCancelledError); // rejects at once
    expect(h.status()).toMatchObject({ state: 'cancelled', stopping: true });
    expect(next.status().state).toBe('queued'); // the slot is still held
    expect(runner.counts()).toMatchObject({ running: 0, stopping: 1, cancelled: 1 });
    stopped.resolve();
    expect(await next.result).toBe('next');
    expect(h.status().stopping).toBe(false);
  });
});

describe('job runner: admission', () => {
  it('throws QueueFullError synchronously when maxQueue jobs wait, and queues nothing', async () => {
    const runner = createJobRunner({ concurrency: 1, maxQueue: 2, logger: recordingLogger() });
    const gate = deferred();
    runner.submit('running', () => gate.promise);
    runner.submit('q1', async () => undefined);
    runner.submit('q2', async () => undefined);
    let error: unknown;
    try {
      runner.submit('q3', async () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error).toBeInstanceOf(StatevisorError);
    expect(error).toMatchObject({ code: 'QUEUE_FULL', jobId: 'q3', maxQueue: 2, queue: 'runner' });
    expect((error as Error).message).toMatch(/"q3".*full.*maxQueue/);
    expect(runner.status('q3')).toBeUndefined();
    expect(runner.counts().queued).toBe(2);
    gate.resolve();
    await runner.idle();
    expect(runner.submit('q3', async () => 3).status().state).toBe('running'); // room again
  });

  it('maxQueue 0 still starts a job when a slot is free', async () => {
    const runner = createJobRunner({ concurrency: 1, maxQueue: 0, logger: recordingLogger() });
    const h = runner.submit('a', async () => 1);
    expect(() => runner.submit('b', async () => 2)).toThrow(QueueFullError);
    expect(await h.result).toBe(1);
  });

  it('refuses a duplicate live id with JobExistsError, and accepts it again once finished', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const gate = deferred<string>();
    const first = runner.submit('same', () => gate.promise);
    expect(() => runner.submit('same', async () => 'again')).toThrow(JobExistsError);
    try {
      runner.submit('same', async () => 'again');
    } catch (e) {
      expect(e).toMatchObject({ code: 'JOB_EXISTS', jobId: 'same', state: 'running' });
    }
    runner.submit('queued', async () => undefined);
    expect(() => runner.submit('queued', async () => undefined)).toThrow(/already queued/);
    gate.resolve('first');
    expect(await first.result).toBe('first');
    const second = runner.submit('same', async () => 'second');
    expect(await second.result).toBe('second');
    expect(runner.status('same')?.state).toBe('completed');
    expect(first.status().state).toBe('completed'); // the old handle still describes its own job
  });

  it('lets a cancelled id be reused while its function is still stopping', async () => {
    const runner = createJobRunner({ concurrency: 2, logger: recordingLogger() });
    const release = deferred();
    const first = runner.submit('x', () => release.promise);
    first.cancel();
    const second = runner.submit('x', async () => 'new');
    expect(await second.result).toBe('new');
    release.resolve();
    await runner.idle();
    expect(runner.status('x')?.state).toBe('completed');
    expect(runner.list().filter((j) => j.id === 'x')).toHaveLength(1);
  });

  it('rejects invalid options with InvalidJobOptionsError naming the field', () => {
    expect(() => createJobRunner({ concurrency: 0 })).toThrow(InvalidJobOptionsError);
    expect(() => createJobRunner({ concurrency: 1.5 })).toThrow(/"concurrency"/);
    expect(() => createJobRunner({ maxQueue: -1 })).toThrow(/"maxQueue"/);
    expect(() => createJobRunner({ defaultTimeoutMs: 0 })).toThrow(/"defaultTimeoutMs"/);
    expect(() => createJobRunner({ defaultTimeoutMs: 2 ** 40 })).toThrow(/"defaultTimeoutMs"/);
    const runner = createJobRunner({ logger: recordingLogger() });
    expect(() => runner.submit('', async () => 1)).toThrow(/"id"/);
    expect(() => runner.submit('t', async () => 1, { timeoutMs: -5 })).toThrow(/"timeoutMs"/);
    expect(() => runner.submit('f', 'nope' as unknown as () => Promise<void>)).toThrow(/"fn"/);
    expect(() => runner.submit('f', 42 as unknown as () => Promise<void>)).toThrow(/must be a function \(got number\)/);
    expect(runner.list()).toEqual([]);
  });

  it('defaults concurrency to min(max(32, 4 × cores), 256)', () => {
    expect(defaultConcurrency(1)).toBe(32);
    expect(defaultConcurrency(16)).toBe(64);
    expect(defaultConcurrency(128)).toBe(256);
  });
});

describe('job runner: jobs that ignore their signal', () => {
  it('reports a job ignoring its aborted signal, counts it, and releases its slot after abandonAfterMs', async () => {
    const logger = recordingLogger();
    const runner = createJobRunner({ concurrency: 1, abandonAfterMs: 50, logger });
    const stubborn = runner.submit('stubborn', forever, { timeoutMs: 20 });
    const next = runner.submit('next', async () => 'ran');
    await expect(stubborn.result).rejects.toBeInstanceOf(JobTimeoutError);
    expect(next.status().state).toBe('queued');
    expect(await next.result).toBe('ran'); // started once the stubborn job was abandoned
    expect(stubborn.status()).toMatchObject({ state: 'timeout', abandoned: true, stopping: false });
    expect(runner.counts().abandoned).toBe(1);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]?.msg).toMatch(/"stubborn" ignored its aborted signal for 50 ms/);
    expect(logger.warnings[0]?.obj).toMatchObject({ jobId: 'stubborn', state: 'timeout' });
    // How long it has ignored the abort (abandonAfterMs, give or take the timer), and what to do about it.
    const abortedForMs = (logger.warnings[0]?.obj as { abortedForMs: number }).abortedForMs;
    expect(abortedForMs).toBeGreaterThanOrEqual(40);
    expect(abortedForMs).toBeLessThan(60_000);
    expect(logger.warnings[0]?.msg).toMatch(/left behind \(it may still be running\)\. Make the job honour its AbortSignal\.$/);
  });

  it('logs at debug level when an abandoned job finally settles, and ignores its value', async () => {
    const logger = recordingLogger();
    const runner = createJobRunner({ abandonAfterMs: 10, logger });
    const late = deferred<string>();
    const h = runner.submit('late', () => late.promise);
    h.cancel();
    await waitUntil(() => h.status().abandoned);
    late.resolve('too late');
    await waitUntil(() => logger.debugs.length === 1);
    expect(h.status().state).toBe('cancelled');
    expect(logger.debugs[0]?.msg).toMatch(/Abandoned job "late" settled \d+ ms after its abort/);
    // ms counts from the abort: at least abandonAfterMs, and not an epoch-sized number.
    expect(logger.debugs[0]?.obj).toEqual({ jobId: 'late', scope: undefined, ms: expect.any(Number) });
    const { ms } = logger.debugs[0]?.obj as { ms: number };
    expect(ms).toBeGreaterThanOrEqual(10);
    expect(ms).toBeLessThan(60_000);
  });
});

describe('job runner: a logger that throws', () => {
  it('does not stop the runner from abandoning a stubborn job and starting the next', async () => {
    const logger = {
      warn: () => {
        throw new Error('log sink down');
      },
      debug: () => undefined,
    };
    const runner = createJobRunner({ concurrency: 1, abandonAfterMs: 10, logger });
    runner.submit('stubborn', forever, { timeoutMs: 10 });
    expect(await runner.submit('next', async () => 'ran').result).toBe('ran');
    expect(runner.counts().abandoned).toBe(1);
  });
});

describe('job runner: status, list, counts', () => {
  it('lists live and finished jobs with their states', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const gate = deferred();
    runner.submit('a', () => gate.promise);
    runner.submit('b', async () => undefined);
    const states = (): Record<string, JobState> => Object.fromEntries(runner.list().map((j) => [j.id, j.state]));
    expect(states()).toEqual({ a: 'running', b: 'queued' });
    gate.resolve();
    await runner.idle();
    expect(states()).toEqual({ a: 'completed', b: 'completed' });
    expect(runner.status('nope')).toBeUndefined();
  });
});
