import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJobRunner, type JobHandle, type JobScope } from '../../src/jobs/index.js';
import { recordingLogger } from './helpers.js';

/** Resolves after `ticks` turns of the event loop (0 = a microtask). */
function ticks(n: number): Promise<void> {
  if (n === 0) return Promise.resolve();
  return new Promise((resolve) => setImmediate(() => resolve(ticks(n - 1))));
}

describe('job runner: concurrency', () => {
  it('never runs more than `concurrency` jobs at once over 10,000 submissions', async () => {
    const concurrency = 16;
    const runner = createJobRunner({ concurrency, maxQueue: 10_000, logger: recordingLogger() });
    let active = 0;
    let max = 0;
    let done = 0;
    const handles: JobHandle<void>[] = [];
    for (let i = 0; i < 10_000; i++) {
      handles.push(
        runner.submit(`job-${i}`, async () => {
          max = Math.max(max, ++active);
          if (active > concurrency) throw new Error(`over the limit: ${active}`);
          await ticks(i % 4);
          active--;
          done++;
        }),
      );
    }
    expect(runner.counts()).toMatchObject({ running: concurrency, queued: 10_000 - concurrency });
    await Promise.all(handles.map((h) => h.result));
    expect(max).toBe(concurrency); // reached, never exceeded
    expect(done).toBe(10_000);
    expect(runner.counts()).toMatchObject({ running: 0, queued: 0, completed: 10_000, failed: 0 });
  });

  it('holds the global, scope and lane limits together, with cancellations and timeouts mixed in', async () => {
    const runner = createJobRunner({ concurrency: 8, maxQueue: 20_000, logger: recordingLogger(), abandonAfterMs: 1_000 });
    const scopes = Array.from({ length: 6 }, (_, s) => runner.scope(`acc-${s}`, { limits: { concurrency: 3, lanes: { reply: 1 } } }));
    let global = 0;
    let maxGlobal = 0;
    const perScope = new Map<string, number>();
    const perLane = new Map<string, number>();
    let violations = 0;
    const track = (map: Map<string, number>, key: string, delta: number, limit: number): void => {
      const n = (map.get(key) ?? 0) + delta;
      map.set(key, n);
      if (n > limit) violations++;
    };
    const handles: JobHandle<void>[] = [];
    for (let i = 0; i < 6_000; i++) {
      const scope = scopes[i % 6] as JobScope;
      const lane = Math.floor(i / 6) % 3 === 2 ? undefined : 'reply'; // two jobs in three of each scope in the lane
      const h = scope.submit(
        `j${i}`,
        async (signal) => {
          maxGlobal = Math.max(maxGlobal, ++global);
          track(perScope, scope.ownerId, 1, 3);
          if (lane) track(perLane, scope.ownerId, 1, 1);
          await Promise.race([ticks(i % 3), new Promise((resolve) => signal.addEventListener('abort', resolve))]);
          global--;
          track(perScope, scope.ownerId, -1, 3);
          if (lane) track(perLane, scope.ownerId, -1, 1);
        },
        { lane, timeoutMs: i % 97 === 0 ? 1 : 10_000 },
      );
      handles.push(h);
      if (i % 7 === 0) h.cancel();
    }
    await Promise.allSettled(handles.map((h) => h.result));
    await runner.idle();
    expect(violations).toBe(0);
    expect(maxGlobal).toBe(8);
    const c = runner.counts();
    expect(c.completed + c.cancelled + c.timeout).toBe(6_000);
    expect(c).toMatchObject({ queued: 0, running: 0, stopping: 0, failed: 0, abandoned: 0 });
  });

  it('property: limits hold and each lane starts its jobs in submission order', async () => {
    const job = fc.record({
      scope: fc.integer({ min: 0, max: 2 }),
      lane: fc.constantFrom(undefined, 'a', 'b'),
      ticks: fc.integer({ min: 0, max: 3 }),
      cancel: fc.boolean(),
    });
    const config = fc.record({
      concurrency: fc.integer({ min: 1, max: 6 }),
      scopeConcurrency: fc.integer({ min: 1, max: 4 }),
      laneA: fc.integer({ min: 1, max: 2 }),
      jobs: fc.array(job, { minLength: 1, maxLength: 60 }),
    });
    await fc.assert(
      fc.asyncProperty(config, async ({ concurrency, scopeConcurrency, laneA, jobs }) => {
        const runner = createJobRunner({ concurrency, logger: recordingLogger() });
        const limits = { concurrency: scopeConcurrency, lanes: { a: laneA, b: 1 } };
        const scopes = [0, 1, 2].map((s) => runner.scope(`s${s}`, { limits }));
        const active = { global: 0, scope: [0, 0, 0], lane: new Map<string, number>() };
        const started = new Map<string, number[]>(); // lane key → job indexes in start order
        let bad = 0;
        const handles = jobs.map((j, i) => {
          const laneKey = `${j.scope}/${j.lane}`;
          const laneLimit = j.lane === 'a' ? laneA : j.lane === 'b' ? 1 : Infinity;
          return (scopes[j.scope] as JobScope).submit(
            `j${i}`,
            async () => {
              started.set(laneKey, [...(started.get(laneKey) ?? []), i]);
              const inLane = (active.lane.get(laneKey) ?? 0) + 1;
              active.lane.set(laneKey, inLane);
              if (++active.global > concurrency || ++active.scope[j.scope]! > scopeConcurrency || inLane > laneLimit) bad++;
              await ticks(j.ticks);
              active.global--;
              active.scope[j.scope]!--;
              active.lane.set(laneKey, (active.lane.get(laneKey) ?? 1) - 1);
            },
            { lane: j.lane },
          );
        });
        jobs.forEach((j, i) => j.cancel && i % 2 === 0 && handles[i]?.cancel());
        await Promise.allSettled(handles.map((h) => h.result));
        await runner.idle();
        expect(bad).toBe(0);
        for (const order of started.values()) expect(order).toEqual([...order].sort((x, y) => x - y));
        expect(runner.counts()).toMatchObject({ queued: 0, running: 0, stopping: 0 });
      }),
      { numRuns: 60 },
    );
  });
});
