import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, type RestartPolicy } from '../../src/index.js';
import { checkIntensity } from '../../src/supervision/intensity.js';
import { controllableWorker } from '../../src/testing/index.js';
import { startSupervisor } from '../helpers/supervisor.js';

const backoffArb = fc.record({
  minMs: fc.integer({ min: 0, max: 10_000 }),
  maxMs: fc.integer({ min: 0, max: 600_000 }),
  factor: fc.double({ min: 1, max: 10, noNaN: true }),
  jitter: fc.constantFrom('full', 'decorrelated', 'none'),
}) as fc.Arbitrary<RestartPolicy['backoff']>;

describe('backoff delays', () => {
  it('stay within [0, maxMs] and under the exponential cap; none is exact; decorrelated ≥ minMs', () => {
    fc.assert(
      fc.property(backoffArb, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 600_000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (b, attempt, prev, r) => {
        const d = backoffDelay(b, attempt, prev, () => r);
        const cap = Math.min(b.maxMs, b.minMs * Math.pow(b.factor, attempt));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.max(b.maxMs, 0));
        if (b.jitter === 'none') expect(d).toBe(cap);
        if (b.jitter === 'full') expect(d).toBeLessThanOrEqual(cap);
        if (b.jitter === 'decorrelated') expect(d).toBeGreaterThanOrEqual(Math.min(b.minMs, b.maxMs));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('intensity window', () => {
  it('allows exactly maxRestarts inside any window of withinMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 100_000 }), fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 30 }), (max, within, raw) => {
        const times = [...raw].sort((a, b) => a - b);
        const now = (times.at(-1) ?? 0) + 1;
        const r = checkIntensity(times, { maxRestarts: max, withinMs: within }, now);
        const inWindow = times.filter((t) => t > now - within).length;
        expect(r.history).toHaveLength(inWindow);
        expect(r.allowed).toBe(inWindow < max);
      }),
    );
  });
});

describe('1,000 simultaneous failures', () => {
  it('are spread evenly over the backoff window by full jitter', async () => {
    const cw = controllableWorker();
    // The delay each decision chose, read from the root's RESTART_SCHEDULED events (exact, unlike
    // timestamps taken a millisecond apart).
    const scheduled = new Map<string, number>();
    const inspect = (e: { type: string; event?: { type: string; accountId?: string; delayMs?: number } }) => {
      const ev = e.event;
      if (ev?.type === 'RESTART_SCHEDULED' && ev.accountId && !scheduled.has(ev.accountId)) scheduled.set(ev.accountId, ev.delayMs!);
    };
    const { sup } = await startSupervisor({ restart: { backoff: { minMs: 1_000, maxMs: 1_000, jitter: 'full' } }, inspect }, cw);
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => sup.add({ id: `a${i}` })));
    await sup.waitFor('a999', 'running');
    for (const instance of cw.instances()) instance.reject(new Error('platform outage'));
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => sup.waitFor(`a${i}`, (s) => s.incarnation === 2)));
    expect(scheduled.size).toBe(1_000);
    const offsets = [...scheduled.values()]; // each account's delay, from its own failure
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(1_000);
    const buckets = Array.from({ length: 10 }, (_, b) => offsets.filter((o) => o >= b * 100 && o < (b + 1) * 100).length);
    // Uniform: 100 per 100 ms bucket on average; no bucket holds more than twice that.
    expect(Math.max(...buckets)).toBeLessThanOrEqual(200);
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(40);
    await sup.shutdown();
  });
});

describe('the random option', () => {
  it('is asked for each draw with the id of the account the delay is for, and the delay follows its answer', async () => {
    const cw = controllableWorker();
    const asked: string[] = [];
    // A different fraction per account: a's delays are 10 % of the window, b's 90 %.
    const random = (accountId: string) => {
      asked.push(accountId);
      return accountId === 'a' ? 0.1 : 0.9;
    };
    const { sup } = await startSupervisor({ restart: { backoff: { minMs: 1_000, maxMs: 1_000, jitter: 'full' } }, random }, cw);
    await sup.add({ id: 'a' });
    await sup.add({ id: 'b' });
    (await cw.nextInstance('a', 0)).reject(new Error('down'));
    (await cw.nextInstance('b', 0)).reject(new Error('down'));
    await sup.waitFor('a', 'backoff');
    await sup.waitFor('b', 'backoff');
    expect(asked.sort()).toEqual(['a', 'b']);
    const delaysOf = (id: string) => sup.history(id).flatMap((e) => (e.kind === 'restartScheduled' ? [e.delayMs] : []));
    expect(delaysOf('a')).toEqual([100]);
    expect(delaysOf('b')).toEqual([900]);
    await sup.shutdown();
  });
});
