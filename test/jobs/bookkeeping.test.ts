/**
 * The engine's bookkeeping that `list()`, `counts()` and shutdown read: which scopes it still
 * walks, and how stopping jobs are counted. Each case was a surviving mutant of jobs/engine.ts.
 */
import { describe, expect, it } from 'vitest';
import { JobEngine } from '../../src/jobs/engine.js';
import { createJobRunner, JobRunner, type JobRunnerOptions } from '../../src/jobs/index.js';
import { resolveRunnerOptions } from '../../src/jobs/options.js';
import { deferred, forever, recordingLogger } from './helpers.js';

/** A runner with its engine in reach, to count the scopes the engine still holds. */
function runnerWithEngine(options: JobRunnerOptions): { runner: JobRunner; engine: JobEngine } {
  const engine = new JobEngine(resolveRunnerOptions({ logger: recordingLogger(), ...options }));
  return { runner: new JobRunner(engine), engine };
}

describe('job engine bookkeeping', () => {
  it('counts stopping jobs apart from running ones while both exist', async () => {
    const runner = createJobRunner({ concurrency: 2, abandonAfterMs: 60_000, logger: recordingLogger() });
    const gate = deferred();
    const stubborn = runner.submit('stubborn', forever); // ignores its signal: stays stopping after a cancel
    runner.submit('busy', () => gate.promise);
    stubborn.cancel();
    await expect(stubborn.result).rejects.toThrow();
    expect(runner.counts()).toMatchObject({ running: 1, stopping: 1 });
    gate.resolve();
    await runner.shutdown({ timeoutMs: 100 });
  });

  it('an open scope whose finished jobs were all forgotten still has its later jobs listed and drained at shutdown', async () => {
    const runner = createJobRunner({ concurrency: 1, retainFinished: { count: 0 }, logger: recordingLogger() });
    const scope = runner.scope('acc');
    await scope.submit('first', async () => 'done').result; // not retained: the scope holds no record now
    const gate = deferred();
    scope.submit('running', () => gate.promise);
    const queued = scope.submit('queued', async () => 'never');
    expect(runner.list().map((j) => j.id).sort()).toEqual(['queued', 'running']);
    const report = runner.shutdown({ timeoutMs: 1_000 });
    await expect(queued.result).rejects.toThrow(); // cancelled by the shutdown, not left queued
    gate.resolve();
    expect(await report).toMatchObject({ completed: 1, cancelled: 1 });
  });

  it('a closed scope keeps its retained records listed', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    const scope = runner.scope('acc');
    await scope.submit('done', async () => 1).result;
    scope.close();
    expect(runner.list()).toEqual([expect.objectContaining({ id: 'done', scope: 'acc', state: 'completed' })]);
  });

  it('a replaced job that finishes stopping does not take the retained place of the job that replaced it', async () => {
    const runner = createJobRunner({ concurrency: 2, retainFinished: { count: 1 }, logger: recordingLogger() });
    const gate = deferred();
    const old = runner.submit('x', () => gate.promise); // no signal parameter: it keeps its slot after a cancel
    old.cancel();
    await expect(old.result).rejects.toThrow();
    expect(await runner.submit('x', async () => 'second').result).toBe('second'); // the id may be reused while the old one stops
    gate.resolve();
    await runner.idle();
    expect(runner.status('x')).toMatchObject({ state: 'completed' });
  });

  it('cancelAll() refuses a negative timeout, naming the option', async () => {
    const runner = createJobRunner({ logger: recordingLogger() });
    await expect(runner.scope('acc').cancelAll({ timeoutMs: -1 })).rejects.toThrow(/"timeoutMs"/);
  });

  // A closed scope's state must be freed once it holds no record and no slot: a supervisor opens
  // one scope per task incarnation, so a scope kept after that is one ScopeState leaked per restart.
  describe('closed scopes are freed once empty', () => {
    it('a scope closed with nothing in it is freed at once', () => {
      const { runner, engine } = runnerWithEngine({});
      expect(engine.scopeCount()).toBe(1); // the root
      const scope = runner.scope('acc');
      expect(engine.scopeCount()).toBe(2);
      scope.close();
      expect(engine.scopeCount()).toBe(1);
    });

    it('a scope closed while a job runs is freed when that job ends and its record is not retained', async () => {
      const { runner, engine } = runnerWithEngine({ retainFinished: { count: 0 } });
      const scope = runner.scope('acc');
      const gate = deferred();
      const job = scope.submit('run', () => gate.promise);
      scope.close();
      expect(engine.scopeCount()).toBe(2); // its running job still needs it
      gate.resolve();
      await job.result;
      expect(engine.scopeCount()).toBe(1);
    });

    it('a closed scope is freed when its last retained record is evicted', async () => {
      const { runner, engine } = runnerWithEngine({ retainFinished: { count: 1 } });
      const scope = runner.scope('acc');
      await scope.submit('done', async () => 1).result;
      scope.close();
      expect(engine.scopeCount()).toBe(2); // 'done' is still listed
      await runner.submit('later', async () => 2).result; // takes the one retained place
      expect(runner.list().map((j) => j.id)).toEqual(['later']);
      expect(engine.scopeCount()).toBe(1);
    });

    it('a closed scope whose replaced job is still stopping is freed when that job stops', async () => {
      const { runner, engine } = runnerWithEngine({ concurrency: 2, retainFinished: { count: 0 }, abandonAfterMs: 60_000 });
      const scope = runner.scope('acc');
      const gate = deferred();
      const old = scope.submit('x', () => gate.promise); // no signal parameter: keeps its slot after a cancel
      old.cancel();
      await expect(old.result).rejects.toThrow();
      await scope.submit('x', async () => 'second').result; // replaces the stopping record, then is forgotten
      scope.close();
      expect(engine.scopeCount()).toBe(2); // the replaced job still holds a slot of this scope
      gate.resolve();
      await runner.idle();
      expect(engine.scopeCount()).toBe(1);
    });

    it('many task incarnations leave no scope behind', async () => {
      const { runner, engine } = runnerWithEngine({ retainFinished: { count: 0 } });
      for (let i = 0; i < 50; i++) {
        const scope = runner.scope('acc');
        await scope.submit('work', async () => i).result;
        scope.close();
      }
      expect(engine.scopeCount()).toBe(1);
    });
  });
});
