/**
 * Seeded randomness for the simulation: sfc32 (Chris Doty-Humphrey's Small Fast Counter, 32-bit
 * variant, from PractRand), seeded through splitmix32 so that nearby seeds give unrelated streams.
 * Four 32-bit words of state, period about 2^127, passes PractRand to 2^40 bytes: more than a
 * simulated day of a large fleet draws. No dependency, and the same numbers on every platform.
 *
 * Each account draws from its own stream (`randomStream(seed, 'account', index)`), so what happens
 * to one account does not depend on the order in which other accounts' events interleave. That is
 * what lets a real-time run of the same schedule be compared with the simulation account by account.
 */

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * sfc32 seeded from four 32-bit words.
 *
 * @example
 * ```ts
 * const random = sfc32(1, 2, 3, 4);
 * random(); // the same number on every run
 * ```
 */
export function sfc32(a: number, b: number, c: number, d: number): Random {
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  d >>>= 0;
  const next: Random = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of sfc32 still show their seed; the reference implementation discards 12.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** splitmix32's finaliser: a bijective 32-bit mix, so distinct inputs stay distinct. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** A 32-bit hash of a label, so streams can be named ('account', 'outage', 'jitter'). */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * An independent stream of the simulation's randomness, named by `label` and `index`: the same
 * seed, label and index always give the same numbers, whatever else was drawn before.
 *
 * @example
 * ```ts
 * const jitter = randomStream(7, 'jitter');
 * const account42 = randomStream(7, 'account', 42);
 * ```
 */
export function randomStream(seed: number, label: string, index = 0): Random {
  const s0 = mix32(seed >>> 0);
  const s1 = mix32(s0 ^ hashLabel(label));
  const s2 = mix32(s1 ^ (index >>> 0));
  const s3 = mix32(s2 ^ Math.floor(seed / 4294967296));
  return sfc32(s0, s1, s2, s3);
}

/**
 * An exponentially distributed wait with `ratePerMs` events per millisecond (a Poisson process's
 * gap); `Infinity` when the rate is 0.
 *
 * @example
 * ```ts
 * exponentialMs(randomStream(1, 'crash'), 0.01 / 3_600_000); // mean 100 hours
 * ```
 */
export function exponentialMs(random: Random, ratePerMs: number): number {
  if (ratePerMs <= 0) return Infinity;
  return -Math.log(1 - random()) / ratePerMs;
}
