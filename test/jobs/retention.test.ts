import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createJobRunner } from '../../src/jobs/index.js';
import { delay, recordingLogger } from './helpers.js';

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const trivial = (): Promise<number> => Promise.resolve(1);

describe('job runner: finished-job retention', () => {
  it('keeps records and heap bounded over 1,000,000 jobs', async () => {
    const runner = createJobRunner({
      concurrency: 256,
      maxQueue: 10_000,
      defaultTimeoutMs: Infinity, // no timer per job: keeps the test to a few seconds
      retainFinished: { count: 500 },
      logger: recordingLogger(),
    });
    const batch = 10_000;
    let heapAt100k = 0;
    let maxListed = 0;
    for (let done = 0; done < 1_000_000; done += batch) {
      for (let i = 0; i < batch; i++) runner.submit(`job-${done + i}`, trivial);
      await runner.idle();
      if (done % 100_000 === 0) maxListed = Math.max(maxListed, runner.list().length);
      if (done + batch === 100_000) heapAt100k = heapMb();
    }
    const heapAt1M = heapMb();
    expect(runner.counts()).toMatchObject({ completed: 1_000_000, queued: 0, running: 0 });
    expect(runner.list()).toHaveLength(500);
    expect(maxListed).toBeLessThanOrEqual(500);
    expect(runner.status('job-999999')?.state).toBe('completed'); // the newest are kept
    expect(runner.status('job-0')).toBeUndefined(); // the oldest are gone
    // 900,000 more jobs must not grow the heap: a leak of even 20 bytes per job would show as ~17 MB.
    expect(heapAt1M - heapAt100k).toBeLessThan(8);
  });

  it('drops finished records older than ageMs, while the handle still reports its job', async () => {
    const runner = createJobRunner({ retainFinished: { ageMs: 30 }, logger: recordingLogger() });
    const h = runner.submit('old', async () => 'x');
    await h.result;
    expect(runner.status('old')?.state).toBe('completed');
    await delay(60);
    expect(runner.status('old')).toBeUndefined();
    expect(runner.list()).toEqual([]);
    expect(h.status().state).toBe('completed');
  });

  it('retains nothing with count 0, and forgets a closed scope once its records are gone', async () => {
    const runner = createJobRunner({ retainFinished: { count: 0 }, logger: recordingLogger() });
    const scope = runner.scope('acc');
    await scope.submit('a', trivial).result;
    expect(scope.list()).toEqual([]);
    scope.close();
    expect(runner.list()).toEqual([]);
  });
});
