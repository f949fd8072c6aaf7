import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  JobCancelledError,
  JobTimeoutError,
  WorkerExitedError,
  WorkerJobError,
  createJobRunner,
  liveWorkerThreads,
  runInWorker,
} from '../../src/jobs/index.js';
import { delay, outcome, recordingLogger, waitUntil } from './helpers.js';

const fixture = new URL('../fixtures/jobs/functions.mjs', import.meta.url);

/** OS threads of this process (Linux), to see a worker thread really end; `undefined` elsewhere. */
function osThreads(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const match = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

describe('runInWorker', () => {
  it('returns the awaited result of the exported function and leaves no thread behind', async () => {
    expect(await runInWorker<number>(fixture, 'add', [2, 3])).toBe(5);
    expect(await runInWorker<number>(fileURLToPath(fixture), 'add', [1, 1])).toBe(2); // absolute path works too
    expect(liveWorkerThreads()).toBe(0);
  });

  it('stops a CPU-bound infinite loop at its timeout; the thread is gone afterwards', async () => {
    const started = Date.now();
    const call = outcome(runInWorker(fixture, 'spin', [], { timeoutMs: 300 }));
    await delay(150); // the loop is running now
    const during = osThreads();
    expect(liveWorkerThreads()).toBe(1);
    const result = await call;
    const elapsed = Date.now() - started;
    expect(result.ok).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(JobTimeoutError);
    expect((result as { error: JobTimeoutError }).error.timeoutMs).toBe(300);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 2_000);
    expect(liveWorkerThreads()).toBe(0); // its `exit` event has fired
    const after = osThreads();
    if (during !== undefined && after !== undefined) expect(after).toBeLessThan(during); // the OS thread is joined
  });

  it('stops the thread when its signal aborts, and rejects with JobCancelledError', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const result = await outcome(runInWorker(fixture, 'spin', [], { signal: controller.signal, timeoutMs: 10_000 }));
    expect((result as { error: unknown }).error).toBeInstanceOf(JobCancelledError);
    expect((result as { error: JobCancelledError }).error).toMatchObject({ reason: 'signal', cause: reason });
    expect(liveWorkerThreads()).toBe(0);
    // Already aborted: no thread is started at all.
    await expect(runInWorker(fixture, 'add', [1, 2], { signal: controller.signal })).rejects.toBeInstanceOf(JobCancelledError);
    expect(liveWorkerThreads()).toBe(0);
  });

  it('rejects with WorkerJobError when the function throws, carrying the cloned error as cause', async () => {
    const result = await outcome(runInWorker(fixture, 'boom', ['bad input']));
    const error = (result as { error: WorkerJobError }).error;
    expect(error).toBeInstanceOf(WorkerJobError);
    expect(error).toMatchObject({ code: 'WORKER_JOB_FAILED', phase: 'run' });
    expect(error.message).toContain('RangeError: bad input');
    expect(error.cause).toMatchObject({ name: 'RangeError', message: 'bad input' });
  });

  it('rejects with a load-phase WorkerJobError for a missing module or a non-function export', async () => {
    await expect(runInWorker(fixture, 'notAFunction')).rejects.toMatchObject({ phase: 'load', retryable: false });
    await expect(runInWorker(fixture, 'missing')).rejects.toMatchObject({ phase: 'load' });
    const nowhere = new URL('../fixtures/jobs/does-not-exist.mjs', import.meta.url);
    await expect(runInWorker(nowhere, 'add')).rejects.toMatchObject({ phase: 'load' });
    expect(liveWorkerThreads()).toBe(0);
  });

  it('rejects with WorkerExitedError when the thread exits without a result', async () => {
    await expect(runInWorker(fixture, 'exitNow')).rejects.toMatchObject({ code: 'WORKER_EXITED', exitCode: 3 });
    await expect(runInWorker(fixture, 'exitNow')).rejects.toBeInstanceOf(WorkerExitedError);
  });

  it('terminates a thread whose function returned but left a timer behind', async () => {
    const started = Date.now();
    expect(await runInWorker(fixture, 'leaveTimer')).toBe('left a timer');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(liveWorkerThreads()).toBe(0);
  });

  it('rejects a result or arguments that cannot be cloned, and a relative module path', async () => {
    await expect(runInWorker(fixture, 'unclonable')).rejects.toMatchObject({ phase: 'run' });
    await expect(runInWorker('fixtures/functions.mjs', 'add')).rejects.toMatchObject({ code: 'INVALID_JOB_OPTIONS', field: 'modulePath' });
    await expect(runInWorker(fixture, 'add', [() => 1])).rejects.toMatchObject({ code: 'INVALID_JOB_OPTIONS', field: 'args' });
    expect(liveWorkerThreads()).toBe(0);
  });

  it('is stopped through a runner job: cancel aborts the signal, which terminates the thread', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const h = runner.submit('crunch', (signal) => runInWorker(fixture, 'spin', [], { signal, timeoutMs: 10_000 }));
    await waitUntil(() => liveWorkerThreads() === 1);
    h.cancel();
    await expect(h.result).rejects.toBeInstanceOf(JobCancelledError);
    await runner.idle(); // the job's function settled: the thread has exited
    expect(liveWorkerThreads()).toBe(0);
    expect(runner.counts()).toMatchObject({ cancelled: 1, abandoned: 0 });
  });
});
