/**
 * Behaviour of the supervision runtime that its first mutation run (reports/mutation) showed no
 * test would notice breaking: what the flight recorder says when a task finishes, escalates or is
 * forced at the shutdown deadline; that a stopped task is not handed to the restart policy; the
 * worker's `report()`; a restart timer that fires while a command holds the account; the
 * supervision record written by a fresh start; priority under admission control; and a big
 * start that yields to the event loop without yielding per account.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createSupervisor, memoryStore, withSettingsSchema, type AccountStore, type SupervisionRecord, type Supervisor, type SupervisorOptions } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import type { WorkerContext } from '../../src/worker/worker.js';
import { memoryLogger } from '../helpers/memoryLogger.js';
import { FAST, delay, silent, startSupervisor } from '../helpers/supervisor.js';
import { holdingSchema } from '../helpers/holdingSchema.js';

const running: Supervisor[] = [];
afterEach(async () => {
  for (const sup of running.splice(0)) await sup.shutdown({ timeoutMs: 1_000 });
});

async function start(options: Partial<SupervisorOptions> = {}, cw = controllableWorker()) {
  const r = await startSupervisor(options, cw);
  running.push(r.sup);
  return r;
}


/** A memory store whose supervision writes are kept in order, to see what a command saved. */
function recordingStore(): { store: AccountStore; saves: { id: string; record: SupervisionRecord | undefined }[] } {
  const inner = memoryStore();
  const saves: { id: string; record: SupervisionRecord | undefined }[] = [];
  const store: AccountStore = Object.assign(Object.create(inner) as AccountStore, {
    saveSupervision: (id: string, record: SupervisionRecord | undefined) => {
      saves.push({ id, record });
      return inner.saveSupervision(id, record);
    },
  });
  return { store, saves };
}

describe('the flight recorder at the ends of a task', () => {
  it('records "finished" for a task that ended with no restart, and nothing of the kind for a commanded stop', async () => {
    const { sup, cw } = await start();
    await sup.add({ id: 'once', restart: { type: 'temporary' } });
    (await cw.nextInstance('once', 0)).resolve();
    await sup.waitFor('once', 'cleaned');
    expect(sup.history('once').filter((e) => e.kind === 'finished')).toEqual([expect.objectContaining({ kind: 'finished', incarnation: 1, reason: 'completed' })]);

    // A disabled account's task ended because of the command: the restart policy is not asked.
    await sup.add({ id: 'told' });
    await sup.waitFor('told', 'running');
    await sup.disable('told');
    const kinds = sup.history('told').map((e) => e.kind);
    expect(kinds).not.toContain('finished');
    expect(kinds).not.toContain('restartScheduled');
    expect(sup.status('told')).toMatchObject({ state: 'disabled', restarts: 0 });
  });

  it('records the escalation with its error, then the supervisor stops', async () => {
    const { sup, cw } = await start({ restart: { ...FAST.restart, intensity: { maxRestarts: 1, withinMs: 60_000 }, onIntensityExceeded: 'escalate' } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('crash 1'));
    (await cw.nextInstance('a', 1)).reject(new Error('crash 2'));
    const stats = await sup.done;
    expect(stats.error).toMatchObject({ code: 'ESCALATED' });
    expect(sup.history('a').find((e) => e.kind === 'escalated')).toMatchObject({ incarnation: 2, restartsInWindow: 1, maxRestarts: 1, withinMs: 60_000, error: { message: 'crash 2' } });
  });

  it('a suspension after tasks that ended without an error says "task ended"', async () => {
    // permanent: a completed task is restarted too, so completions alone exhaust the intensity.
    const { sup, cw } = await start({ restart: { ...FAST.restart, type: 'permanent', intensity: { maxRestarts: 1, withinMs: 60_000 } } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).resolve();
    (await cw.nextInstance('a', 1)).resolve();
    await sup.waitFor('a', 'suspended');
    expect(sup.history('a').find((e) => e.kind === 'suspended')).toMatchObject({ cause: 'intensity', error: { message: 'task ended' } });
  });

  it('the last error stays in the status after a later end without an error', async () => {
    const { sup, cw } = await start();
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('crash'));
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    await sup.disable('a');
    expect(sup.status('a')).toMatchObject({ state: 'disabled', lastError: { message: 'crash' } });
  });

  it('an error without a code is recorded without a code field', async () => {
    const { sup, cw } = await start();
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('plain'));
    await cw.nextInstance('a', 1);
    const entry = sup.history('a').find((e) => e.kind === 'error');
    expect(entry).toMatchObject({ message: 'plain' });
    expect(Object.keys(entry!)).not.toContain('code');
  });
});

describe('the shutdown deadline', () => {
  it('forces a task whose worker ignores cancellation: recorded as "shutdown deadline", its actor stopped', async () => {
    const actors = new Set<InspectionEvent['actorRef']>();
    const inspect = (event: InspectionEvent) => {
      if (event.type === '@xstate.actor') actors.add(event.actorRef);
    };
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup } = await startSupervisor({ cancelTimeoutMs: 60_000, inspect }, cw);
    await sup.add({ id: 'stubborn' });
    await sup.waitFor('stubborn', 'running');
    const stats = await sup.shutdown({ timeoutMs: 100 });
    expect(stats.forced).toBe(1);
    expect(sup.history('stubborn').at(-1)).toMatchObject({ kind: 'transition', from: 'cancelling', to: 'cleaned', event: 'shutdown deadline' });
    // Left running, the task's actor would keep its 60-second cancel deadline timer alive.
    expect([...actors].filter((a) => (a.getSnapshot() as { status: string }).status === 'active')).toEqual([]);
    cw.latest('stubborn')!.resolve();
  });
});

describe("the worker's report()", () => {
  it('merges into the status, is cleared by the next incarnation, and a leaked incarnation cannot write it', async () => {
    const cw = controllableWorker({ ignoreAbort: (id) => id === 'a' });
    const { sup } = await start({ cancelTimeoutMs: 20, restart: { ...FAST.restart, onLeak: 'proceed' } }, cw);
    await sup.add({ id: 'a' });
    const first = await cw.nextInstance('a', 0);
    await sup.waitFor('a', 'running');
    first.ctx.report({ phase: 'connected' });
    first.ctx.report({ rooms: 3 });
    expect(sup.status('a')?.report).toEqual({ phase: 'connected', rooms: 3 });
    await sup.restart('a');
    await cw.nextInstance('a', 1);
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(sup.status('a')?.report).toBeUndefined();
    expect(Object.keys(sup.status('a')!)).not.toContain('report');
    first.ctx.report({ phase: 'stale' });
    expect(sup.status('a')?.report).toBeUndefined();
    first.resolve();
    cw.latest('a')!.resolve();
  });
});

describe('a restart timer that fires while a command holds the account', () => {
  it('starts nothing: the command started the next incarnation, and only one worker of the account ever runs', async () => {
    const { schema, release, held } = holdingSchema();
    const cw = controllableWorker();
    const { sup } = await start({ worker: withSettingsSchema(cw.worker, schema), restart: { backoff: { minMs: 30, maxMs: 30, jitter: 'none' } } }, cw);
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('crash'));
    await sup.waitFor('a', 'backoff');
    const updated = sup.update('a', { settings: { hold: true } });
    await held(1);
    await delay(120); // the 30 ms restart timer fires now, and waits behind the update
    release();
    await updated;
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    await delay(50);
    expect(cw.maxAlive('a')).toBe(1);
    expect(cw.instances('a')).toHaveLength(2);
    expect(sup.status('a')).toMatchObject({ state: 'running', incarnation: 2 });
  });
});

describe('a fresh start (update, restart) and the stored supervision record', () => {
  it('clears a restart history from the store, and writes nothing for an account that had none', async () => {
    const { store, saves } = recordingStore();
    // No flight recorder: its entries are saved with every command, which would hide the write.
    const { sup, cw } = await start({ store, history: { size: 0 } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('crash'));
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect((await store.loadSupervision()).a?.restartHistory.length).toBeGreaterThan(0);
    await sup.update('a', { settings: { v: 2 } });
    expect((await store.loadSupervision()).a?.restartHistory ?? []).toEqual([]);

    await sup.add({ id: 'calm' });
    await sup.waitFor('calm', 'running');
    const before = saves.filter((s) => s.id === 'calm').length;
    await sup.update('calm', { settings: { v: 2 } });
    await sup.waitFor('calm', (s) => s.state === 'running' && s.incarnation === 2);
    expect(saves.filter((s) => s.id === 'calm').length).toBe(before);
  });

  it('clears a stored suspension that came with no restart history', async () => {
    const store = memoryStore([{ id: 'a', enabled: true, settings: {} }]);
    await store.saveSupervision('a', { restartHistory: [], restarts: 0, suspended: { at: 1, cause: 'nonRetryable', error: { message: 'banned' } } });
    const { sup } = await start({ store, history: { size: 0 } });
    expect(sup.status('a')).toMatchObject({ state: 'suspended' });
    await sup.restart('a');
    await sup.waitFor('a', 'running');
    expect((await store.loadSupervision()).a?.suspended).toBeUndefined();
  });
});

describe('admission control', () => {
  it('a priority account waiting for its turn goes before the others that waited longer', async () => {
    const order: string[] = [];
    const worker = async ({ account, signal }: WorkerContext) => {
      order.push(account.id);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    };
    const sup = createSupervisor({ store: memoryStore(), logger: silent, ...FAST, worker, admission: { startsPerSecond: 2 } });
    running.push(sup);
    await sup.start();
    for (const id of ['first', 'b', 'c', 'd']) await sup.add({ id });
    await sup.add({ id: 'vip', priority: true });
    for (const id of ['b', 'c', 'd', 'vip']) expect(sup.status(id)).toMatchObject({ waitingForAdmission: true });
    await Promise.all(['b', 'c', 'd', 'vip'].map((id) => sup.waitFor(id, 'running', { timeoutMs: 5_000 })));
    expect(order).toEqual(['first', 'vip', 'b', 'c', 'd']);
  });

  it("with holdUntil 'ready', a start cancelled before it was ready gives its turn back when it leaves running, not when it ends", async () => {
    const cw = controllableWorker({ ignoreAbort: (id) => id === 'a' });
    const { sup } = await start({ cancelTimeoutMs: 3_000, admission: { startsPerSecond: 100, maxStarting: 1, holdUntil: 'ready' } }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await sup.add({ id: 'b' });
    expect(sup.status('b')).toMatchObject({ waitingForAdmission: true });
    const disabling = sup.disable('a'); // `a` ignores the abort: it stays in cancelling for 3 s
    await sup.waitFor('b', 'running', { timeoutMs: 1_500 });
    expect(sup.status('a')).toMatchObject({ state: 'cancelling' });
    cw.latest('a')!.resolve();
    await disabling;
  });

  it('shutdown says in one log line how many waiting starts it dropped, naming at most 20', async () => {
    const { logger, lines } = memoryLogger();
    const sup = createSupervisor({ store: memoryStore(), logger, ...FAST, worker: controllableWorker().worker, admission: { startsPerSecond: 1, burst: 1 } });
    await sup.start();
    for (let i = 0; i < 25; i++) await sup.add({ id: `a${i}` });
    await sup.shutdown({ timeoutMs: 1_000 });
    const dropped = lines.filter((l) => l.msg.includes('waiting for admission dropped'));
    expect(dropped).toEqual([expect.objectContaining({ level: 30, dropped: 24, msg: 'shutdown: 24 start(s) waiting for admission dropped, never started' })]);
    expect(dropped[0]!.accountIds).toEqual(Array.from({ length: 20 }, (_, i) => `a${i + 1}`));
  });

  it('without admission control, a shutdown logs no dropped starts', async () => {
    const { logger, lines } = memoryLogger();
    const sup = createSupervisor({ store: memoryStore(), logger, ...FAST, worker: controllableWorker().worker });
    await sup.start();
    await sup.add({ id: 'a' });
    await sup.shutdown({ timeoutMs: 1_000 });
    expect(lines.filter((l) => l.msg.includes('dropped'))).toEqual([]);
  });
});

describe('a task whose machine throws', () => {
  it('ends failed with TASK_CRASHED, shown and recorded, and is restarted by the policy', async () => {
    // A clock that throws once, when the first task arms its load deadline (4,321 ms, a value
    // nothing else asks for): the task actor errors instead of reaching its final state.
    let armed = true;
    const clock = {
      now: () => Date.now(),
      setTimeout: (fn: () => void, ms: number) => {
        if (ms === 4_321 && armed) {
          armed = false;
          throw new Error('clock broke');
        }
        return setTimeout(fn, ms);
      },
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const { sup } = await start({ clock, loadTimeoutMs: 4_321 });
    await sup.add({ id: 'a' });
    const status = await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    expect(status).toMatchObject({ restarts: 1, lastError: { message: 'account task crashed: clock broke', code: 'TASK_CRASHED' } });
    expect(sup.history('a').filter((e) => e.kind === 'error')).toEqual([expect.objectContaining({ incarnation: 1, message: 'account task crashed: clock broke', code: 'TASK_CRASHED' })]);
  });
});

describe('settings checked again before each start', () => {
  it('an asynchronous schema is awaited: an account stored with settings it rejects is suspended, never run', async () => {
    const schema = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => {
          await delay(5);
          return (value as { bad?: unknown }).bad ? { issues: [{ message: 'must not be bad', path: ['bad'] }] } : { value };
        },
      },
    };
    const cw = controllableWorker();
    const store = memoryStore([{ id: 'a', enabled: true, settings: { bad: true } }]);
    const { sup } = await start({ store, worker: withSettingsSchema(cw.worker, schema) }, cw);
    const status = await sup.waitFor('a', 'suspended');
    expect(status.lastError).toMatchObject({ code: 'INVALID_CONFIGURATION' });
    expect(cw.instances('a')).toHaveLength(0);
  });
});

describe('starting a big fleet', () => {
  it('yields to the event loop now and then, not once per account', async () => {
    const store = memoryStore(Array.from({ length: 2_500 }, (_, i) => ({ id: `a${i}`, enabled: false, settings: {} })));
    const sup = createSupervisor({ store, logger: silent, ...FAST, worker: controllableWorker().worker });
    running.push(sup);
    // The first turn of the event loop the start gives back: how many accounts are in by then.
    let seenAtFirstYield: number | undefined;
    const loaded = store.loadAll.bind(store);
    store.loadAll = async () => {
      const all = await loaded();
      setImmediate(() => (seenAtFirstYield = sup.list().length));
      return all;
    };
    await sup.start();
    expect(sup.list()).toHaveLength(2_500);
    expect(seenAtFirstYield).toBeGreaterThanOrEqual(100);
    expect(seenAtFirstYield).toBeLessThan(2_500);
  });

  it('stops adding accounts once shutdown begins', async () => {
    const store = memoryStore(Array.from({ length: 2_500 }, (_, i) => ({ id: `a${i}`, enabled: false, settings: {} })));
    const sup = createSupervisor({ store, logger: silent, ...FAST, worker: controllableWorker().worker });
    let stopping: Promise<unknown> | undefined;
    const loaded = store.loadAll.bind(store);
    store.loadAll = async () => {
      const all = await loaded();
      setImmediate(() => {
        stopping = sup.shutdown({ timeoutMs: 1_000 });
      });
      return all;
    };
    await expect(sup.start()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await stopping;
    await delay(100); // the start step must not go on adding accounts after the shutdown
    expect(sup.list().length).toBeGreaterThan(0);
    expect(sup.list().length).toBeLessThan(2_500);
  });
});
