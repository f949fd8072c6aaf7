/**
 * A token bucket that refills lazily from the clock when asked, so it owns no timer and nothing
 * needs stopping when the session ends.
 */

/** Size and refill speed of a {@link TokenBucket}. @example `{ capacity: 5, refillPerSec: 1 }` */
export interface RateLimit {
  /** Most tokens the bucket holds, i.e. the longest burst. Must be ≥ 1. */
  capacity: number;
  /** Tokens added per second, fractional allowed. Must be ≥ 0 (0 = never refills). */
  refillPerSec: number;
}

/**
 * Allows a burst of `capacity` actions, then `refillPerSec` per second.
 *
 * @example
 * ```ts
 * const bucket = createTokenBucket({ capacity: 2, refillPerSec: 1 });
 * bucket.tryTake(); // true
 * bucket.tryTake(); // true
 * bucket.tryTake(); // false until about one second has passed
 * ```
 */
export interface TokenBucket {
  /** Takes one token if there is one. */
  tryTake(): boolean;
  /** Tokens available now (fractional). */
  available(): number;
}

/**
 * Creates a full {@link TokenBucket}. `now` is injectable for tests.
 *
 * @example
 * ```ts
 * const bucket = createTokenBucket({ capacity: 5, refillPerSec: 1 });
 * let dropped = 0;
 * if (!bucket.tryTake()) dropped += 1;
 * ```
 */
export function createTokenBucket(limit: RateLimit, now: () => number = Date.now): TokenBucket {
  if (!(limit.capacity >= 1) || !Number.isFinite(limit.capacity)) {
    throw new RangeError(`rateLimit.capacity must be a finite number ≥ 1, got ${limit.capacity}`);
  }
  if (!(limit.refillPerSec >= 0) || !Number.isFinite(limit.refillPerSec)) {
    throw new RangeError(`rateLimit.refillPerSec must be a finite number ≥ 0, got ${limit.refillPerSec}`);
  }
  let tokens = limit.capacity;
  let last = now();
  const refill = (): void => {
    const t = now();
    // A clock that goes backwards must not remove tokens.
    const elapsed = Math.max(0, t - last);
    tokens = Math.min(limit.capacity, tokens + (elapsed * limit.refillPerSec) / 1000);
    last = t;
  };
  return {
    tryTake() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    available() {
      refill();
      return tokens;
    },
  };
}
