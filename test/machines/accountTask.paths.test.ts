/**
 * State-driven test of the account task: @xstate/graph enumerates every simple path of the
 * statechart, and each path is replayed against a real actor whose load and worker the test
 * controls, asserting the state after every step and the output at the end.
 */
import { getSimplePaths, type StatePath } from '@xstate/graph';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createActor, waitFor, type SnapshotFrom } from 'xstate';
import type { Account } from '../../src/account.js';
import { WorkerHandle } from '../../src/worker/workerHandle.js';
import { accountTaskMachine, type AccountTaskEvent } from '../../src/machines/accountTask.js';
import { controllableWorker } from '../../src/testing/index.js';
import { testJobs } from '../helpers/jobs.js';

type Snapshot = SnapshotFrom<typeof accountTaskMachine>;
type Path = StatePath<Snapshot, AccountTaskEvent>;

const LOAD_TIMEOUT_MS = 40;
const CANCEL_TIMEOUT_MS = 40;
const account: Account = { id: 'acct', enabled: true, settings: {} };
const log = pino({ level: 'silent' });

/** Every event that moves the machine, as the traversal must be told them (it never runs invoked actors). */
const EVENTS = [
  'CANCEL',
  'LOADED',
  'LOAD_FAILED',
  'xstate.after.loadTimeout.accountTask.loading',
  'WORKER_DONE',
  'WORKER_FAILED',
  'SETTLED',
  'xstate.after.cancelTimeout.accountTask.cancelling',
  'xstate.after.cancelTimeout.accountTask.failed',
].map((type) => ({ type }) as AccountTaskEvent);

/**
 * Paths the statechart allows but no worker can take, each with the reason. The test asserts this
 * list is exact, so a change to the machine that makes one reachable (or adds another) is noticed.
 */
const UNREACHABLE: Record<string, string> = {
  'LOAD_FAILED > after.cancelTimeout.failed': 'no worker was started, so awaiting it settles at once',
  'after.loadTimeout.loading > after.cancelTimeout.failed': 'no worker was started, so awaiting it settles at once',
};

function describePath(path: Path): string {
  return path.steps
    .slice(1)
    .map((s) => s.event.type.replace('xstate.', '').replace('accountTask.', ''))
    .join(' > ');
}

function enumeratePaths(): Path[] {
  const handle = new WorkerHandle({ accountId: 'acct', incarnation: 1, log: () => log, logicFor: () => async () => {}, load: async () => account, report: () => {}, jobs: testJobs(), cancelTimeoutMs: CANCEL_TIMEOUT_MS });
  return getSimplePaths(accountTaskMachine, {
    input: { worker: handle, loadTimeoutMs: LOAD_TIMEOUT_MS, cancelTimeoutMs: CANCEL_TIMEOUT_MS },
    events: EVENTS,
    serializeState: (s) => JSON.stringify([s.value, s.context.reason, s.context.forced, s.context.error !== undefined]),
  });
}

/** Replays `path` against a real actor, driving the load and the worker as each step needs. */
async function replay(path: Path): Promise<Snapshot> {
  const events: string[] = path.steps.slice(1).map((s) => s.event.type);
  // A failed worker leaves something alive only through a job that ignores its signal.
  const jobs = testJobs();
  let releaseJob = () => {};
  const stubbornJob = events.includes('xstate.after.cancelTimeout.accountTask.failed');
  const cw = controllableWorker({ ignoreAbort: () => events.includes('xstate.after.cancelTimeout.accountTask.cancelling') });
  let loadControl!: { resolve: (a: Account) => void; reject: (e: unknown) => void };
  const handle = new WorkerHandle({
    accountId: 'acct',
    incarnation: 7,
    log: () => log,
    logicFor: () => cw.worker,
    load: () => new Promise((resolve, reject) => (loadControl = { resolve, reject })),
    report: () => {},
    jobs,
    cancelTimeoutMs: CANCEL_TIMEOUT_MS,
  });
  const actor = createActor(accountTaskMachine, { input: { worker: handle, loadTimeoutMs: LOAD_TIMEOUT_MS, cancelTimeoutMs: CANCEL_TIMEOUT_MS } }).start();
  try {
    let reached = actor.getSnapshot();
    for (const [i, step] of path.steps.slice(1).entries()) {
      if (stubbornJob && events[i] === 'WORKER_FAILED') {
        jobs.submit('ignores-abort', () => new Promise<void>((resolve) => (releaseJob = resolve)), { timeoutMs: Infinity });
      }
      await drive(step.event.type, actor, loadControl, cw);
      const expected = JSON.stringify(step.state.value);
      // waitFor returns the snapshot that matched: `failed` passes on by itself once the worker settled.
      reached = await waitFor(actor, (s) => JSON.stringify(s.value) === expected, { timeout: 1_000 }).catch(() => {
        throw new Error(`step ${i + 1} (${step.event.type}): expected ${expected}, got ${JSON.stringify(actor.getSnapshot().value)}`);
      });
    }
    return reached;
  } finally {
    actor.stop();
    cw.instances().forEach((w) => w.resolve());
    releaseJob();
  }
}

async function drive(type: string, actor: { send: (e: AccountTaskEvent) => void }, load: { resolve: (a: Account) => void; reject: (e: unknown) => void }, cw: ReturnType<typeof controllableWorker>): Promise<void> {
  switch (type) {
    case 'CANCEL':
      return actor.send({ type: 'CANCEL' });
    case 'LOADED':
      return load.resolve(account);
    case 'LOAD_FAILED':
      return load.reject(Object.assign(new Error('store unreachable'), { code: 'EIO' }));
    case 'WORKER_DONE':
      return (await cw.nextInstance('acct', 0)).resolve();
    case 'WORKER_FAILED':
      return (await cw.nextInstance('acct', 0)).reject(Object.assign(new Error('session died'), { code: 'ECONNRESET' }));
    default:
      return; // awaited settles and timeouts happen by themselves
  }
}

const EXPECTED_ERROR: Record<string, { message: string; code: string }> = {
  LOAD_FAILED: { message: 'store unreachable', code: 'EIO' },
  'xstate.after.loadTimeout.accountTask.loading': { message: `Loading account "acct" took longer than loadTimeoutMs (${LOAD_TIMEOUT_MS} ms).`, code: 'LOAD_TIMEOUT' },
  WORKER_FAILED: { message: 'session died', code: 'ECONNRESET' },
};

describe('accountTask, path by path', () => {
  const paths = enumeratePaths();

  it('has exactly the five top-level states, and the traversal reaches each', () => {
    expect(Object.keys(accountTaskMachine.root.states)).toEqual(['loading', 'running', 'cancelling', 'failed', 'cleaned']);
    expect(new Set(paths.map((p) => JSON.stringify(p.state.value)))).toEqual(
      new Set(['"loading"', '"running"', '"cancelling"', '"failed"', '"cleaned"']),
    );
  });

  it('lists exactly the unreachable paths', () => {
    const found = paths.map(describePath).filter((d) => d in UNREACHABLE);
    expect(found.sort()).toEqual(Object.keys(UNREACHABLE).sort());
  });

  for (const path of paths.filter((p) => !(describePath(p) in UNREACHABLE))) {
    it(`init > ${describePath(path) || '(start)'} → ${JSON.stringify(path.state.value)}`, async () => {
      const end = await replay(path);
      expect(end.value).toEqual(path.state.value);
      const events = path.steps.map((s) => s.event.type);
      const cause = events.find((t) => t in EXPECTED_ERROR);
      if (end.value === 'failed') expect(end.context.error).toMatchObject(EXPECTED_ERROR[cause!]!);
      if (end.status !== 'done') return;
      expect(end.output).toEqual({
        accountId: 'acct',
        incarnation: 7,
        reason: path.state.context.reason,
        forced: path.state.context.forced,
        startedAt: expect.any(Number),
        endedAt: expect.any(Number),
        ...(cause ? { error: expect.objectContaining(EXPECTED_ERROR[cause]) } : {}),
      });
      expect(end.output.endedAt).toBeGreaterThanOrEqual(end.output.startedAt);
    });
  }
});
