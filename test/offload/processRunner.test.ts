import { afterEach, describe, expect, it } from 'vitest';
import { JobCancelledError, JobTimeoutError, WorkerJobError } from '../../src/jobs/index.js';
import { createProcessRunner, OffloadClosedError, OffloadQueueFullError, type ProcessRunner } from '../../src/offload/index.js';

const WORK = new URL('../fixtures/offload/work.mjs', import.meta.url);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('createProcessRunner', () => {
  let runner: ProcessRunner | undefined;
  afterEach(async () => {
    await runner?.close();
    runner = undefined;
  });

  it('runs the function in another process and returns its result', async () => {
    runner = createProcessRunner({ maxProcesses: 1 });
    const who = await runner.run<{ pid: number }>(WORK, 'whoAmI');
    expect(who.pid).not.toBe(process.pid);
    expect(alive(who.pid)).toBe(false); // one process per call, gone once the call settled
    expect(await runner.run(WORK, 'double', 21)).toBe(42);
  });

  it('holds its own limit: maxProcesses at once, maxQueue waiting, more refused', async () => {
    runner = createProcessRunner({ maxProcesses: 1, maxQueue: 1 });
    const r = runner;
    const a = r.run(WORK, 'slowDouble', 1);
    const b = r.run(WORK, 'slowDouble', 2);
    expect(r.running).toBe(1);
    expect(r.waiting).toBe(1);
    await expect(r.run(WORK, 'double', 3)).rejects.toBeInstanceOf(OffloadQueueFullError);
    expect(await Promise.all([a, b])).toEqual([2, 4]);
    expect(r.running).toBe(0);
  });

  it('kills a process stuck in a loop at its timeout and settles once it has exited', async () => {
    runner = createProcessRunner({ maxProcesses: 1 });
    const t0 = Date.now();
    await expect(runner.run(WORK, 'spin', undefined, { timeoutMs: 300 })).rejects.toBeInstanceOf(JobTimeoutError);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(runner.running).toBe(0); // the slot is free: the process has exited
    expect(await runner.run(WORK, 'double', 2)).toBe(4);
  });

  it('kills a running process when its signal aborts, and drops a waiting call', async () => {
    runner = createProcessRunner({ maxProcesses: 1 });
    const controller = new AbortController();
    const spinning = runner.run(WORK, 'spin', undefined, { signal: controller.signal, timeoutMs: 60_000 });
    const waitingController = new AbortController();
    const waiting = runner.run(WORK, 'double', 1, { signal: waitingController.signal });
    waitingController.abort();
    await expect(waiting).rejects.toBeInstanceOf(JobCancelledError);
    setTimeout(() => controller.abort(), 200);
    const error = await spinning.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobCancelledError);
    expect(runner.running).toBe(0);
    expect(runner.waiting).toBe(0);
  });

  it('reports a throwing function as WorkerJobError and refuses calls after close', async () => {
    runner = createProcessRunner({ maxProcesses: 1 });
    const thrown = await runner.run(WORK, 'fail', 'kaput').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(WorkerJobError);
    expect((thrown as WorkerJobError).message).toContain('kaput');
    await runner.close();
    await expect(runner.run(WORK, 'double', 1)).rejects.toBeInstanceOf(OffloadClosedError);
  });
});
