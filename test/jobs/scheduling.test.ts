/**
 * Scheduling order the runner promises but the broader concurrency tests do not pin: oldest job
 * first across the lanes of one scope, and a job submitted with a free slot started before
 * `submit()` returns, even from inside a job the scheduler is starting. Each case was a surviving
 * mutant of jobs/engine.ts.
 */
import { describe, expect, it } from 'vitest';
import { createJobRunner } from '../../src/jobs/index.js';
import { deferred, recordingLogger } from './helpers.js';

describe('job runner: scheduling order', () => {
  it('within one scope, the oldest queued job starts first, whatever its lane', async () => {
    const runner = createJobRunner({ concurrency: 4, logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { concurrency: 1, lanes: { reply: 1 } } });
    const gate = deferred();
    const started: string[] = [];
    const blocker = scope.submit('blocker', () => gate.promise);
    // Queued behind the scope's one slot: first in the default lane, then in the reply lane.
    const older = scope.submit('older', async () => void started.push('older'));
    const newer = scope.submit('newer', async () => void started.push('newer'), { lane: 'reply' });
    expect([older.status().state, newer.status().state]).toEqual(['queued', 'queued']);
    gate.resolve();
    await Promise.all([blocker.result, older.result, newer.result]);
    expect(started).toEqual(['older', 'newer']);
  });

  it('a job submitted from inside a job the scheduler starts runs before submit() returns when a slot is free', async () => {
    const runner = createJobRunner({ concurrency: 2, logger: recordingLogger() });
    const scope = runner.scope('acc', { limits: { concurrency: 1 } });
    const gate = deferred();
    const blocker = scope.submit('blocker', () => gate.promise);
    let inner = 'not submitted';
    // Queued behind the scope's slot, so the scheduler (not submit()) starts it once the blocker ends.
    const outer = scope.submit('outer', async () => {
      let ran = false;
      const h = runner.submit('inner', async () => void (ran = true)); // the runner has a free slot
      inner = `${h.status().state}, ran: ${ran}`;
      await h.result;
    });
    expect(outer.status().state).toBe('queued');
    gate.resolve();
    await Promise.all([blocker.result, outer.result]);
    expect(inner).toBe('running, ran: true');
  });

  it('a scope that was at its own limit goes to the back of the round robin when a slot frees', async () => {
    // One slot for the whole runner: A holds it and has a second job waiting behind its own limit;
    // B's job waits for the slot. When A's job ends, B (waiting longer for a slot) goes first.
    const runner = createJobRunner({ concurrency: 1, logger: recordingLogger() });
    const a = runner.scope('a', { limits: { concurrency: 1 } });
    const b = runner.scope('b');
    const gate = deferred();
    const started: string[] = [];
    const a1 = a.submit('a1', () => gate.promise);
    const a2 = a.submit('a2', async () => void started.push('a2'));
    const b1 = b.submit('b1', async () => void started.push('b1'));
    gate.resolve();
    await Promise.all([a1.result, a2.result, b1.result]);
    expect(started).toEqual(['b1', 'a2']);
  });
});
