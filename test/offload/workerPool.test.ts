import { afterEach, describe, expect, it } from 'vitest';
import { JobCancelledError, JobTimeoutError, WorkerJobError } from '../../src/jobs/index.js';
import { createWorkerPool, OffloadClosedError, OffloadQueueFullError, type WorkerPool } from '../../src/offload/index.js';
import { VirtualClock } from '../../src/simulation/virtualClock.js';

const WORK = new URL('../fixtures/offload/work.mjs', import.meta.url);

/** Polls `done` every 10 ms, at most `ms`. */
async function eventually(done: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('createWorkerPool', () => {
  let pool: WorkerPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('a thread that dies while starting (heap limit too small) fails the waiting calls, naming the cause, and the process lives on', async () => {
    // Without a listener, piscina's 'error' for a thread that failed outside any call is an
    // uncaught exception that ends the process (the test run with it); and since piscina starts no
    // new thread after a bootstrap failure, the calls would wait for their limits (here 60 s).
    pool = createWorkerPool({ maxThreads: 1, timeoutMs: 60_000, resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } });
    const t0 = Date.now();
    const calls = [pool.run(WORK, 'double', 1, { id: 'first' }), pool.run(WORK, 'double', 2, { id: 'second' })];
    const outcomes = await Promise.allSettled(calls);
    for (const [i, o] of outcomes.entries()) {
      expect(o.status).toBe('rejected');
      const error = (o as PromiseRejectedResult).reason as WorkerJobError;
      expect(error).toBeInstanceOf(WorkerJobError);
      expect(error.code).toBe('WORKER_JOB_FAILED');
      expect(error.phase).toBe('load');
      expect(error.message).toContain(i === 0 ? '"first"' : '"second"');
      expect(error.message).toMatch(/memory limit/);
    }
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(pool.pending).toBe(0);
    // A later call does not hang either.
    await expect(pool.run(WORK, 'double', 3, { id: 'third' })).rejects.toBeInstanceOf(WorkerJobError);
    expect(pool.pending).toBe(0);
  });

  it('reuses one thread for many calls and returns their results', async () => {
    pool = createWorkerPool({ maxThreads: 1 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await pool.run<{ threadId: number }>(WORK, 'whoAmI'));
    expect(new Set(results.map((r) => r.threadId)).size).toBe(1);
    expect(await pool.run(WORK, 'double', 21)).toBe(42);
    expect(pool.threads).toBe(1);
  });

  it('never runs more threads than maxThreads', async () => {
    pool = createWorkerPool({ maxThreads: 2 });
    const p = pool;
    let most = 0;
    const calls = Array.from({ length: 8 }, (_, i) => p.run<number>(WORK, 'slowDouble', i));
    const watch = setInterval(() => (most = Math.max(most, p.threads)), 5);
    try {
      expect(await Promise.all(calls)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBeGreaterThan(0);
  });

  it('refuses a call beyond maxThreads + maxQueue, and runs the others', async () => {
    pool = createWorkerPool({ maxThreads: 1, maxQueue: 1 });
    const a = pool.run(WORK, 'slowDouble', 1);
    const b = pool.run(WORK, 'slowDouble', 2);
    await expect(pool.run(WORK, 'slowDouble', 3)).rejects.toBeInstanceOf(OffloadQueueFullError);
    expect(await Promise.all([a, b])).toEqual([2, 4]);
  });

  it('terminates a thread stuck in a loop at its timeout, and the next call runs on a new thread', async () => {
    pool = createWorkerPool({ maxThreads: 1 });
    const before = await pool.run<{ threadId: number }>(WORK, 'whoAmI');
    const t0 = Date.now();
    await expect(pool.run(WORK, 'spin', undefined, { timeoutMs: 200 })).rejects.toBeInstanceOf(JobTimeoutError);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const p = pool;
    await eventually(() => p.threads === 0); // the spinning thread has exited
    const after = await pool.run<{ threadId: number }>(WORK, 'whoAmI');
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('counts the replacement of a stopped thread started before the stopped one has exited', async () => {
    pool = createWorkerPool({ maxThreads: 1 });
    const p = pool;
    await p.run(WORK, 'whoAmI');
    expect(p.threads).toBe(1);
    await expect(p.run(WORK, 'spin', undefined, { timeoutMs: 200 })).rejects.toBeInstanceOf(JobTimeoutError);
    // At once, while the spinning thread may still be exiting: the pool is "full" by its own count,
    // yet piscina starts a new thread for this call, and `threads` must see it.
    const next = p.run<number>(WORK, 'slowDouble', 4);
    let most = p.threads;
    const watch = setInterval(() => (most = Math.max(most, p.threads)), 2);
    try {
      expect(await next).toBe(8);
      await eventually(() => p.threads === 1); // the stopped thread gone, the new one counted
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeGreaterThanOrEqual(1);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('terminates a thread stuck in a loop when its signal aborts', async () => {
    pool = createWorkerPool({ maxThreads: 1 });
    // The thread exists and idles first, so the call is handed to it at once (an abort while the
    // call still waits for a thread only drops it from the queue: the test below).
    const before = await pool.run<{ threadId: number }>(WORK, 'whoAmI');
    const controller = new AbortController();
    const call = pool.run(WORK, 'spin', undefined, { signal: controller.signal, timeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 200);
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobCancelledError);
    expect((error as JobCancelledError).reason).toBe('signal');
    const p = pool;
    await eventually(() => p.threads === 0); // the spinning thread has exited
    const after = await pool.run<{ threadId: number }>(WORK, 'whoAmI');
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('drops a waiting call whose signal aborts without touching the running one', async () => {
    pool = createWorkerPool({ maxThreads: 1 });
    const running = pool.run(WORK, 'slowDouble', 5);
    const controller = new AbortController();
    const waiting = pool.run(WORK, 'double', 6, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(JobCancelledError);
    expect(await running).toBe(10);
    expect(pool.pending).toBe(0);
  });

  it('reports a throwing function and a missing export as WorkerJobError, and refuses calls after close', async () => {
    pool = createWorkerPool({ maxThreads: 1 });
    const thrown = await pool.run(WORK, 'fail', 'boom').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(WorkerJobError);
    expect((thrown as WorkerJobError).phase).toBe('run');
    expect((thrown as WorkerJobError).message).toContain('boom');
    const missing = await pool.run(WORK, 'nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(WorkerJobError);
    expect((missing as WorkerJobError).phase).toBe('load');
    await pool.close();
    await expect(pool.run(WORK, 'double', 1)).rejects.toBeInstanceOf(OffloadClosedError);
  });
  // The run-time limits share one timer per distinct limit (jobs/deadlines.ts); on a virtual clock
  // each call's limit is exact, counted from its own start.
  it('times each call out at its own limit, counted from its own start, and holds no timer once every call ended', async () => {
    const clock = new VirtualClock();
    pool = createWorkerPool({ maxThreads: 2, clock });
    // A quick call arms the limit's timer for t = 1000 and ends; a stuck call starts at t = 500.
    expect(await pool.run(WORK, 'double', 1, { timeoutMs: 1_000 })).toBe(2);
    await clock.runUntil(500);
    let outcome: unknown = 'pending';
    const stuck = pool.run(WORK, 'spin', undefined, { timeoutMs: 1_000 }).catch((e: unknown) => (outcome = e));
    // Another limit runs beside it, on a timer of its own.
    let other: unknown = 'pending';
    const otherStuck = pool.run(WORK, 'spin', undefined, { timeoutMs: 700 }).catch((e: unknown) => (other = e));
    await clock.runUntil(1_199);
    expect([outcome, other]).toEqual(['pending', 'pending']);
    await clock.runUntil(1_200);
    await otherStuck;
    expect(other).toBeInstanceOf(JobTimeoutError);
    expect(outcome).toBe('pending'); // the timer armed for the first call's t = 1000 did not end it
    await clock.runUntil(1_499);
    expect(outcome).toBe('pending');
    await clock.runUntil(1_500);
    await stuck;
    expect(outcome).toBeInstanceOf(JobTimeoutError);
    expect((outcome as JobTimeoutError).message).toContain('1000');
    expect(clock.pending).toBe(0);
    // Many calls of one limit: still no timer left behind once they ended.
    const p = pool;
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.run(WORK, 'double', i)));
    expect(clock.pending).toBe(0);
    expect(pool.pending).toBe(0);
  });

  it('a call whose signal aborts after it ended changes nothing, and its limit is no longer counted', async () => {
    const clock = new VirtualClock();
    pool = createWorkerPool({ maxThreads: 1, clock });
    const controller = new AbortController();
    expect(await pool.run(WORK, 'double', 4, { signal: controller.signal, timeoutMs: 100 })).toBe(8);
    controller.abort();
    await clock.runUntil(1_000);
    expect(pool.pending).toBe(0);
    expect(clock.pending).toBe(0);
    expect(await pool.run(WORK, 'double', 5)).toBe(10);
  });
});
