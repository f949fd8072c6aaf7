/**
 * A running 64-bit hash over a simulation's trace: every task transition, every supervision
 * decision and every command, in the order they happened, each with its virtual time. Two runs
 * with the same hash went through the same steps at the same times; a single changed delay,
 * account or order changes it. Printed as 16 hex digits.
 *
 * The mixing is cyrb53's (two 32-bit multiply-xor lanes, public domain, by bryc): fast on short
 * strings, no dependency, and the same on every platform. Not cryptographic: it detects change,
 * it does not resist forgery.
 */
export class TraceHash {
  #h1 = 0xdeadbeef;
  #h2 = 0x41c6ce57;
  #steps = 0;

  /** Adds one step: its fields, joined with separators so that ('ab','c') differs from ('a','bc'). */
  add(...fields: readonly (string | number | undefined)[]): void {
    let h1 = this.#h1;
    let h2 = this.#h2;
    for (const field of fields) {
      const s = field === undefined ? '\u0000' : String(field);
      for (let i = 0; i < s.length; i++) {
        const ch = s.charCodeAt(i);
        h1 = Math.imul(h1 ^ ch, 2654435761);
        h2 = Math.imul(h2 ^ ch, 1597334677);
      }
      h1 = Math.imul(h1 ^ 0x1f, 2654435761);
      h2 = Math.imul(h2 ^ 0x1f, 1597334677);
    }
    this.#h1 = h1;
    this.#h2 = h2;
    this.#steps += 1;
  }

  /** Steps added so far. */
  get steps(): number {
    return this.#steps;
  }

  /**
   * The hash of everything added so far, as 16 hex digits.
   *
   * @example
   * ```ts
   * const trace = new TraceHash();
   * trace.add(0, 'root', 'RESTART_SCHEDULED', 'a', 1200);
   * trace.digest(); // for example '3f9c2a…', the same on every run
   * ```
   */
  digest(): string {
    let h1 = this.#h1;
    let h2 = this.#h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
  }
}
