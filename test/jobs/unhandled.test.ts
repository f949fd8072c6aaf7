import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobRunner, gather } from '../../src/jobs/index.js';
import { delay, forever, recordingLogger, untilAborted } from './helpers.js';

// Vitest fails the whole run on an unhandled rejection; this listener also makes each test
// here fail on its own, naming the path that leaked one.
const seen: unknown[] = [];
const onUnhandled = (reason: unknown): void => void seen.push(reason);

describe('no unhandled rejection when nobody awaits `result`', () => {
  beforeEach(() => {
    seen.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('for failing, throwing, timed-out, cancelled, abandoned and shut-down jobs', async () => {
    const runner = createJobRunner({ concurrency: 3, abandonAfterMs: 20, logger: recordingLogger() });
    runner.submit('rejects', () => Promise.reject(new Error('nobody listens')));
    runner.submit('throws', () => {
      throw new Error('sync, nobody listens');
    });
    runner.submit('times-out', (signal) => untilAborted(signal), { timeoutMs: 5 });
    runner.submit('ignores', forever, { timeoutMs: 5 }); // abandoned later
    runner.submit('queued-cancelled', async () => undefined).cancel();
    runner.submit('running-cancelled', (signal) => untilAborted(signal)).cancel();
    const scope = runner.scope('acc', { limits: { concurrency: 1 } });
    scope.submit('scope-running', (signal) => untilAborted(signal));
    scope.submit('scope-queued', async () => undefined);
    scope.close(); // cancels the queued one
    runner.submit('left-for-shutdown', (signal) => untilAborted(signal));
    // Timers fire, abandonment happens, the event loop turns several times. On a loaded machine
    // a fixed wait can end before the timeout → abandonment chain did: wait for it, bounded.
    for (let waited = 0; runner.counts().abandoned < 1 && waited < 5_000; waited += 10) await delay(10);
    void scope.cancelAll({ timeoutMs: 50 });
    await runner.shutdown({ timeoutMs: 100 });
    await delay(20);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    expect(runner.counts()).toMatchObject({ failed: 2, abandoned: 1 });
  });

  it('for an abandoned job that rejects long after it was left behind', async () => {
    const runner = createJobRunner({ abandonAfterMs: 5, logger: recordingLogger() });
    runner.submit('late-reject', async () => {
      await delay(40);
      throw new Error('rejected after abandonment');
    }).cancel();
    for (let waited = 0; runner.counts().abandoned < 1 && waited < 5_000; waited += 10) await delay(10);
    await delay(80); // the job rejects about 40 ms after it started, after it was abandoned
    expect(seen).toEqual([]);
    expect(runner.counts().abandoned).toBe(1);
  });

  it('for gather tasks that fail, time out or are cut by the global deadline', async () => {
    const results = await gather(
      (i: number, signal) => (i === 0 ? Promise.reject(new Error('x')) : i === 1 ? untilAborted(signal) : forever()),
      [0, 1, 2, 3],
      { concurrency: 2, taskTimeoutMs: 10, globalTimeoutMs: 50, abandonAfterMs: 5, logger: recordingLogger() },
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'timeout', 'timeout', 'timeout']);
    await delay(30);
    expect(seen).toEqual([]);
  });
});
