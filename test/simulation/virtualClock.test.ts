import { describe, expect, it } from 'vitest';
import { randomStream, sfc32 } from '../../src/simulation/random.js';
import { TraceHash } from '../../src/simulation/traceHash.js';
import { VirtualClock } from '../../src/simulation/virtualClock.js';

describe('seeded randomness', () => {
  it('sfc32 gives PractRand’s sequence, and streams are reproducible and independent', () => {
    // Outputs 13–15 of sfc32 from a = b = c = d = 0 (the first 12 are discarded), computed
    // independently from PractRand's C definition with 32-bit Python integers. Every recorded seed
    // replays only as long as these stay the same.
    const r = sfc32(0, 0, 0, 0);
    expect(Array.from({ length: 3 }, () => Math.floor(r() * 4294967296))).toEqual([4035892905, 1363572419, 145230303]);
    const pinned = randomStream(7, 'account', 1);
    expect(Array.from({ length: 3 }, () => Math.floor(pinned() * 4294967296))).toEqual([585825985, 217001017, 3950867788]);
    const a = randomStream(7, 'account', 1);
    const b = randomStream(7, 'account', 1);
    const c = randomStream(7, 'account', 2);
    const d = randomStream(8, 'account', 1);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs);
    expect(Array.from({ length: 100 }, () => d())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('is uniform enough: 100,000 draws fill ten bins within 3 % of each other', () => {
    const r = randomStream(1, 'uniformity');
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(r() * 10)]! += 1;
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(300);
  });
});

describe('VirtualClock', () => {
  it('fires timers in time order, ties in the order they were set, with now() at each timer’s own time', async () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 20);
    const cleared = clock.setTimeout(() => log.push('never'), 15);
    clock.clearTimeout(cleared);
    expect(clock.pending).toBe(3);
    await clock.runUntil(100);
    expect(log).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(100);
    expect(clock.pending).toBe(0);
    expect(clock.fired).toBe(3);
  });

  it('drains promise continuations after each timer, before the next one fires', async () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const chain = async () => {
      await sleep(10);
      // A deep chain of continuations after the timer: all must run at time 10.
      for (let i = 0; i < 50; i++) await Promise.resolve();
      log.push(`chain done @${clock.now()}`);
      await sleep(5);
      log.push(`second sleep @${clock.now()}`);
    };
    const done = chain();
    clock.setTimeout(() => log.push(`other @${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`later @${clock.now()}`), 12);
    await clock.runUntil(20);
    await done;
    expect(log).toEqual(['chain done @10', 'other @10', 'later @12', 'second sleep @15']);
  });

  it('drains promise continuations and nextTicks between every two of hundreds of timers due together', async () => {
    // Several timers fire per turn of the real event loop; each must still see the previous
    // one's continuations finished, across the turns' boundaries too.
    const clock = new VirtualClock();
    const log: string[] = [];
    for (let k = 0; k < 300; k++) {
      clock.setTimeout(() => {
        log.push(`fire ${k}`);
        void (async () => {
          for (let i = 0; i < 20; i++) await Promise.resolve();
          process.nextTick(() => log.push(`done ${k}`));
        })();
      }, 10 + (k % 3));
    }
    await clock.runUntil(20);
    const expected = [0, 1, 2].flatMap((r) => Array.from({ length: 100 }, (_, i) => 3 * i + r)).flatMap((k) => [`fire ${k}`, `done ${k}`]);
    expect(log).toEqual(expected);
    expect(clock.fired).toBe(300);
  });

  it('a timer that throws rejects runUntil with its error and fires nothing after it', async () => {
    const clock = new VirtualClock();
    const log: number[] = [];
    clock.setTimeout(() => log.push(clock.now()), 1);
    clock.setTimeout(() => {
      throw new Error('timer broke');
    }, 2);
    clock.setTimeout(() => log.push(clock.now()), 3);
    await expect(clock.runUntil(10)).rejects.toThrow('timer broke');
    expect(log).toEqual([1]);
    expect(clock.pending).toBe(1);
    // The clock is usable again: the rest fires on the next run.
    await clock.runUntil(10);
    expect(log).toEqual([1, 3]);
  });

  it('timers set while running fire if due; runUntil is not re-entrant', async () => {
    const clock = new VirtualClock();
    const log: number[] = [];
    const tick = () => {
      log.push(clock.now());
      if (log.length < 5) clock.setTimeout(tick, 3);
    };
    clock.setTimeout(tick, 0);
    const run = clock.runUntil(10);
    await expect(clock.runUntil(20)).rejects.toThrow(/already running/);
    await run;
    expect(log).toEqual([0, 3, 6, 9]);
    expect(clock.nextAt()).toBe(12);
  });

  it('clearing timers anywhere in the heap keeps the rest in order, and only the rest fire', async () => {
    const clock = new VirtualClock();
    const r = randomStream(5, 'clear');
    const timers: { at: number; handle: ReturnType<VirtualClock['setTimeout']> }[] = [];
    const fired: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const at = Math.floor(r() * 100_000);
      timers.push({ at, handle: clock.setTimeout(() => fired.push(at), at) });
    }
    const kept = timers.filter((t) => {
      if (r() < 0.5) return true;
      clock.clearTimeout(t.handle);
      clock.clearTimeout(t.handle); // twice: changes nothing
      return false;
    });
    expect(clock.pending).toBe(kept.length);
    await clock.runUntil(100_000);
    expect(fired).toEqual(kept.map((t) => t.at).sort((a, b) => a - b));
    expect(clock.pending).toBe(0);
    expect(clock.nextAt()).toBeUndefined();
    // Cleared by a timer while the clock runs: the cleared one never fires.
    const log: string[] = [];
    const later = clock.setTimeout(() => log.push('cleared one'), 20);
    clock.setTimeout(() => clock.clearTimeout(later), 10);
    clock.setTimeout(() => log.push(`last @${clock.now()}`), 30);
    await clock.advance(50);
    expect(log).toEqual(['last @100030']);
  });

  it('keeps 100,000 timers in order (heap)', async () => {
    const clock = new VirtualClock();
    const r = randomStream(3, 'heap');
    const fired: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const at = Math.floor(r() * 1_000_000);
      clock.setTimeout(() => fired.push(at), at);
    }
    await clock.runUntil(1_000_000);
    expect(fired).toHaveLength(100_000);
    for (let i = 1; i < fired.length; i++) if (fired[i]! < fired[i - 1]!) throw new Error(`out of order at ${i}`);
  });
});

describe('TraceHash', () => {
  it('is the same for the same steps and differs for a changed field, order or split', () => {
    const hash = (steps: (string | number)[][]) => {
      const t = new TraceHash();
      for (const s of steps) t.add(...s);
      return t.digest();
    };
    const base = hash([[0, 'a', 'RESTART_SCHEDULED', 1200], [5, 'b', 'SUSPENDED']]);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(hash([[0, 'a', 'RESTART_SCHEDULED', 1200], [5, 'b', 'SUSPENDED']])).toBe(base);
    expect(hash([[0, 'a', 'RESTART_SCHEDULED', 1201], [5, 'b', 'SUSPENDED']])).not.toBe(base);
    expect(hash([[5, 'b', 'SUSPENDED'], [0, 'a', 'RESTART_SCHEDULED', 1200]])).not.toBe(base);
    expect(hash([['ab', 'c']])).not.toBe(hash([['a', 'bc']]));
  });
});
