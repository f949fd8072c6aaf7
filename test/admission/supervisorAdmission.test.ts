/**
 * Admission control in the supervisor: starts wait for their turn (visible in the status), a
 * waiting start can be cancelled and never runs, shutdown drops waiting starts, restarts queue
 * like first starts, and no sequence of commands makes two incarnations of one account run at
 * once (a fast-check property). startCurve.test.ts measures 10,000 real sessions.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSupervisor, type Supervisor } from '../../src/createSupervisor.js';
import { memoryStore } from '../../src/persistence/memoryStore.js';
import type { WorkerContext } from '../../src/worker/worker.js';

const silent = pino({ level: 'silent' });
const owned: { supervisors: Supervisor[] } = { supervisors: [] };
afterEach(async () => {
  await Promise.all(owned.supervisors.splice(0).map((s) => s.shutdown({ timeoutMs: 5_000 })));
});

/** A worker that runs until cancelled, recording when each account's incarnations start and how many run at once. */
function trackingWorker() {
  const startedAt = new Map<string, number[]>();
  const live = new Map<string, number>();
  let maxLivePerAccount = 0;
  const worker = async ({ account, signal }: WorkerContext) => {
    startedAt.set(account.id, [...(startedAt.get(account.id) ?? []), Date.now()]);
    const n = (live.get(account.id) ?? 0) + 1;
    live.set(account.id, n);
    maxLivePerAccount = Math.max(maxLivePerAccount, n);
    try {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      live.set(account.id, (live.get(account.id) ?? 1) - 1);
    }
  };
  return { worker, startedAt, maxLive: () => maxLivePerAccount };
}

function supervise(opts: Parameters<typeof createSupervisor>[0]): Supervisor {
  const s = createSupervisor({ store: memoryStore(), logger: silent, cancelTimeoutMs: 1_000, ...opts });
  owned.supervisors.push(s);
  return s;
}

describe('admission control in the supervisor', () => {
  it('shows a start waiting for its turn as loading with waitingForAdmission, and starts it in turn', async () => {
    const t = trackingWorker();
    const s = supervise({ worker: t.worker, admission: { startsPerSecond: 5, burst: 1 } });
    await s.start();
    for (const id of ['a', 'b', 'c']) await s.add({ id });
    expect(s.status('c')).toMatchObject({ state: 'loading', waitingForAdmission: true, incarnation: 0 });
    await s.waitFor('c', 'running', { timeoutMs: 5_000 });
    expect(s.status('c')?.waitingForAdmission).toBeUndefined();
    const times = ['a', 'b', 'c'].map((id) => t.startedAt.get(id)![0]!);
    // One per second at most (burst 1): the third starts about two seconds after the first.
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(1_900);
    expect(s.admission()).toMatchObject({ waiting: 0, admittedTotal: 3 });
  });

  it("with holdUntil 'ready', a start holds its place until the worker calls ctx.ready(), and a second after", async () => {
    const readyAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    const worker = async ({ account, signal, ready }: WorkerContext) => {
      startedAt.set(account.id, Date.now());
      // A slow login: 1.5 s from start to ready.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_500);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) return;
      readyAt.set(account.id, Date.now());
      ready?.();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    };
    const s = supervise({ worker, admission: { startsPerSecond: 100, burst: 1, holdUntil: 'ready' } });
    await s.start();
    await s.add({ id: 'a' });
    await s.add({ id: 'b' });
    await s.waitFor('a', 'running', { timeoutMs: 5_000 });
    // 'a' is running but its login is not done: it still holds the only place, so 'b' waits.
    expect(s.status('b')).toMatchObject({ state: 'loading', waitingForAdmission: true });
    expect(s.admission()).toMatchObject({ starting: 1, waiting: 1 });
    await s.waitFor('b', 'running', { timeoutMs: 10_000 });
    // 'b' started no sooner than a second after 'a' was ready (a few ms of timer slack allowed).
    expect(startedAt.get('b')! - readyAt.get('a')!).toBeGreaterThanOrEqual(990);
  });

  it("with the default holdUntil 'running', a start is over once its task runs", async () => {
    const t = trackingWorker();
    const s = supervise({ worker: t.worker, admission: { startsPerSecond: 100, burst: 2, maxStarting: 1 } });
    await s.start();
    await s.add({ id: 'a' });
    await s.waitFor('a', 'running', { timeoutMs: 5_000 });
    // The worker never calls ready(), yet 'a' no longer holds a starting place.
    expect(s.admission()).toMatchObject({ starting: 0 });
    await s.add({ id: 'b' });
    await s.waitFor('b', 'running', { timeoutMs: 5_000 });
  });

  it('a waiting start that is disabled or removed never runs; shutdown drops the rest and does not wait for them', async () => {
    const t = trackingWorker();
    const s = supervise({ worker: t.worker, admission: { startsPerSecond: 1, burst: 1 } });
    await s.start();
    for (const id of ['first', 'disabled', 'removed', 'waiting']) await s.add({ id });
    expect(s.status('disabled')).toMatchObject({ state: 'loading', waitingForAdmission: true });
    await s.disable('disabled');
    await s.remove('removed');
    expect(s.status('disabled')).toMatchObject({ state: 'disabled', incarnation: 0 });
    expect(s.status('removed')).toBeUndefined();
    const began = Date.now();
    await s.shutdown({ timeoutMs: 5_000 });
    expect(Date.now() - began).toBeLessThan(1_000);
    expect([...t.startedAt.keys()]).toEqual(['first']);
    expect(s.admission()).toMatchObject({ waiting: 0, droppedTotal: 3 });
  });

  it('fairness: an account that fails at every start goes to the back each time and starves nobody', async () => {
    const order: string[] = [];
    const s = supervise({
      admission: { startsPerSecond: 40, burst: 10 },
      // Back in the queue a millisecond after each failure, and never suspended during the test.
      restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 1_000, withinMs: 60_000 } },
      worker: async ({ account, signal }) => {
        order.push(account.id);
        if (account.id === 'flaky') throw new Error('fails at once, every time');
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    });
    await s.start();
    await s.add({ id: 'flaky' });
    for (let i = 0; i < 20; i += 1) await s.add({ id: `acct-${i}` });
    for (let i = 0; i < 20; i += 1) await s.waitFor(`acct-${i}`, 'running', { timeoutMs: 15_000 });
    // Every other account got its first start before the flaky one got its third: it asked again
    // after each failure, and each time went behind everyone already waiting.
    const thirdFlaky = order.map((id, i) => (id === 'flaky' ? i : -1)).filter((i) => i >= 0)[2] ?? order.length;
    for (let i = 0; i < 20; i += 1) expect(order.indexOf(`acct-${i}`), `acct-${i}`).toBeLessThan(thirdFlaky);
    // And it is not starved either: it keeps getting turns once the others are running.
    const flakyStarts = () => order.filter((id) => id === 'flaky').length;
    for (const until = Date.now() + 10_000; flakyStarts() < 4 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(flakyStarts()).toBeGreaterThanOrEqual(4);
  });

  it('a restart storm waits its turn like first starts: never more than burst starts in any second', async () => {
    let crash = true;
    let starts = 0;
    const s = supervise({
      admission: { startsPerSecond: 20, burst: 10 },
      restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' } },
      worker: async ({ signal }) => {
        starts += 1;
        if (crash) throw new Error('platform down');
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    });
    // Each new incarnation is published the moment its start is admitted: record those moments.
    const seen = new Map<string, number>();
    const launchedAt: number[] = [];
    const stop = s.subscribe((all) => {
      for (const st of all) {
        if ((seen.get(st.id) ?? 0) < st.incarnation) {
          seen.set(st.id, st.incarnation);
          launchedAt.push(Date.now());
        }
      }
    });
    await s.start();
    for (let i = 0; i < 30; i += 1) await s.add({ id: `acct-${i}` });
    await new Promise((r) => setTimeout(r, 1_500));
    crash = false;
    for (let i = 0; i < 30; i += 1) await s.waitFor(`acct-${i}`, 'running', { timeoutMs: 10_000 });
    stop();
    expect(starts).toBeGreaterThan(30);
    expect(launchedAt.length).toBeGreaterThan(30);
    for (let x = 0, y = 0; x < launchedAt.length; x += 1) {
      while (launchedAt[x]! - launchedAt[y]! >= 1_000) y += 1;
      // A new incarnation is published a millisecond or two after its admission (it goes through
      // the account's queue, then a batched status), which can slide one or two of them into the
      // next second's window: allow two. Measured here: admissions exactly 10 per window,
      // launches 11. The gate's own property test checks the exact bound on admissions.
      expect(x - y + 1, `starts within one second ending at #${x}`).toBeLessThanOrEqual(10 + 2);
    }
  });

  it('property: under admission, no sequence of commands runs two incarnations of one account at once', async () => {
    type Cmd = { op: 'restart' | 'disable' | 'enable' | 'update' | 'remove' | 'add' | 'wait'; id: string };
    const cmd = fc.record({ op: fc.constantFrom('restart', 'disable', 'enable', 'update', 'remove', 'add', 'wait'), id: fc.constantFrom('a', 'b', 'c') }) as fc.Arbitrary<Cmd>;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 15 }), async (cmds) => {
        const t = trackingWorker();
        const s = createSupervisor({ store: memoryStore(), logger: silent, cancelTimeoutMs: 500, worker: t.worker, admission: { startsPerSecond: 200, burst: 2, maxStarting: 1 } });
        await s.start();
        try {
          for (const id of ['a', 'b', 'c']) await s.add({ id });
          for (const c of cmds) {
            const run = (): Promise<unknown> | undefined => {
              switch (c.op) {
                case 'wait':
                  return new Promise((r) => setTimeout(r, 15));
                case 'add':
                  return s.add({ id: c.id });
                case 'update':
                  return s.update(c.id, { settings: { n: Math.random() } });
                default:
                  return s[c.op](c.id);
              }
            };
            // Commands may be refused (unknown id, disabled account): that is not what is checked.
            await run()?.catch(() => undefined);
            expect(t.maxLive()).toBeLessThanOrEqual(1);
          }
        } finally {
          await s.shutdown({ timeoutMs: 3_000 });
        }
        expect(t.maxLive()).toBeLessThanOrEqual(1);
      }),
      { numRuns: 40, seed: 1_818 },
    );
  });

});
