/**
 * What the account task writes to its log: the failure warning and the leak warning, each with its
 * text and its structured fields, read back from a real pino logger writing to memory. The path
 * test (accountTask.paths.test.ts) pins events, states and output; operators read these lines.
 */
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor } from 'xstate';
import type { Account } from '../../src/account.js';
import { WorkerHandle } from '../../src/worker/workerHandle.js';
import { accountTaskMachine } from '../../src/machines/accountTask.js';
import { controllableWorker, type ControllableWorker } from '../../src/testing/index.js';
import { testJobs } from '../helpers/jobs.js';

const CANCEL_TIMEOUT_MS = 40;
const account: Account = { id: 'acct', enabled: true, settings: {} };

/** A pino logger at `level` whose lines land, parsed, in `lines`. */
function memoryLogger(level: string): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level, base: undefined, timestamp: false }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Starts a task over `cw` whose account loads at once; `made` counts the loggers the handle asked for. */
function startTask(cw: ControllableWorker, logger: Logger, clock?: SimulatedClock) {
  const made = { count: 0 };
  const handle = new WorkerHandle({
    accountId: 'acct',
    incarnation: 3,
    log: () => (made.count++, logger),
    logEnabled: (level) => logger.isLevelEnabled(level),
    logicFor: () => cw.worker,
    load: async () => account,
    report: () => {},
    jobs: testJobs(),
    cancelTimeoutMs: CANCEL_TIMEOUT_MS,
    ...(clock ? { clock } : {}),
  });
  const input = { worker: handle, loadTimeoutMs: 1_000, cancelTimeoutMs: CANCEL_TIMEOUT_MS, ...(clock ? { clock } : {}) };
  const actor = createActor(accountTaskMachine, { input, ...(clock ? { clock } : {}) }).start();
  return { actor, made };
}

describe('accountTask logs', () => {
  it('a failed worker: one warning naming the account and the error, with the error as `err`', async () => {
    const { logger, lines } = memoryLogger('warn');
    const cw = controllableWorker();
    const { actor } = startTask(cw, logger);
    (await cw.nextInstance('acct', 0)).reject(Object.assign(new Error('session died'), { code: 'ECONNRESET' }));
    const end = await waitFor(actor, (s) => s.status === 'done', { timeout: 1_000 });
    expect(end.output).toMatchObject({ reason: 'failed', forced: false });
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'account acct task failed: session died', err: expect.objectContaining({ message: 'session died', code: 'ECONNRESET' }) }),
    ]);
  });

  it('a worker that ignores cancellation: one warning naming the account, the deadline and the leak', async () => {
    const { logger, lines } = memoryLogger('warn');
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { actor } = startTask(cw, logger);
    const instance = await cw.nextInstance('acct', 0);
    actor.send({ type: 'CANCEL' });
    try {
      const end = await waitFor(actor, (s) => s.status === 'done', { timeout: 1_000 });
      expect(end.output).toMatchObject({ reason: 'cancelled', forced: true });
      expect(lines).toEqual([
        expect.objectContaining({
          level: 40,
          cancelTimeoutMs: CANCEL_TIMEOUT_MS,
          msg: `account acct: worker ignored cancellation for ${CANCEL_TIMEOUT_MS} ms and is still alive (leaked)`,
        }),
      ]);
    } finally {
      instance.resolve();
    }
  });

  it('a failed worker that then leaks: the failure warning, then the leak warning', async () => {
    const { logger, lines } = memoryLogger('warn');
    const cw = controllableWorker();
    const { actor } = startTask(cw, logger);
    const instance = await cw.nextInstance('acct', 0);
    instance.ignoreAbort = true;
    // A job that ignores its signal keeps the failed worker alive past the cancel deadline.
    let release = () => {};
    instance.ctx.jobs.submit('ignores-abort', () => new Promise<void>((resolve) => (release = resolve)), { timeoutMs: Infinity });
    instance.reject(new Error('boom'));
    try {
      const end = await waitFor(actor, (s) => s.status === 'done', { timeout: 1_000 });
      expect(end.output).toMatchObject({ reason: 'failed', forced: true });
      expect(lines.map((l) => l.msg)).toEqual([
        'account acct task failed: boom',
        `account acct: worker ignored cancellation for ${CANCEL_TIMEOUT_MS} ms and is still alive (leaked)`,
      ]);
    } finally {
      release();
    }
  });

  it('with warnings off, neither warning makes the task a logger', async () => {
    const { logger, lines } = memoryLogger('error');
    const failing = controllableWorker();
    const failed = startTask(failing, logger);
    (await failing.nextInstance('acct', 0)).reject(new Error('boom'));
    await waitFor(failed.actor, (s) => s.status === 'done', { timeout: 1_000 });

    const stubborn = controllableWorker({ ignoreAbort: () => true });
    const leaked = startTask(stubborn, logger);
    const instance = await stubborn.nextInstance('acct', 0);
    leaked.actor.send({ type: 'CANCEL' });
    const end = await waitFor(leaked.actor, (s) => s.status === 'done', { timeout: 1_000 });
    instance.resolve();

    expect(end.output?.forced).toBe(true);
    expect(lines).toEqual([]);
    expect(failed.made.count).toBe(0);
    expect(leaked.made.count).toBe(0);
  });
});

describe('accountTask end time', () => {
  it('records when the task reached `cleaned`, on the task clock, in its context and its output', async () => {
    const clock = new SimulatedClock();
    clock.set(1_000);
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { actor } = startTask(cw, pino({ level: 'silent' }), clock);
    const instance = await cw.nextInstance('acct', 0);
    clock.increment(500);
    actor.send({ type: 'CANCEL' });
    clock.increment(CANCEL_TIMEOUT_MS);
    const end = actor.getSnapshot();
    instance.resolve();
    expect(end.status).toBe('done');
    expect(end.context.endedAt).toBe(1_500 + CANCEL_TIMEOUT_MS);
    expect(end.output).toMatchObject({ startedAt: 1_000, endedAt: 1_500 + CANCEL_TIMEOUT_MS, reason: 'cancelled', forced: true });
  });
});
