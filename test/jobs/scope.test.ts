import { describe, expect, it } from 'vitest';
import {
  JobCancelledError,
  QueueFullError,
  ScopeClosedError,
  ScopeExistsError,
  createJobRunner,
  type JobHandle,
} from '../../src/jobs/index.js';
import { deferred, delay, forever, recordingLogger, untilAborted, waitUntil } from './helpers.js';

describe('job scopes', () => {
  it('namespaces ids: two scopes and the runner may use the same id', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const a = runner.scope('acc-a');
    const b = runner.scope('acc-b');
    const ha = a.submit('sync', async () => 'a');
    const hb = b.submit('sync', async () => 'b');
    const hr = runner.submit('sync', async () => 'runner');
    expect([await ha.result, await hb.result, await hr.result]).toEqual(['a', 'b', 'runner']);
    expect(a.status('sync')).toMatchObject({ scope: 'acc-a', state: 'completed' });
    expect(runner.status('sync')).toMatchObject({ scope: undefined });
    expect(runner.list().map((j) => `${j.scope ?? '-'}/${j.id}`).sort()).toEqual(['-/sync', 'acc-a/sync', 'acc-b/sync']);
    expect(a.list().map((j) => j.scope)).toEqual(['acc-a']);
  });

  it('cancelAll cancels the queued and running jobs of that scope only, and awaits them', async () => {
    const runner = createJobRunner({ concurrency: 3, logger: recordingLogger() });
    const mine = runner.scope('mine');
    const other = runner.scope('other');
    const stoppedAt: Record<string, number> = {};
    const cooperative = (name: string) => async (signal: AbortSignal) => {
      await untilAborted(signal).catch(() => undefined);
      await delay(30); // cleanup takes a moment
      stoppedAt[name] = Date.now();
    };
    const running = mine.submit('r', cooperative('r'));
    const otherRunning = other.submit('r', async () => {
      await delay(100);
      return 'other done';
    });
    const rootRunning = runner.submit('root', async () => {
      await delay(100);
      return 'root done';
    });
    let queuedStarted = false;
    const queued = mine.submit('q', async () => {
      queuedStarted = true;
    });
    expect(queued.status().state).toBe('queued');
    const report = await mine.cancelAll({ timeoutMs: 2_000 });
    expect(report).toEqual({ cancelled: 2, abandoned: 0 });
    expect(stoppedAt.r).toBeDefined(); // awaited: its function had settled before cancelAll resolved
    expect(running.status()).toMatchObject({ state: 'cancelled', stopping: false });
    await expect(queued.result).rejects.toMatchObject({ reason: 'cancelAll' });
    expect(await otherRunning.result).toBe('other done');
    expect(await rootRunning.result).toBe('root done');
    expect(queuedStarted).toBe(false);
    expect(mine.closed).toBe(false); // cancelAll does not close
    expect(await mine.submit('after', async () => 'ok').result).toBe('ok');
  });

  it('cancelAll returns by its deadline and reports jobs that ignore their signal as abandoned', async () => {
    const logger = recordingLogger();
    const runner = createJobRunner({ abandonAfterMs: 60_000, logger });
    const scope = runner.scope('acc');
    scope.submit('stubborn', forever);
    scope.submit('coop', (signal) => untilAborted(signal));
    const started = Date.now();
    expect(await scope.cancelAll({ timeoutMs: 150 })).toEqual({ cancelled: 2, abandoned: 1 });
    expect(Date.now() - started).toBeLessThan(150 + 400);
    expect(scope.status('stubborn')).toMatchObject({ state: 'cancelled', abandoned: true });
    expect(logger.warnings[0]?.msg).toMatch(/"stubborn" of scope "acc" was still running at the cancelAll\(\) deadline/);
    expect(runner.counts()).toMatchObject({ stopping: 0, abandoned: 1 });
  });

  it('close() refuses later submits and cancels queued jobs so none starts; running ones go on', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const scope = runner.scope('acc');
    const gate = deferred<string>();
    const running = scope.submit('running', () => gate.promise);
    let queuedStarted = false;
    const queued = scope.submit('queued', async () => {
      queuedStarted = true;
    });
    scope.close();
    scope.close(); // idempotent
    expect(scope.closed).toBe(true);
    expect(() => scope.submit('late', async () => 1)).toThrow(ScopeClosedError);
    try {
      scope.submit('late', async () => 1);
    } catch (e) {
      expect(e).toMatchObject({ code: 'SCOPE_CLOSED', scope: 'acc', jobId: 'late' });
    }
    await expect(queued.result).rejects.toMatchObject({ reason: 'scope-closed' });
    expect(running.status().state).toBe('running');
    gate.resolve('finished');
    expect(await running.result).toBe('finished');
    await runner.idle();
    expect(queuedStarted).toBe(false);
  });

  it('allows one open scope per owner; a new one once the old is closed', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const first = runner.scope('acc');
    expect(() => runner.scope('acc')).toThrow(ScopeExistsError);
    first.close();
    const second = runner.scope('acc');
    expect(await second.submit('x', async () => 2).result).toBe(2);
    expect(() => first.submit('x', async () => 1)).toThrow(ScopeClosedError);
    expect(() => runner.scope('')).toThrow(/"ownerId"/);
    expect(() => runner.scope('bad', { limits: { lanes: { reply: 0 } } })).toThrow(/"limits.lanes.reply"/);
  });

  it('keeps FIFO order and one at a time in a lane limited to 1, while other work runs alongside', async () => {
    const runner = createJobRunner({ concurrency: 8, logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { lanes: { reply: 1 } } });
    const starts: number[] = [];
    let inLane = 0;
    let maxInLane = 0;
    let otherRanDuringLane = false;
    const handles: JobHandle<void>[] = [];
    for (let i = 0; i < 30; i++) {
      handles.push(
        scope.submit(
          `reply-${i}`,
          async () => {
            starts.push(i);
            maxInLane = Math.max(maxInLane, ++inLane);
            await delay(i % 3); // uneven durations
            inLane--;
          },
          { lane: 'reply' },
        ),
      );
    }
    const other = scope.submit('fetch', async () => {
      otherRanDuringLane = inLane === 1;
    });
    await Promise.all([...handles.map((h) => h.result), other.result]);
    expect(starts).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(maxInLane).toBe(1);
    expect(otherRanDuringLane).toBe(true); // the lane did not block the rest of the scope
  });

  it('keeps lane FIFO across a cancelled job in the middle', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { lanes: { reply: 1 } } });
    const order: string[] = [];
    const job = (name: string) => async (): Promise<void> => {
      order.push(name);
      await delay(5);
    };
    const hs = ['a', 'b', 'c', 'd'].map((n) => scope.submit(n, job(n), { lane: 'reply' }));
    scope.cancel('b');
    await Promise.allSettled(hs.map((h) => h.result));
    expect(order).toEqual(['a', 'c', 'd']);
  });

  it('enforces the scope concurrency limit within the global one', async () => {
    const runner = createJobRunner({ concurrency: 10, logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { concurrency: 2 } });
    let active = 0;
    let max = 0;
    const hs = Array.from({ length: 20 }, (_, i) =>
      scope.submit(`j${i}`, async () => {
        max = Math.max(max, ++active);
        await delay(2);
        active--;
      }),
    );
    const free = runner.submit('free', async () => 'not blocked by the scope');
    expect(free.status().state).toBe('running');
    await Promise.all(hs.map((h) => h.result));
    expect(max).toBe(2);
  });

  it('enforces a per-scope maxQueue', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { maxQueue: 1 } });
    const gate = deferred();
    scope.submit('run', () => gate.promise);
    scope.submit('wait', async () => undefined);
    expect(() => scope.submit('over', async () => undefined)).toThrow(QueueFullError);
    try {
      scope.submit('over', async () => undefined);
    } catch (e) {
      expect(e).toMatchObject({ queue: 'scope', scope: 'acc', maxQueue: 1 });
      expect((e as Error).message).toContain('Job "over" of scope "acc"');
    }
    runner.submit('root-may-queue', async () => undefined); // the runner's own queue is not full
    gate.resolve();
    await runner.idle();
  });

  it('a cancelled queued job gives its place in the scope queue back', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { maxQueue: 1 } });
    const gate = deferred();
    scope.submit('run', () => gate.promise);
    const waiting = scope.submit('wait', async () => undefined);
    expect(scope.cancel('wait')).toBe(true);
    await expect(waiting.result).rejects.toBeInstanceOf(JobCancelledError);
    const next = scope.submit('next', async () => 'ran'); // the one place is free again
    expect(next.status().state).toBe('queued');
    gate.resolve();
    expect(await next.result).toBe('ran');
  });

  it('shares slots round robin across scopes, so one burst does not starve another scope', async () => {
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const gate = deferred();
    runner.submit('blocker', () => gate.promise);
    const busy = runner.scope('busy');
    const quiet = runner.scope('quiet');
    const order: string[] = [];
    const hs = [];
    for (let i = 0; i < 5; i++) hs.push(busy.submit(`b${i}`, async () => void order.push(`busy${i}`)));
    hs.push(quiet.submit('q', async () => void order.push('quiet')));
    gate.resolve();
    await Promise.all(hs.map((h) => h.result));
    expect(order.indexOf('quiet')).toBeLessThan(3);
  });

  it('after a job is cancelled, a stopping job still holds its lane until it settles', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { lanes: { reply: 1 } } });
    const release = deferred();
    const first = scope.submit('first', () => release.promise, { lane: 'reply' });
    const second = scope.submit('second', async () => 'second', { lane: 'reply' });
    first.cancel();
    await expect(first.result).rejects.toBeInstanceOf(JobCancelledError);
    await delay(10);
    expect(second.status().state).toBe('queued'); // one at a time, really
    release.resolve();
    expect(await second.result).toBe('second');
    await waitUntil(() => runner.counts().stopping === 0);
  });
});
