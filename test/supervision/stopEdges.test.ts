/**
 * The last steps of a stop and the owners around them, where the supervision mutation run found
 * nothing watching: the job runner's share of the shutdown deadline (on a simulated clock, so the
 * bounds are exact), supervision writes and a store close that do not finish, a stop before any
 * start, leaked workers held per account until each settles, and a reload that meets a shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createSupervisor, memoryStore, type Account, type AccountStore, type Supervisor, type SupervisorOptions, type Worker } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { memoryLogger, type LogLine } from '../helpers/memoryLogger.js';
import { FAST, delay } from '../helpers/supervisor.js';


const running: Supervisor[] = [];
afterEach(async () => {
  for (const sup of running.splice(0)) await sup.shutdown({ timeoutMs: 1_000 });
});

function supervise(options: Partial<SupervisorOptions> & { worker: Worker }): { sup: Supervisor; lines: LogLine[] } {
  const { logger, lines } = memoryLogger();
  const sup = createSupervisor({ store: memoryStore(), ...FAST, ...options, logger });
  running.push(sup);
  return { sup, lines };
}

/** Settles within `ms` of real time, or says it did not. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true), () => (settled = true));
  for (let waited = 0; waited < ms && !settled; waited += 10) await delay(10);
  return settled;
}

/** A store that is `memoryStore()` but for the calls overridden. */
function storeWith(overrides: Partial<AccountStore>, initial: Account[] = []): AccountStore {
  return Object.assign(Object.create(memoryStore(initial)) as AccountStore, overrides);
}

describe("the job runner's share of a shutdown", () => {
  it('gets what is left of the deadline, at least 250 ms: a job ending 125 ms after the deadline completes, one that never ends is abandoned', async () => {
    const clock = new SimulatedClock();
    const worker: Worker = async ({ jobs, signal, clock: c }) => {
      // Both ignore cancellation: `late` for 425 ms after its abort, `stubborn` for ever.
      jobs.submit('late', (js) => new Promise<void>((resolve) => js.addEventListener('abort', () => c!.setTimeout(resolve, 425), { once: true })), { timeoutMs: Infinity });
      jobs.submit('stubborn', () => new Promise<void>(() => undefined), { timeoutMs: Infinity });
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    };
    // The task's own cancel deadline is far away: the shutdown deadline is what ends it.
    const { sup, lines } = supervise({ worker, clock, cancelTimeoutMs: 60_000 });
    await sup.start();
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    // Simulated time moves in 25 ms steps: a timer set while a step's timers fire is due in a later step.
    const advance = async (ms: number) => {
      for (let moved = 0; moved < ms; moved += 25) {
        clock.increment(Math.min(25, ms - moved));
        await delay(2);
      }
    };
    const stopping = sup.shutdown({ timeoutMs: 300 });
    await delay(20);
    await advance(300); // the deadline: the task is forced, the runner gets 250 ms more
    await advance(200); // `late` settled at 425 ms; at 550 ms `stubborn` is abandoned
    expect(clock.now()).toBe(500);
    expect(await settlesWithin(stopping, 200)).toBe(false); // 250 ms means 250 ms
    await advance(75);
    expect(await settlesWithin(stopping, 2_000)).toBe(true);
    await expect(stopping).resolves.toMatchObject({ forced: 1 });
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect(lines.filter((l) => l.msg.includes('ignored cancellation at shutdown'))).toEqual([expect.objectContaining({ level: 40, abandoned: 1, msg: '1 jobs ignored cancellation at shutdown' })]);
  });

  it('says nothing about jobs when none ignored cancellation', async () => {
    const { sup, lines } = supervise({ worker: controllableWorker().worker });
    await sup.start();
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await sup.shutdown({ timeoutMs: 1_000 });
    expect(lines.filter((l) => l.msg.includes('jobs ignored'))).toEqual([]);
  });
});

describe('the last step of a stop, when the store does not cooperate', () => {
  it('supervision writes that never finish are given up at the deadline, and said so', async () => {
    const cw = controllableWorker();
    const { sup, lines } = supervise({ worker: cw.worker, store: storeWith({ saveSupervision: () => new Promise<void>(() => undefined) }) });
    await sup.start();
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('crash')); // saves the restart decision
    await sup.waitFor('a', 'backoff');
    const began = Date.now();
    await sup.shutdown({ timeoutMs: 200 });
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual(['supervision state writes did not finish in time']);
  });

  it('a store whose close fails is logged with its error, and the shutdown still resolves', async () => {
    const { sup, lines } = supervise({ worker: controllableWorker().worker, store: storeWith({ close: () => Promise.reject(new Error('disk gone')) }) });
    await sup.start();
    await sup.shutdown({ timeoutMs: 500 });
    expect(lines.filter((l) => l.level === 50)).toEqual([expect.objectContaining({ msg: 'closing the account store failed or timed out', err: expect.objectContaining({ message: 'disk gone' }) })]);
  });

  it('a supervisor stopped before it started closes no store and logs no error', async () => {
    let closes = 0;
    const { sup, lines } = supervise({ worker: controllableWorker().worker, store: storeWith({ close: async () => void (closes += 1) }) });
    await sup.shutdown({ timeoutMs: 500 });
    expect(closes).toBe(0);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('start() after shutdown()', () => {
  it('rejects with SHUTTING_DOWN, and nothing runs', async () => {
    const cw = controllableWorker();
    const { sup } = supervise({ worker: cw.worker, store: memoryStore([{ id: 'a', enabled: true, settings: {} }]) });
    await sup.shutdown({ timeoutMs: 500 });
    expect(await settlesWithin(sup.start(), 1_000)).toBe(true);
    await expect(sup.start()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(cw.instances()).toHaveLength(0);
  });
});

describe('leaked workers', () => {
  it('are held one by one: the account shows leaked until the last of two leaked incarnations settles, each logged', async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup, lines } = supervise({ worker: cw.worker, cancelTimeoutMs: 20, restart: { ...FAST.restart, onLeak: 'proceed' } });
    await sup.start();
    await sup.add({ id: 'a' });
    const first = await cw.nextInstance('a', 0);
    await sup.restart('a');
    const second = await cw.nextInstance('a', 1);
    await sup.restart('a');
    await cw.nextInstance('a', 2);
    expect(sup.status('a')).toMatchObject({ leaked: true });
    second.resolve();
    await delay(20);
    expect(sup.status('a')).toMatchObject({ leaked: true }); // the first is still alive
    first.resolve();
    await sup.waitFor('a', (s) => s.leaked === undefined, { timeoutMs: 2_000 });
    const leakLines = lines.filter((l) => l.msg.includes('leaked worker'));
    expect(leakLines.map((l) => [l.level, l.accountId, l.incarnation, l.msg])).toEqual([
      [40, 'a', 1, "account a: leaked worker is still alive; the next incarnation starts anyway (onLeak: 'proceed'), beside it"],
      [40, 'a', 2, "account a: leaked worker is still alive; the next incarnation starts anyway (onLeak: 'proceed'), beside it"],
      [30, 'a', 2, 'account a: leaked worker settled'],
      [30, 'a', 1, 'account a: leaked worker settled'],
    ]);
    cw.latest('a')!.resolve();
  });

  it("under onLeak: 'wait' the warning says the next incarnation waits, and it does", async () => {
    const cw = controllableWorker({ ignoreAbort: () => true });
    const { sup, lines } = supervise({ worker: cw.worker, cancelTimeoutMs: 20, restart: { ...FAST.restart, onLeak: 'wait' } });
    await sup.start();
    await sup.add({ id: 'a' });
    const first = await cw.nextInstance('a', 0);
    const restarted = sup.restart('a');
    await sup.waitFor('a', (s) => s.leaked === true, { timeoutMs: 2_000 });
    expect(lines.filter((l) => l.msg.includes('leaked worker')).map((l) => [l.level, l.incarnation, l.msg])).toEqual([
      [40, 1, 'account a: leaked worker is still alive; no new incarnation starts until it settles'],
    ]);
    expect(cw.instances()).toHaveLength(1);
    first.resolve();
    await restarted;
    await cw.nextInstance('a', 1);
    cw.latest('a')!.resolve();
  });
});

/**
 * A memory store whose `method` (once `holding` is set) waits for `release()` after saying it was
 * `reached`: a read the test holds open while it starts a shutdown.
 */
function holdingStore(method: 'loadAll' | 'loadSupervision') {
  const inner = memoryStore();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const control = { inner, holding: false, release: () => release(), reached, store: undefined as unknown as AccountStore };
  control.store = Object.assign(Object.create(inner) as AccountStore, {
    [method]: async () => {
      if (control.holding) {
        reach();
        await held;
      }
      return method === 'loadAll' ? inner.loadAll() : inner.loadSupervision();
    },
  });
  return control;
}

describe('reload() meeting a shutdown', () => {
  it('logs what it reconciled', async () => {
    const store = memoryStore();
    const { sup, lines } = supervise({ worker: controllableWorker().worker, store });
    await sup.start();
    await sup.add({ id: 'kept' });
    await store.put({ id: 'new', enabled: true, settings: {} });
    await sup.reload();
    expect(lines.filter((l) => l.msg === 'reloaded accounts from the store')).toEqual([expect.objectContaining({ level: 30, added: 1, removed: 0, changed: 0, unchanged: 1 })]);
  });

  it('an account found new while the shutdown began is not added', async () => {
    const hold = holdingStore('loadSupervision');
    const { inner, store } = hold;
    const cw = controllableWorker();
    const { sup } = supervise({ worker: cw.worker, store });
    await sup.start();
    await inner.put({ id: 'new', enabled: true, settings: {} });
    hold.holding = true;
    const reloading = sup.reload();
    await hold.reached;
    const stopping = sup.shutdown({ timeoutMs: 1_000 });
    hold.release();
    await expect(reloading).resolves.toMatchObject({ added: [] });
    await stopping;
    expect(sup.status('new')).toBeUndefined();
    expect(cw.instances('new')).toHaveLength(0);
  });

  it('an account changed in the store is not restarted once the shutdown began', async () => {
    const hold = holdingStore('loadAll');
    const { inner, store } = hold;
    const cw = controllableWorker();
    const { sup } = supervise({ worker: cw.worker, store });
    await sup.start();
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await inner.put({ id: 'a', enabled: true, settings: { v: 2 } });
    hold.holding = true;
    const reloading = sup.reload();
    await hold.reached;
    const stopping = sup.shutdown({ timeoutMs: 1_000 });
    hold.release();
    await expect(reloading).resolves.toMatchObject({ changed: [], unchanged: 0 });
    await stopping;
    expect(cw.instances('a')).toHaveLength(1);
  });
});
