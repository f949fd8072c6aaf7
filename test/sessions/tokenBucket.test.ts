import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../src/sessions/tokenBucket.js';

describe('createTokenBucket', () => {
  it('allows a burst of capacity, then refills over time', () => {
    let now = 0;
    const bucket = createTokenBucket({ capacity: 2, refillPerSec: 4 }, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    now = 250;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    now = 10_000;
    expect(bucket.available()).toBe(2);
  });

  it('does not lose tokens when the clock goes backwards', () => {
    let now = 1_000;
    const bucket = createTokenBucket({ capacity: 1, refillPerSec: 1 }, () => now);
    now = 0;
    expect(bucket.tryTake()).toBe(true);
  });

  it('rejects nonsense limits', () => {
    expect(() => createTokenBucket({ capacity: 0, refillPerSec: 1 })).toThrow(/rateLimit.capacity must be a finite number ≥ 1, got 0/);
    expect(() => createTokenBucket({ capacity: 1, refillPerSec: -1 })).toThrow(/rateLimit.refillPerSec must be a finite number ≥ 0, got -1/);
    expect(() => createTokenBucket({ capacity: Number.NaN, refillPerSec: 1 })).toThrow(RangeError);
  });

  it('never grants more than capacity + refillPerSec × elapsed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 200 }),
        (capacity, refillPerSec, steps) => {
          let now = 0;
          const bucket = createTokenBucket({ capacity, refillPerSec }, () => now);
          let granted = 0;
          for (const step of steps) {
            now += step;
            if (bucket.tryTake()) granted += 1;
          }
          expect(granted).toBeLessThanOrEqual(capacity + Math.floor((refillPerSec * now) / 1000));
        },
      ),
      { numRuns: 200 },
    );
  });
});
