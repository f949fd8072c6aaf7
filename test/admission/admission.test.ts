/**
 * The standalone admission limiter (issue 18), on a SimulatedClock: rate, burst, maxStarting,
 * FIFO fairness within a priority, priority first, cancel while waiting, drop at shutdown, and a
 * property: for any schedule of requests and releases, the token-bucket bound holds in every
 * window and an id is never admitted twice without a new request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createAdmission, type AdmissionTicket } from '../../src/admission/index.js';

function setup(options: { startsPerSecond: number; burst?: number; maxStarting?: number }) {
  const clock = new SimulatedClock();
  const admission = createAdmission({ ...options, clock });
  const admitted: { id: string; at: number; ticket: AdmissionTicket }[] = [];
  const ask = (id: string, priority = 0) => admission.request(id, (ticket) => admitted.push({ id, at: clock.now(), ticket }), priority);
  return { clock, admission, admitted, ask };
}

describe('admission', () => {
  it('10,000 starts at 500/s with burst 50 take about 20 s of clock time, never more than burst + rate × window in any window', () => {
    const { clock, admitted, ask } = setup({ startsPerSecond: 500, burst: 50 });
    for (let i = 0; i < 10_000; i++) ask(`a${i}`);
    expect(admitted).toHaveLength(50); // the burst, at once
    while (admitted.length < 10_000) clock.increment(10);
    const last = admitted.at(-1)!.at;
    expect(last).toBeGreaterThanOrEqual(19_800);
    expect(last).toBeLessThanOrEqual(20_100);
    // Any 1 s window holds at most burst + 500.
    const times = admitted.map((a) => a.at);
    let lo = 0;
    for (let hi = 0; hi < times.length; hi++) {
      while (times[hi]! - times[lo]! >= 1_000) lo++;
      expect(hi - lo + 1).toBeLessThanOrEqual(550);
    }
  });

  it('maxStarting holds admitted-but-not-released starts; a release admits the next', () => {
    const { admitted, ask, admission } = setup({ startsPerSecond: 1_000, burst: 100, maxStarting: 2 });
    for (const id of ['a', 'b', 'c']) ask(id);
    expect(admitted.map((a) => a.id)).toEqual(['a', 'b']);
    admitted[0]!.ticket.release();
    admitted[0]!.ticket.release(); // twice is once
    expect(admitted.map((a) => a.id)).toEqual(['a', 'b', 'c']);
    expect(admission.stats()).toMatchObject({ starting: 2, waiting: 0, admitted: 3 });
  });

  it('is first come, first served: a constantly failing account re-queues behind the others', () => {
    const { clock, admitted, ask } = setup({ startsPerSecond: 1, burst: 1 });
    ask('flaky');
    for (const id of ['b', 'c']) ask(id);
    // flaky fails at once and asks again each time it is admitted.
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const next = admitted.shift();
      if (next) {
        order.push(next.id);
        next.ticket.release();
        if (next.id === 'flaky') ask('flaky');
      }
      clock.increment(1_000);
    }
    expect(order.slice(0, 4)).toEqual(['flaky', 'b', 'c', 'flaky']);
  });

  it('serves higher priority first', () => {
    const { clock, admitted, ask } = setup({ startsPerSecond: 1, burst: 1 });
    ask('first');
    ask('low');
    ask('vip', 10);
    clock.increment(1_000);
    expect(admitted.map((a) => a.id)).toEqual(['first', 'vip']);
  });

  it('a cancelled request never starts; drop() cancels every waiting one and leaves no timer', () => {
    const { clock, admitted, ask, admission } = setup({ startsPerSecond: 1, burst: 1 });
    ask('a');
    const removed = ask('b');
    ask('c');
    expect(removed.cancel()).toBe(true);
    expect(removed.cancel()).toBe(false);
    clock.increment(1_000);
    expect(admitted.map((a) => a.id)).toEqual(['a', 'c']);
    ask('d');
    ask('e');
    expect(admission.drop()).toBe(2);
    expect((clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size).toBe(0); // SimulatedClock keeps its timers private
    clock.increment(10_000);
    expect(admitted.map((a) => a.id)).toEqual(['a', 'c']);
    expect(admission.stats()).toMatchObject({ waiting: 0, dropped: 2 });
  });

  it('refuses a second request for an id that waits, and bad options', () => {
    const { ask } = setup({ startsPerSecond: 1, burst: 1 });
    ask('a');
    ask('b');
    expect(() => ask('b')).toThrow(/already waits/);
    expect(() => createAdmission({ startsPerSecond: 0 })).toThrow(/startsPerSecond/);
  });

  it('property: the bucket bound holds in every window, and no id is admitted more often than it asked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 300 }), fc.boolean()), { maxLength: 200 }),
        (rate, burst, steps) => {
          const { clock, admitted, ask } = setup({ startsPerSecond: rate, burst, maxStarting: 5 });
          const asked = new Map<string, number>();
          const live = new Set<string>();
          const waiting = new Set<string>();
          const tickets = new Map<string, AdmissionTicket>();
          let seen = 0;
          const collect = () => {
            for (; seen < admitted.length; seen++) {
              const a = admitted[seen]!;
              expect(waiting.delete(a.id)).toBe(true); // admitted only while it asked
              expect(live.has(a.id)).toBe(false); // never twice at once
              live.add(a.id);
              tickets.set(a.id, a.ticket);
            }
          };
          for (const [n, wait, release] of steps) {
            const id = `a${n}`;
            if (!waiting.has(id) && !live.has(id)) {
              waiting.add(id);
              asked.set(id, (asked.get(id) ?? 0) + 1);
              ask(id);
            }
            collect();
            if (release) {
              for (const liveId of [...live]) {
                live.delete(liveId);
                tickets.get(liveId)!.release();
              }
              collect();
            }
            clock.increment(wait);
            collect();
          }
          const counts = new Map<string, number>();
          for (const a of admitted) counts.set(a.id, (counts.get(a.id) ?? 0) + 1);
          for (const [id, n] of counts) expect(n).toBeLessThanOrEqual(asked.get(id) ?? 0);
          const times = admitted.map((a) => a.at);
          for (let i = 0; i < times.length; i++) {
            for (let j = i; j < times.length; j++) {
              const windowMs = times[j]! - times[i]!;
              expect(j - i + 1).toBeLessThanOrEqual(burst + Math.floor((windowMs * rate) / 1000) + 1);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
