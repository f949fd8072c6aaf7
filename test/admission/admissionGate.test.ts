/**
 * The admission gate on a simulated clock: the limits hold for any arrival pattern (a fast-check
 * property), turns are first come first served with priority first, and waits can be cancelled
 * or dropped at shutdown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { AdmissionCancelledError, AdmissionGate, type AdmissionTicket } from '../../src/admission/index.js';

const flush = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

/** Advances the simulated clock in 1 ms steps, letting promise continuations run between. */
async function advance(clock: SimulatedClock, ms: number) {
  for (let t = 0; t < ms; t += 1) {
    clock.increment(1);
    await flush();
  }
}

describe('AdmissionGate', () => {
  it('admits 10,000 starts at 500/s in about 20 s, never more than burst in any one-second window', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 500, burst: 500 }, clock);
    const admittedAt: number[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      void gate.enter(`a${i}`).then((t) => {
        admittedAt.push(clock.now());
        t.release();
      });
    }
    await flush();
    for (let s = 0; s < 25 && admittedAt.length < 10_000; s += 1) {
      // Step in 10 ms increments: fast enough for 10k starts, fine enough for the window check.
      for (let k = 0; k < 100; k += 1) {
        clock.increment(10);
        await flush();
      }
    }
    expect(admittedAt).toHaveLength(10_000);
    const last = admittedAt[admittedAt.length - 1]!;
    expect(last).toBeGreaterThanOrEqual(19_000);
    expect(last).toBeLessThanOrEqual(20_500);
    let j = 0;
    for (let i = 0; i < admittedAt.length; i += 1) {
      while (admittedAt[i]! - admittedAt[j]! >= 1000) j += 1;
      expect(i - j + 1).toBeLessThanOrEqual(500);
    }
    expect(gate.stats()).toMatchObject({ waiting: 0, starting: 0, admittedTotal: 10_000 });
  });

  it('property: for any arrivals and holding times, the window, the rate and maxStarting hold, and FIFO order within a class', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          startsPerSecond: fc.integer({ min: 1, max: 50 }),
          burst: fc.integer({ min: 1, max: 20 }),
          maxStarting: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
          arrivals: fc.array(fc.record({ at: fc.integer({ min: 0, max: 3_000 }), holdMs: fc.integer({ min: 0, max: 800 }), priority: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        }),
        async ({ startsPerSecond, burst, maxStarting, arrivals }) => {
          const clock = new SimulatedClock();
          const gate = new AdmissionGate({ startsPerSecond, burst, ...(maxStarting ? { maxStarting } : {}) }, clock);
          const sorted = arrivals.map((a, i) => ({ ...a, i })).sort((x, y) => x.at - y.at || x.i - y.i);
          const admitted: { i: number; at: number; priority: boolean }[] = [];
          let starting = 0;
          let maxSeen = 0;
          let next = 0;
          const horizon = 3_000 + ((arrivals.length + burst) * 1000) / Math.min(startsPerSecond, burst) + 40 * 800 + 2_000;
          for (let now = 0; now <= horizon && admitted.length < arrivals.length; now += 1) {
            while (next < sorted.length && sorted[next]!.at <= now) {
              const a = sorted[next]!;
              next += 1;
              void gate.enter(`a${a.i}`, { priority: a.priority }).then((ticket: AdmissionTicket) => {
                admitted.push({ i: a.i, at: clock.now(), priority: a.priority });
                starting += 1;
                maxSeen = Math.max(maxSeen, starting);
                clock.setTimeout(() => {
                  starting -= 1;
                  ticket.release();
                }, a.holdMs);
              });
            }
            await flush();
            clock.increment(1);
            await flush();
          }
          expect(admitted).toHaveLength(arrivals.length);
          if (maxStarting) expect(maxSeen).toBeLessThanOrEqual(maxStarting);
          const times = admitted.map((a) => a.at);
          for (let x = 0, y = 0; x < times.length; x += 1) {
            while (times[x]! - times[y]! >= 1000) y += 1;
            expect(x - y + 1).toBeLessThanOrEqual(burst);
          }
          // Average rate: n starts need at least (n - burst) / rate seconds after the first.
          expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual(Math.floor(((times.length - burst) * 1000) / startsPerSecond) - 1);
          // FIFO within each class: arrival order is admission order.
          for (const cls of [true, false]) {
            const order = admitted.filter((a) => a.priority === cls).map((a) => sorted.findIndex((s) => s.i === a.i));
            expect(order).toEqual([...order].sort((p, q) => p - q));
          }
        },
      ),
      { numRuns: 60, seed: 18 },
    );
  });

  it('serves priority starts first, then the others in arrival order', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 1, burst: 1 }, clock);
    const order: string[] = [];
    for (const [id, priority] of [['a', false], ['b', false], ['p', true], ['c', false], ['q', true]] as const) {
      void gate.enter(id, { priority }).then((t) => {
        order.push(id);
        t.release();
      });
    }
    await advance(clock, 5_000);
    expect(order).toEqual(['a', 'p', 'q', 'b', 'c']);
  });

  it('a constantly failing account that asks again goes to the back and starves nobody', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 10, burst: 10 }, clock);
    const order: string[] = [];
    let flaky = 0;
    const askFlaky = () => {
      void gate.enter('flaky').then((t) => {
        order.push('flaky');
        flaky += 1;
        t.release();
        if (flaky < 20) askFlaky(); // fails at once and asks again
      });
    };
    askFlaky();
    for (const id of ['a', 'b', 'c', 'd']) {
      void gate.enter(id).then((t) => {
        order.push(id);
        t.release();
      });
    }
    await advance(clock, 1_000);
    // Each other account got its turn within the first five admissions, and the flaky one kept
    // its place in line too (every fifth turn), not more.
    for (const id of ['a', 'b', 'c', 'd']) expect(order.slice(0, 5)).toContain(id);
    expect(order.filter((id) => id === 'flaky').length).toBeGreaterThanOrEqual(5);
  });

  it('a cancelled wait never starts and frees its turn; shutdown drops the rest and reports them', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 1, burst: 1 }, clock);
    const started: string[] = [];
    const errors: AdmissionCancelledError[] = [];
    const controller = new AbortController();
    const enter = (id: string, signal?: AbortSignal) =>
      gate.enter(id, signal ? { signal } : {}).then(
        (t) => {
          started.push(id);
          t.release();
        },
        (e: AdmissionCancelledError) => errors.push(e),
      );
    const all = [enter('first'), enter('cancelled', controller.signal), enter('second'), enter('third')];
    await flush();
    expect(started).toEqual(['first']);
    controller.abort();
    await advance(clock, 1_000);
    expect(started).toEqual(['first', 'second']);
    expect(gate.stats()).toMatchObject({ waiting: 1, droppedTotal: 1 });
    expect(gate.close()).toEqual(['third']);
    await Promise.all(all);
    expect(errors.map((e) => [e.accountId, e.why, e.code])).toEqual([
      ['cancelled', 'cancelled', 'ADMISSION_CANCELLED'],
      ['third', 'shutdown', 'ADMISSION_CANCELLED'],
    ]);
    await advance(clock, 2_000);
    expect(started).toEqual(['first', 'second']);
    await expect(gate.enter('late')).rejects.toMatchObject({ why: 'shutdown' });
  });

  it('maxStarting holds starts until a ticket is released', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 1_000, burst: 1_000, maxStarting: 2 }, clock);
    const tickets: AdmissionTicket[] = [];
    for (const id of ['a', 'b', 'c']) void gate.enter(id).then((t) => tickets.push(t));
    await advance(clock, 100);
    expect(tickets).toHaveLength(2);
    tickets[0]!.release();
    tickets[0]!.release(); // idempotent: frees one slot, not two
    await advance(clock, 10);
    expect(tickets).toHaveLength(3);
    expect(gate.stats().starting).toBe(2);
  });

  it('shares the limits among cluster nodes', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 100, burst: 100 }, clock);
    gate.shareAmong(4);
    const at: number[] = [];
    for (let i = 0; i < 50; i += 1) void gate.enter(`a${i}`).then((t) => (at.push(clock.now()), t.release()));
    await advance(clock, 2_100);
    // 25 per second on this node: one every 40 ms.
    expect(at.filter((t) => t < 1_000)).toHaveLength(25);
    expect(at).toHaveLength(50);
    expect(at[49]! - at[48]!).toBe(40);
  });

  it('refuses bad limits, naming the field', () => {
    const clock = new SimulatedClock();
    expect(() => new AdmissionGate({ startsPerSecond: 0 }, clock)).toThrow(/admission\.startsPerSecond/);
    expect(() => new AdmissionGate({ startsPerSecond: 5, burst: 0.5 }, clock)).toThrow(/admission\.burst/);
    expect(() => new AdmissionGate({ startsPerSecond: 5, maxStarting: -1 }, clock)).toThrow(/admission\.maxStarting/);
  });
});

describe('AdmissionGate.tryEnter', () => {
  it('takes a free turn at once, but never ahead of a start that is waiting, and counts toward the same window', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 2, burst: 2 }, clock);
    const first = gate.tryEnter();
    expect(first).toBeDefined();
    first!.release();
    expect(gate.tryEnter()).toBeUndefined(); // paced: the next place is half a second later
    const waiting = gate.enter('w');
    clock.increment(499);
    // 'w' waits for its place; a turn taken meanwhile would jump the line.
    expect(gate.tryEnter()).toBeUndefined();
    clock.increment(1);
    const second = await waiting;
    second.release();
    expect(gate.tryEnter()).toBeUndefined();
    clock.increment(500);
    expect(gate.tryEnter()).toBeDefined();
    expect(gate.stats()).toMatchObject({ admittedTotal: 3, waiting: 0 });
  });
});

describe('AdmissionGate: a start counts until a second after it is over', () => {
  it('a held ticket keeps its place in the window however long it is held, and a second after its release', async () => {
    const clock = new SimulatedClock();
    const gate = new AdmissionGate({ startsPerSecond: 100, burst: 2 }, clock);
    const a = gate.tryEnter()!;
    clock.increment(10);
    const b = gate.tryEnter()!;
    expect(a && b).toBeDefined();
    let third: AdmissionTicket | undefined;
    void gate.enter('c').then((t) => (third = t));
    // Both held for 5 s: a window of admission times would have let 'c' in after 1 s.
    await advance(clock, 5_000);
    expect(third).toBeUndefined();
    a.release();
    // Released at 5,010: it leaves the window at 6,010, not before.
    await advance(clock, 999);
    expect(third).toBeUndefined();
    await advance(clock, 1);
    expect(third).toBeDefined();
    b.release();
    third!.release();
  });

  it('property: in any one-second window, at most burst starts were in flight (admitted, and not released more than a second before)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          startsPerSecond: fc.integer({ min: 1, max: 50 }),
          burst: fc.integer({ min: 1, max: 8 }),
          arrivals: fc.array(fc.record({ at: fc.integer({ min: 0, max: 2_000 }), holdMs: fc.integer({ min: 0, max: 1_500 }) }), { minLength: 1, maxLength: 25 }),
        }),
        async ({ startsPerSecond, burst, arrivals }) => {
          const clock = new SimulatedClock();
          const gate = new AdmissionGate({ startsPerSecond, burst }, clock);
          const spans: { admitted: number; released: number }[] = [];
          const sorted = [...arrivals].sort((x, y) => x.at - y.at);
          let next = 0;
          for (let now = 0; spans.filter((s) => s.released >= 0).length < arrivals.length && now < 200_000; now += 1) {
            while (next < sorted.length && sorted[next]!.at <= now) {
              const a = sorted[next]!;
              next += 1;
              void gate.enter('x').then((ticket) => {
                const span = { admitted: clock.now(), released: -1 };
                spans.push(span);
                clock.setTimeout(() => {
                  span.released = clock.now();
                  ticket.release();
                }, a.holdMs);
              });
            }
            await flush();
            clock.increment(1);
            await flush();
          }
          expect(spans.filter((s) => s.released >= 0)).toHaveLength(arrivals.length);
          // The count only rises at an admission, so checking the window ending at each admission suffices.
          for (const { admitted: t } of spans) {
            const inFlight = spans.filter((s) => s.admitted <= t && s.released > t - 1000).length;
            expect(inFlight, `window ending at ${t}`).toBeLessThanOrEqual(burst);
          }
        },
      ),
      { numRuns: 60, seed: 181 },
    );
  });
});
